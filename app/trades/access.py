"""Permission codes, menu entries and dictionaries of trades, income records, interest and settlement."""

from app import menu
from app.admin import dictionaries
from app.auth.permissions import define, grant

TRADE_CREATE = define("trades.create", "客户交易（新建、查看本人交易、交易修订）", kind="menu", section="交易管理")
FINANCE_REVIEW = define("trades.finance_review", "交易财务审核", kind="menu", section="交易管理")
SERVICE_REVIEW = define("trades.service_review", "交易核对、确认个人合同、确认集体合同", kind="menu",
                        section="交易管理")
TRADE_MONITOR = define("trades.monitor", "交易状态监控", kind="menu", section="交易管理")
TRADE_MANAGE = define("trades.manage", "交易综合管理（修改、删除）", kind="menu", section="交易管理")
TRADE_INCOME = define("trades.income", "投资交易收益维护", kind="menu", section="交易管理")
INTEREST = define("trades.interest", "理财项目付息维护", kind="menu", section="交易管理")
SETTLEMENT = define("trades.settlement", "理财项目清算维护", kind="menu", section="交易管理")
# Any of these lets a user open a trade's page; which trades is the widest scope among those they hold.
TRADE_VIEWERS = (TRADE_CREATE, FINANCE_REVIEW, SERVICE_REVIEW, TRADE_MONITOR, TRADE_MANAGE, TRADE_INCOME, INTEREST,
                 SETTLEMENT)

grant("seat", TRADE_CREATE)
grant("finance", FINANCE_REVIEW, TRADE_MONITOR, TRADE_MANAGE, INTEREST, SETTLEMENT)
grant("investor_service", SERVICE_REVIEW, TRADE_MONITOR, TRADE_MANAGE, TRADE_INCOME)
grant("dept_head", TRADE_MONITOR)
grant("city_manager", TRADE_MONITOR)

menu.add("trades", "客户交易", "trades.index", TRADE_CREATE, order=10)
menu.add("trades", "交易修订", "trades.revisions", TRADE_CREATE, order=15)
menu.add("trades", "交易财务审核", "trades.finance_queue", FINANCE_REVIEW, order=20)
menu.add("trades", "交易核对", "trades.verification_queue", SERVICE_REVIEW, order=25)
menu.add("trades", "确认个人合同", "trades.personal_contract_queue", SERVICE_REVIEW, order=30)
menu.add("trades", "确认集体合同", "trades.collective_contract_queue", SERVICE_REVIEW, order=35)
menu.add("trades", "投资交易收益维护", "incomes.index", TRADE_INCOME, order=40)
menu.add("trades", "理财项目付息维护", "payouts.interest_index", INTEREST, order=50)
menu.add("trades", "理财项目清算维护", "payouts.settlement_index", SETTLEMENT, order=55)
menu.add("trades", "交易状态监控", "trade_admin.monitor", TRADE_MONITOR, order=60)
menu.add("trades", "交易综合管理", "trade_admin.manage", TRADE_MANAGE, order=65)

INCOME_KIND = dictionaries.define("income_kind", "交易收益类型", [
    ("interest", "利息"), ("dividend", "分红"), ("principal", "本金返还"), ("other", "其他"),
])
