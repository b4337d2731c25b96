"""Permission, menu entry and base-data dictionary of the invalid-customer pool (无效客户池)."""

from app import menu
from app.admin import dictionaries
from app.auth.permissions import define, grant

MINING_INVALID = define("mining.invalid", "无效客户池（查询、激活）", kind="menu", section="数据挖掘")

grant("dept_head", MINING_INVALID)
grant("city_manager", MINING_INVALID)

menu.add("mining", "无效客户池", "mining_invalid.index", MINING_INVALID, order=50)

INVALID_REASON = dictionaries.define("invalid_reason", "无效原因", [
    ("empty_number", "空号/停机"), ("wrong_number", "号码错误"), ("refused", "明确拒绝"), ("not_owner", "非本人"),
    ("duplicate", "重复客户"), ("unreachable", "长期无法接通"), ("other", "其他"),
], "标记客户无效时必须选择的原因；无效客户移入无效客户池，不再占用坐席的个人客户数上限")
