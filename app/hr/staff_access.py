"""Permission codes and the menu entry of staff profiles (员工信息)."""

from app import menu
from app.auth.permissions import BUILTIN_ROLES, define, grant

SECTION = "人事管理"

STAFF_VIEW = define("hr.staff", "员工信息（查询、导出、资格证书到期提醒）", kind="menu", section=SECTION)
STAFF_MANAGE = define("hr.staff.manage", "员工信息维护（档案、资格证书、办理离职）", section=SECTION)
OWN_CERTIFICATES = define("hr.staff.own", "我的资格证书（首页到期提醒）", section=SECTION)

grant("hr", STAFF_VIEW, STAFF_MANAGE)
for _role in BUILTIN_ROLES:
    if _role != "admin":  # admin holds every code anyway
        grant(_role, OWN_CERTIFICATES)

menu.add("hr", "员工信息", "staff.index", STAFF_VIEW, order=10)
