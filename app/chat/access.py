"""Permission code and menu entry of instant messages (即时通讯)."""

from app import menu
from app.auth.permissions import BUILTIN_ROLES, define, grant

CHAT = define("chat.use", "即时通讯", kind="menu", section="日常管理")

for _role in BUILTIN_ROLES:
    if _role != "admin":
        grant(_role, CHAT)

menu.add("oa", "即时通讯", "chat.index", CHAT, order=95)

# Registered here so it exists whenever the domain's screens do.
from app.chat import demo  # noqa: E402, F401
