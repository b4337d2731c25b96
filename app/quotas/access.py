"""Permissions and menu entries of quotas (配额维护) and the task calendar (任务日历)."""

from app import menu
from app.auth.permissions import define, grant

QUOTAS_MANAGE = define("quotas.manage", "配额维护（层级×级别的每日任务配额）", kind="menu", section="任务日历")
CALENDAR_VIEW = define("quotas.calendar", "任务日历（本人；主管按数据范围查看坐席的日历）", kind="menu",
                       section="任务日历")
TEAM_VIEW = define("quotas.team", "团队任务完成情况（坐席×日期）", kind="menu", section="任务日历")

grant("city_manager", QUOTAS_MANAGE, CALENDAR_VIEW, TEAM_VIEW)
grant("dept_head", CALENDAR_VIEW, TEAM_VIEW)
grant("seat", CALENDAR_VIEW)

menu.add("workbench", "任务日历", "quotas.calendar_page", CALENDAR_VIEW, order=5)
menu.add("workbench", "团队任务完成", "quotas.team", TEAM_VIEW, order=6)
menu.add("admin", "配额维护", "quotas.index", QUOTAS_MANAGE, order=45)
