"""Permission codes and menu entries of daily management (日常管理, OA)."""

from app import menu
from app.auth.permissions import BUILTIN_ROLES, define, grant

SECTION = "日常管理"

APPLY = define("oa.apply", "申请查询（我的申请）", kind="menu", section=SECTION)
HANDLE = define("oa.handle", "待办申请", kind="menu", section=SECTION)
MONITOR = define("oa.monitor", "申请监控", kind="menu", section=SECTION)
CALENDAR = define("oa.calendar", "行事历管理", kind="menu", section=SECTION)
MINUTES = define("oa.minutes", "纪要管理", kind="menu", section=SECTION)
TODOS = define("oa.todos", "待办事项", kind="menu", section=SECTION)
TODO_ASSIGN = define("oa.todos.assign", "给下属分配待办事项", section=SECTION)
BRANCHES = define("oa.branches", "网点信息查询", kind="menu", section=SECTION)
BRANCH_MANAGE = define("oa.branches.manage", "网点维护", kind="menu", section="系统管理")
ACTIVITIES = define("oa.activities", "活动管理（查看、邀约、签到）", kind="menu", section=SECTION)
ACTIVITY_MANAGE = define("oa.activities.manage", "活动策划（新建、修改、结束活动）", section=SECTION)

EVERYONE = [role for role in BUILTIN_ROLES if role != "admin"]  # admin holds every code anyway
for _role in EVERYONE:
    grant(_role, APPLY, HANDLE, CALENDAR, MINUTES, TODOS, BRANCHES)
for _role in ("city_manager", "dept_head", "hr"):
    grant(_role, MONITOR)
for _role in ("city_manager", "dept_head"):
    grant(_role, TODO_ASSIGN, ACTIVITIES, ACTIVITY_MANAGE)
grant("seat", ACTIVITIES)

menu.add("oa", "申请查询", "applications.mine", APPLY, order=10)
menu.add("oa", "待办申请", "applications.todo", HANDLE, order=20)
menu.add("oa", "申请监控", "applications.monitor", MONITOR, order=30)
menu.add("oa", "行事历", "calendar.index", CALENDAR, order=40)
menu.add("oa", "纪要管理", "minutes.index", MINUTES, order=50)
menu.add("oa", "待办事项", "todos.index", TODOS, order=60)
menu.add("oa", "活动管理", "activities.index", ACTIVITIES, order=70)
menu.add("oa", "网点信息查询", "branches.search", BRANCHES, order=80)
menu.add("admin", "网点维护", "branches.manage", BRANCH_MANAGE, order=80)

# Registered here so they exist whenever the domain's screens do.
from app.oa import application_ops, demo  # noqa: E402, F401
