"""Permission codes and menu entries of the workflow engine."""

from app import menu
from app.auth.permissions import BUILTIN_ROLES, define, grant

INBOX = define("workflow.inbox", "我的待办", kind="menu", section="流程中心")
MONITOR = define("workflow.monitor", "流程监控", kind="menu", section="流程中心")
MANAGE = define("workflow.manage", "流程实例管理（取消、重试、迁移、修复）", section="流程中心")
LAUNCH = define("workflow.launch", "发起流程", kind="menu", section="流程中心")

for _role in BUILTIN_ROLES:
    if _role != "admin":
        grant(_role, INBOX, LAUNCH)
grant("process_designer", MONITOR, MANAGE)

menu.add("workflow", "发起流程", "launch.index", LAUNCH, order=5)
menu.add("workflow", "我的待办", "tasks.inbox", INBOX, order=10)
menu.add("workflow", "流程监控", "workflow.monitor", MONITOR, order=20)
menu.add("workflow", "流程模型", "workflow.models", MONITOR, order=30)
