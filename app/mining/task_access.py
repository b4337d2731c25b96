"""Permission codes, menu entries and the outcome dictionary of mining tasks (数据挖掘任务) and work tasks (任务管理).

Work tasks share the mining tasks' permissions (and so their data scope): 任务分类 is one screen for both,
任务设置 / 任务分配 need 数据挖掘任务维护, 任务执行 needs 我的挖掘任务."""

from app import menu
from app.admin import dictionaries
from app.auth.permissions import define, grant

TASK_CATEGORIES = define("mining.task_categories", "任务分类（数据挖掘任务与工作任务）", kind="menu",
                         section="数据挖掘")
TASKS_MANAGE = define("mining.tasks", "数据挖掘任务维护、任务设置与任务分配（新建、发布、分配、关闭）", kind="menu",
                      section="数据挖掘")
TASKS_EXECUTE = define("mining.tasks.execute", "我的挖掘任务与任务执行（抽取、执行）", kind="menu", section="数据挖掘")

grant("dept_head", TASK_CATEGORIES, TASKS_MANAGE)
grant("city_manager", TASK_CATEGORIES, TASKS_MANAGE)
grant("seat", TASKS_EXECUTE)

MINING_OUTCOME = dictionaries.define("mining_outcome", "挖掘任务执行结果", [
    ("interested", "已联系有意向"), ("not_interested", "已联系无意向"), ("no_answer", "未接通"),
    ("invalid_number", "号码无效"), ("other", "其他"),
])

menu.add("mining", "数据挖掘任务", "mining_tasks.index", TASKS_MANAGE, order=30)
menu.add("mining", "我的挖掘任务", "mining_tasks.mine", TASKS_EXECUTE, order=40)
# 任务管理 (seed 000 items 10–14); the categories screen serves both kinds of task.
menu.add("tasks", "任务分类", "mining_tasks.categories", TASK_CATEGORIES, order=10)
menu.add("tasks", "任务设置", "work_tasks.index", TASKS_MANAGE, order=20)
menu.add("tasks", "任务分配", "work_tasks.assign_index", TASKS_MANAGE, order=30)
menu.add("tasks", "任务执行", "work_tasks.mine", TASKS_EXECUTE, order=40)
