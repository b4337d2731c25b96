"""Permission codes and menu entries of 客户评级 (customer grading A/B/C)."""

from app import menu
from app.auth.permissions import define, grant

VIEW = define("grading.view", "客户评级（等级分布、评级名单、客户 360 的等级与得分原因）", kind="menu",
              section="客户管理")
RUN = define("grading.run", "立即评级（按规则表重算全部客户的等级）", section="客户管理")

for _role in ("seat", "dept_head", "city_manager", "investor_service"):
    grant(_role, VIEW)
# 立即评级 rewrites every customer's grade: the administrator's (who holds every code) unless granted on the
# role screen.

menu.add("customers", "客户评级", "grading.overview", VIEW, order=65)
