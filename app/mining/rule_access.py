"""Permission codes and menu entries of distribution rules and their runs (客户数据挖掘分配)."""

from app import menu
from app.auth.permissions import define, grant

MINING_RULES = define("mining.rules", "客户数据挖掘分配规则维护", kind="menu", section="数据挖掘")
MINING_SEMI = define("mining.semi_auto", "半自动分配（按规则预览并执行）", kind="menu", section="数据挖掘")
MINING_MANUAL = define("mining.manual", "手动分配（把管理部门的客户分给多名坐席）", kind="menu", section="数据挖掘")
MINING_RUNS = define("mining.runs", "分配记录", kind="menu", section="数据挖掘")

for _role in ("dept_head", "city_manager"):
    grant(_role, MINING_RULES, MINING_SEMI, MINING_MANUAL, MINING_RUNS)

menu.add("mining", "分配规则", "mining_rules.index", MINING_RULES, order=40)
menu.add("mining", "半自动分配", "mining_rules.semi", MINING_SEMI, order=42)
menu.add("mining", "手动分配", "mining_rules.manual", MINING_MANUAL, order=44)
menu.add("mining", "分配记录", "mining_runs.index", MINING_RUNS, order=46)
