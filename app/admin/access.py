"""Permission codes and menu entries of the admin domain."""

from app import menu
from app.auth.permissions import define

PARAMS_MANAGE = define("admin.params", "系统参数维护", kind="menu", section="系统管理")
BASEDATA_MANAGE = define("admin.basedata", "基础数据维护", kind="menu", section="系统管理")

menu.add("admin", "系统参数维护", "admin.params_list", PARAMS_MANAGE, order=60)
menu.add("admin", "基础数据维护", "basedata.index", BASEDATA_MANAGE, order=65)
