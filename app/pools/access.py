"""Permission codes and menu entries of the information pools (数据池)."""

from app import menu
from app.auth.permissions import define, grant

POOLS_PUBLIC = define("pools.public", "公共信息池", kind="menu", section="数据池")
POOLS_EXTRACT = define("pools.extract", "从公共信息池提取客户", section="数据池")
POOLS_PERSONAL = define("pools.personal", "个人信息池（含标红申请）", kind="menu", section="数据池")
POOLS_DEPARTMENT = define("pools.department", "部门信息池", kind="menu", section="数据池")
POOLS_CITY = define("pools.city", "城市经理公共池", kind="menu", section="数据池")
POOLS_ASSIGN = define("pools.assign", "分配客户给坐席、放入公共池", section="数据池")
POOLS_RED_FLAG = define("pools.red_flag", "标红客户、处理标红申请", kind="menu", section="数据池")
POOLS_RECYCLE = define("pools.recycle", "回收预览", kind="menu", section="数据池")

grant("seat", POOLS_PUBLIC, POOLS_EXTRACT, POOLS_PERSONAL)
grant("dept_head", POOLS_PUBLIC, POOLS_DEPARTMENT, POOLS_ASSIGN, POOLS_RED_FLAG, POOLS_RECYCLE)
grant("city_manager", POOLS_PUBLIC, POOLS_DEPARTMENT, POOLS_CITY, POOLS_ASSIGN, POOLS_RECYCLE)

menu.add("pools", "公共信息池", "pools.public", POOLS_PUBLIC, order=10)
menu.add("pools", "个人信息池", "pools.personal", POOLS_PERSONAL, order=20)
menu.add("pools", "部门信息池", "pools.department", POOLS_DEPARTMENT, order=30)
menu.add("pools", "城市经理公共池", "pools.city", POOLS_CITY, order=40)
menu.add("pools", "标红客户处理", "pools.red_flags", POOLS_RED_FLAG, order=50)
menu.add("pools", "回收预览", "pools.recycle_preview", POOLS_RECYCLE, order=60)
