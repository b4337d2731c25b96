"""Permission codes and menu entries of the scheduler centre."""

from app import menu
from app.auth.permissions import define

SCHEDULER_MANAGE = define("scheduler.manage", "自动调度中心", kind="menu", section="系统管理")

menu.add("admin", "自动调度中心", "scheduling.jobs", SCHEDULER_MANAGE, order=70)
