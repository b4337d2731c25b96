"""Permission codes, menu entries and dictionaries of follow-ups and appointments."""

from app import menu
from app.admin import dictionaries
from app.auth.permissions import define, grant

FOLLOWUPS_VIEW = define("followups.view", "有效跟进与预约提醒（查询）", kind="menu", section="工作平台")
FOLLOWUPS_RECORD = define("followups.record", "记录跟进、预约客户", section="工作平台")

grant("seat", FOLLOWUPS_VIEW, FOLLOWUPS_RECORD)
grant("dept_head", FOLLOWUPS_VIEW, FOLLOWUPS_RECORD)
grant("city_manager", FOLLOWUPS_VIEW)

FOLLOWUP_RESULT = dictionaries.define("followup_result", "跟进结果", [
    ("interested", "有意向"), ("considering", "考虑中"), ("not_interested", "无意向"), ("no_answer", "未接通"),
    ("wrong_number", "空号/错号"), ("refused", "拒接/挂断"), ("callback", "约定回访"), ("deal", "已成交"),
])

menu.add("workbench", "有效跟进", "followups.index", FOLLOWUPS_VIEW, order=40)
menu.add("workbench", "预约提醒", "followups.reminders", FOLLOWUPS_VIEW, order=50)
