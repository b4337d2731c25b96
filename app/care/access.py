"""Permission codes, menu entries and parameters of customer care (生日关怀, 纪念日关怀, 关怀模板)."""

from app import menu
from app.admin import params
from app.auth.permissions import define, grant

CARE = define("care.view", "客户关怀：生日与纪念日名单、查看关怀话术、登记关怀", kind="menu", section="客户管理")
CARE_TASKS = define("care.tasks", "生成关怀任务（再次服务挖掘任务）", section="客户管理")
CARE_TEMPLATES = define("care.templates", "关怀模板维护", kind="menu", section="客户管理")

grant("seat", CARE)
grant("dept_head", CARE, CARE_TASKS, CARE_TEMPLATES)
grant("city_manager", CARE, CARE_TASKS, CARE_TEMPLATES)

REMIND_DAYS = params.define("care.remind_days", "int", 3, "关怀提醒天数",
                            "每天提醒服务坐席今天起多少天内（含今天）生日或成交纪念日的客户", section="客户管理",
                            minimum=1)

menu.add("customers", "生日关怀", "care.birthdays", CARE, order=80)
menu.add("customers", "纪念日关怀", "care.anniversaries", CARE, order=81)
menu.add("customers", "关怀模板", "care.templates", CARE_TEMPLATES, order=82)
