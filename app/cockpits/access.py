"""Permissions and menu entries of the cockpits (驾驶舱)."""

from app import menu
from app.auth.permissions import define, grant

LEADERSHIP = define("cockpits.leadership", "指导驾驶舱（募集、收益、客户与信息池全局图表）", kind="menu",
                    section="业绩")
MANAGER = define("cockpits.manager", "客户经理驾驶舱（本人或本部门的客户、交易、待办、排名）", kind="menu",
                 section="业绩")

grant("city_manager", LEADERSHIP)
grant("dept_head", MANAGER)
grant("seat", MANAGER)

menu.add("performance", "指导驾驶舱", "cockpits.leadership_page", LEADERSHIP, order=1)
menu.add("performance", "客户经理驾驶舱", "cockpits.manager_page", MANAGER, order=2)
