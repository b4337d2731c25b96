"""Permission codes, menu entries and registrations of complaints (投诉).

Seats, department heads and city managers see the complaints in their data scope (and those they handle or
filed) and file new ones; the categories are the administrator's (admin holds every code).
"""

from app import menu
from app.auth.permissions import define, grant

SECTION = "客户管理"

VIEW = define("complaints.view", "投诉管理（查询、超时投诉、投诉详情）", kind="menu", section=SECTION)
FILE = define("complaints.file", "登记投诉", section=SECTION)
CATEGORY = define("complaints.category", "投诉类别维护", kind="menu", section=SECTION)

for _role in ("seat", "dept_head", "city_manager"):
    grant(_role, VIEW, FILE)

menu.add("customers", "投诉管理", "complaints.index", VIEW, order=70)
menu.add("customers", "超时投诉", "complaints.overdue", VIEW, order=72)
menu.add("customers", "投诉类别维护", "complaints_admin.categories", CATEGORY, order=74)
