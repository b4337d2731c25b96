"""Permission codes and menu entries of the reports (查询&报表). Which rows a report shows is the data scope
the viewer's roles give for its code: a seat his own, a head his departments, the city manager everyone."""

from app import menu
from app.auth.permissions import define, grant

SECTION = "查询&报表"

TRADES_REPORT = define("reports.trades", "交易报表（按项目、部门、月份、状态）", kind="menu", section=SECTION)
FOLLOWUPS_REPORT = define("reports.followups", "跟进报表（按坐席、方式、结果）", kind="menu", section=SECTION)
POOLS_REPORT = define("reports.pools", "客户流转报表（按原因、规则、流出池、流入池）", kind="menu", section=SECTION)
ACQUISITION_REPORT = define("reports.acquisition", "客户获取报表（按来源、导入批次）", kind="menu", section=SECTION)
LEDGERS_REPORT = define("reports.ledgers", "付息、清算与收益台账", kind="menu", section=SECTION)

grant("seat", TRADES_REPORT, FOLLOWUPS_REPORT)
grant("dept_head", TRADES_REPORT, FOLLOWUPS_REPORT, POOLS_REPORT, ACQUISITION_REPORT)
grant("city_manager", TRADES_REPORT, FOLLOWUPS_REPORT, POOLS_REPORT, ACQUISITION_REPORT, LEDGERS_REPORT)
grant("finance", TRADES_REPORT, LEDGERS_REPORT)
grant("investor_service", TRADES_REPORT, LEDGERS_REPORT)

menu.add("reports", "交易报表", "reports.trades", TRADES_REPORT, order=10)
menu.add("reports", "跟进报表", "reports.followups", FOLLOWUPS_REPORT, order=20)
menu.add("reports", "客户流转报表", "reports.pools", POOLS_REPORT, order=30)
menu.add("reports", "客户获取报表", "reports.acquisition", ACQUISITION_REPORT, order=40)
menu.add("reports", "付息清算台账", "reports.interest", LEDGERS_REPORT, order=50)
