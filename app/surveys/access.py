"""Permission codes and menu entries of questionnaires (问卷管理, 问卷结果, 我的问卷)."""

from app import menu
from app.auth.permissions import BUILTIN_ROLES, define, grant

MANAGE = define("survey.manage", "问卷管理（设计、发布、关闭问卷）", kind="menu", section="客户管理")
FILL = define("survey.fill", "填写问卷（为客户填写、我的问卷）", kind="menu", section="客户管理")
RESULTS = define("survey.results", "问卷结果（统计、导出原始答卷）", kind="menu", section="客户管理")

for _role in ("city_manager", "dept_head"):
    grant(_role, MANAGE, RESULTS)
for _role in BUILTIN_ROLES:
    if _role != "admin":
        grant(_role, FILL)

menu.add("customers", "问卷管理", "surveys.index", MANAGE, order=70)
menu.add("customers", "问卷结果", "surveys.results_index", RESULTS, order=71)
menu.add("customers", "我的问卷", "surveys.mine", FILL, order=72)
