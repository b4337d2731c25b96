"""Permission codes and 数据挖掘 menu entries of recovery, transfer and the leaving-employee hand-over."""

from app import menu
from app.auth.permissions import define, grant

MINING_RECOVERY = define("mining.recovery", "客户数据回收", kind="menu", section="数据挖掘")
MINING_TRANSFER = define("mining.transfer", "客户转移", kind="menu", section="数据挖掘")
MINING_HANDOVER = define("mining.handover", "离职交接", kind="menu", section="数据挖掘")

grant("dept_head", MINING_RECOVERY, MINING_TRANSFER, MINING_HANDOVER)
grant("city_manager", MINING_RECOVERY, MINING_TRANSFER, MINING_HANDOVER)

menu.add("mining", "客户数据回收", "pools_recovery.recovery", MINING_RECOVERY, order=70)
menu.add("mining", "客户转移", "pools_recovery.transfer", MINING_TRANSFER, order=80)
menu.add("mining", "离职交接", "pools_recovery.handovers", MINING_HANDOVER, order=90)
