"""Permission codes and menu entries of the audit log."""

from app import menu
from app.auth.permissions import define

AUDIT_VIEW = define("audit.view", "日志查询", kind="menu", section="系统管理")

menu.add("admin", "日志查询", "audit.log", AUDIT_VIEW, order=90)
