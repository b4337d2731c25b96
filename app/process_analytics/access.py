"""Permission and menu entry of process analytics (流程性能)."""

from app import menu
from app.auth.permissions import define, grant

ANALYTICS = define("workflow.analytics", "流程性能分析（实例时长、各环节等待与处理时间、热力图）", kind="menu",
                   section="流程中心")

grant("process_designer", ANALYTICS)
grant("city_manager", ANALYTICS)

menu.add("workflow", "流程性能", "process_analytics.index", ANALYTICS, order=40)
