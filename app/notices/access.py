"""Permission codes and menu entries of system notices (系统通知) and content templates (内容模板)."""

from app import menu
from app.auth.permissions import BUILTIN_ROLES, define, grant

VIEW = define("notices.view", "查看系统通知", kind="menu", section="日常管理")
MANAGE = define("notices.manage", "系统通知维护、内容模板维护", kind="menu", section="系统管理")

for _role in BUILTIN_ROLES:
    if _role != "admin":
        grant(_role, VIEW)

menu.add("oa", "系统通知", "notices.index", VIEW, order=90)
menu.add("admin", "系统通知维护", "notice_admin.index", MANAGE, order=85)
menu.add("admin", "内容模板维护", "notice_admin.templates", MANAGE, order=86)

# Registered here so they exist whenever the domain's screens do.
from app.notices import demo  # noqa: E402, F401
