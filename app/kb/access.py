"""Permission codes and menu entries of the knowledge base (知识库).

Reading is for every staff role; writing for the roles that own business knowledge (人事, 部门主管, 城市经理,
知识审核); reviewing, withdrawing and the category tree for 知识审核 (admin holds every code anyway).
"""

from app import menu
from app.auth.permissions import BUILTIN_ROLES, define, grant

SECTION = "知识库"

READ = define("kb.read", "知识库（阅读）", kind="menu", section=SECTION)
WRITE = define("kb.write", "知识库维护（编写知识、提交审核）", kind="menu", section=SECTION)
REVIEW = define("kb.review", "知识库审核（审核、下架）", kind="menu", section=SECTION)
CATEGORY = define("kb.category", "知识分类维护", kind="menu", section=SECTION)

for _role in BUILTIN_ROLES:
    if _role != "admin":
        grant(_role, READ)
for _role in ("city_manager", "dept_head", "hr", "kb_reviewer"):
    grant(_role, WRITE)
grant("kb_reviewer", REVIEW, CATEGORY)

menu.add("kb", "知识库", "kb.index", READ, order=10)
menu.add("kb", "知识库维护", "kb.manage", WRITE, order=20)
menu.add("kb", "知识库审核", "kb.reviews", REVIEW, order=30)
menu.add("kb", "知识分类维护", "kb_categories.index", CATEGORY, order=40)

# Registered here so they exist whenever the domain's screens do.
from app.kb import demo, review_ops  # noqa: E402, F401
