"""Permission codes and menu entries of 业务问答.

Who may answer: every holder of ``qa.answer``, by default every staff role — a seat's colleagues answer as
well as managers, as the issue asks ("colleagues and managers answer"); an administrator may take the code
from a role on the role screen.
"""

from app import menu
from app.auth.permissions import BUILTIN_ROLES, define, grant

READ = define("qa.read", "查看业务问答", kind="menu", section="知识库")
ASK = define("qa.ask", "提问", section="知识库")
ANSWER = define("qa.answer", "回答问题", section="知识库")
CATEGORY = define("qa.category", "问题分类维护", kind="menu", section="知识库")
SUMMARY = define("qa.summary", "问答汇总", kind="menu", section="知识库")
PROMOTE = define("qa.promote", "采纳的回答转为知识草稿", section="知识库")

for _role in BUILTIN_ROLES:
    grant(_role, READ, ASK, ANSWER)
for _role in ("admin", "city_manager", "dept_head"):
    grant(_role, SUMMARY)
for _role in ("admin", "city_manager", "dept_head", "kb_reviewer"):
    grant(_role, PROMOTE)
grant("admin", CATEGORY)

menu.add("kb", "业务问答", "qa.index", READ, order=40)
menu.add("kb", "问答汇总", "qa.summary", SUMMARY, order=45)
menu.add("kb", "问题分类维护", "qa_admin.categories", CATEGORY, order=90)
