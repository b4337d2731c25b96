"""Permission codes and menu entries of membership (会员综合管理, 积分调整, 会员等级, 会员价格策略)."""

from app import menu
from app.auth.permissions import define, grant

VIEW = define("members.view", "会员综合管理（查询会员、等级历史、积分流水）", kind="menu", section="客户管理")
ADJUST = define("members.adjust", "申请积分调整、登记推荐积分", section="客户管理")
APPROVE = define("members.approve", "审批积分调整（不能审批本人的申请）", kind="menu", section="客户管理")
SETTINGS = define("members.settings", "会员等级与会员价格策略设置", kind="menu", section="客户管理")

grant("seat", VIEW)
grant("dept_head", VIEW, ADJUST, APPROVE)
grant("city_manager", VIEW, ADJUST, APPROVE, SETTINGS)
grant("investor_service", VIEW, ADJUST)

menu.add("customers", "会员综合管理", "members.index", VIEW, order=80)
menu.add("customers", "积分调整审批", "members.adjustments_index", APPROVE, order=81)
menu.add("customers", "会员等级设置", "members.levels_index", SETTINGS, order=82)
menu.add("customers", "会员价格策略", "members.prices_index", SETTINGS, order=83)
