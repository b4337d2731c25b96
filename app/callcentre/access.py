"""Permission codes and menu entries of the call centre (我的回访, 回访策略, the telephony system's API)."""

from app import menu
from app.auth.permissions import define, grant

# The telephony system's account (role 电话系统接口, created by the demo data and by an administrator in
# production): it may announce calls and missed calls, nothing else.
CTI = define("callcentre.cti", "电话系统接口（来电弹屏、未接来电）", section="客户管理")
CALLBACKS = define("callback.work", "我的回访（快速回访、定时回访、领取部门待领回访）", kind="menu",
                   section="工作平台")
STRATEGY = define("callback.strategy", "回访策略（未接来电由谁回访）", kind="menu", section="系统管理")

grant("seat", CALLBACKS)
grant("dept_head", CALLBACKS)
grant("city_manager", CALLBACKS, STRATEGY)

menu.add("workbench", "我的回访", "callcentre.mine", CALLBACKS, order=45)
menu.add("admin", "回访策略", "callcentre.strategy_page", STRATEGY, order=47)
