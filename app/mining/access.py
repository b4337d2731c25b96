"""Permission codes and menu entries of data mining (数据挖掘)."""

from app.auth.permissions import define, grant

MINING_CONDITIONS = define("mining.conditions", "挖掘条件（新建、修改、删除、试算）", kind="menu", section="数据挖掘")

grant("dept_head", MINING_CONDITIONS)
grant("city_manager", MINING_CONDITIONS)
