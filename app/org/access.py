"""Permission codes and menu entries of the org domain."""

from app import menu
from app.auth.permissions import define, grant

ORG_MANAGE = define("org.manage", "用户组织维护", kind="menu", section="系统管理")
USER_VIEW = define("users.view", "用户查询", kind="menu", section="系统管理")
USER_MANAGE = define("users.manage", "用户维护（新建、修改、升降级、离职、解锁、重置密码）", section="系统管理")
USER_ROLES = define("users.roles", "用户角色维护", kind="menu", section="系统管理")

grant("hr", USER_VIEW, USER_MANAGE)
grant("city_manager", USER_VIEW)
grant("dept_head", USER_VIEW)

menu.add("admin", "用户组织维护", "org.tree", ORG_MANAGE, order=10)
menu.add("admin", "用户维护", "users.index", USER_VIEW, order=20)
menu.add("admin", "用户角色维护", "users.role_list", USER_ROLES, order=25)
