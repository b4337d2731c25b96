"""Permissions and menu entries of performance (业绩): 业绩查询 (staff performance)."""

from app import menu
from app.auth.permissions import define, grant

PERFORMANCE_VIEW = define("performance.view", "业绩查询（本人；主管按数据范围查看坐席业绩）", kind="menu",
                          section="业绩")

grant("city_manager", PERFORMANCE_VIEW)
grant("dept_head", PERFORMANCE_VIEW)
grant("seat", PERFORMANCE_VIEW)

menu.add("performance", "业绩查询", "performance.staff", PERFORMANCE_VIEW, order=10)
