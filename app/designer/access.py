"""Permission code and menu entry of the process designer."""

from app import menu
from app.auth.permissions import define, grant

DESIGN = define("designer.design", "流程设计（编辑、校验、发布流程与规则表）", kind="menu", section="流程中心")

grant("process_designer", DESIGN)

menu.add("workflow", "流程设计", "designer.index", DESIGN, order=40)
