"""Permission codes and the menu entry of dispatch plans (工作计划).

Who publishes which plan is a permission per kind, so an admin may change it on the role screen:
月计划 the city manager, 周计划 the city manager and department heads, 日计划 department heads.
Where they may aim a plan is the data scope their role gives for that code.
"""

from app import menu
from app.auth.permissions import define, grant

SECTION = "工作计划"

PLANS_VIEW = define("plans.view", "工作计划（查看、进度）", kind="menu", section=SECTION)
PUBLISH_MONTH = define("plans.publish.month", "下达月计划", section=SECTION)
PUBLISH_WEEK = define("plans.publish.week", "下达周计划", section=SECTION)
PUBLISH_DAY = define("plans.publish.day", "下达日计划", section=SECTION)
PLANS_SPLIT = define("plans.split", "拆分上级计划到下级组织、坐席", section=SECTION)
PUBLISH_CODES = (PUBLISH_MONTH, PUBLISH_WEEK, PUBLISH_DAY)

grant("seat", PLANS_VIEW)
grant("dept_head", PLANS_VIEW, PUBLISH_WEEK, PUBLISH_DAY, PLANS_SPLIT)
grant("city_manager", PLANS_VIEW, PUBLISH_MONTH, PUBLISH_WEEK, PLANS_SPLIT)

menu.add("workbench", "工作计划", "plans.index", PLANS_VIEW, order=60)
