"""Permission codes and menu entries of roles, permissions and online users."""

from app import menu
from app.auth.permissions import define

ROLE_MANAGE = define("roles.manage", "角色维护", kind="menu", section="系统管理")
PERMISSION_MANAGE = define("permissions.manage", "权限维护", kind="menu", section="系统管理")
ONLINE_MANAGE = define("online.manage", "在线用户管理（强制下线）", kind="menu", section="系统管理")

menu.add("admin", "角色维护", "roles.index", ROLE_MANAGE, order=30)
menu.add("admin", "权限维护", "roles.permissions", PERMISSION_MANAGE, order=35)
menu.add("admin", "在线用户管理", "online.index", ONLINE_MANAGE, order=40)
