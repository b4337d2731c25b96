"""Demo tasks: a category and a published 随机抽取 mining task for seat01/seat02 in head01's department
(最大执行数量 3), so "as seat01, draw until 最大执行数量 stops you" works right after ``make run``; and
for 任务管理 the saved condition “生日在本月的成交客户” with dealt customers of seat01/seat02 born in the
demo month, plus a distributed work task (电话筛查, 配额) seat01 finds under 任务执行."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Integer, insert, literal, select, update

from app import clock
from app.customers.models import Customer, CustomerType, IdType
from app.database import DbSession
from app.demo import DemoContext, loader
from app.mining import conditions, task_work, tasks
from app.mining.task_models import MiningTaskPick
from app.org import scope as data_scope
from rules.identity import check_char

DEMO_TASK = "意向客户电话挖掘（随机抽取）"
BIRTHDAY_CONDITION = "生日在本月的成交客户"
DEMO_WORK_TASK = "新导入客户电话筛查（配额）"


@loader("mining_tasks")
def load_demo(session: DbSession, ctx: DemoContext) -> None:
    head = ctx.users["head01"]
    category = tasks.create_category(session, "电话挖掘", 10)
    care = tasks.create_category(session, "客户回访", 20)
    today = clock.today()
    scope = tasks.manager_scope(session, head)
    task = tasks.create_task(session, head, scope, tasks.TaskInput(
        name=DEMO_TASK, category_id=category.id, start_date=today - timedelta(days=1),
        end_date=today + timedelta(days=60), type="random", source_kind="fixed", max_unexecuted=3,
        description="从部门未分配的客户中随机抽取，电话联系后记录执行结果和跟进。",
        seat_work_nos=[ctx.users["seat01"].work_no, ctx.users["seat02"].work_no]))
    size = 40 if ctx.size == "full" else 10
    unassigned: Any = select(literal(task.id, Integer()), Customer.id).where(Customer.service_seat_id.is_(None))
    unassigned = data_scope.apply(unassigned, scope, Customer.service_org_id)
    session.execute(insert(MiningTaskPick).from_select(
        ["task_id", "customer_id"], unassigned.order_by(Customer.id).limit(size)))
    tasks.publish(session, head, scope, task)
    _work_tasks(session, ctx, care.id)


def _born_this_month(session: DbSession, ctx: DemoContext, per_seat: int) -> None:
    """Some dealt customers of seat01 and seat02 born in the demo month (today's, on the demo clock), so
    “生日在本月的成交客户” finds them; valid customers become dealt when a seat has too few dealt ones."""
    month = clock.today().month
    for username in ("seat01", "seat02"):
        seat_id = ctx.users[username].id
        chosen = list(session.scalars(select(Customer).where(
            Customer.service_seat_id == seat_id, Customer.type.in_([CustomerType.DEALT, CustomerType.VALID]))
            .order_by(Customer.type != CustomerType.DEALT, Customer.id).limit(per_seat)))
        for customer in chosen:  # a handful of demo rows, each with its own date
            born = customer.birthday or clock.today().replace(year=1980)
            born = born.replace(month=month, day=min(born.day, 28))
            id_number = customer.id_number
            if customer.id_type == IdType.ID_CARD and id_number and len(id_number) == 18:
                first17 = f"{id_number[:6]}{born:%Y%m%d}{id_number[14:17]}"
                id_number = first17 + check_char(first17)
            session.execute(update(Customer).where(Customer.id == customer.id).values(
                type=CustomerType.DEALT, birthday=born, id_number=id_number))


def _work_tasks(session: DbSession, ctx: DemoContext, category_id: int) -> None:
    head = ctx.users["head01"]
    scope = tasks.manager_scope(session, head)
    today = clock.today()
    _born_this_month(session, ctx, 4 if ctx.size == "full" else 2)
    conditions.create(session, head, BIRTHDAY_CONDITION, {"op": "and", "items": [
        {"field": "birthday_month", "cmp": "in", "value": [str(today.month)]},
        {"field": "type", "cmp": "in", "value": ["dealt"]}]},
        f"关怀电话用：客户类型为成交、生日在 {today.month} 月（演示数据按当月生成，跨月后请修改月份）")
    imported = conditions.create(session, head, "导入批次 IMP-DEMO-01 的新建客户", {"op": "and", "items": [
        {"field": "import_batch", "cmp": "in", "value": ["IMP-DEMO-01"]},
        {"field": "type", "cmp": "in", "value": ["new"]}]}, "电话筛查用")
    work = tasks.create_task(session, head, scope, tasks.TaskInput(
        name=DEMO_WORK_TASK, category_id=category_id, type="work", action="call", quota=3,
        condition_id=imported.id, start_date=today - timedelta(days=1), end_date=today + timedelta(days=30),
        description="电话筛查新导入的客户：确认本人、了解理财需求，记录执行结果。客户仍在部门信息池。"))
    task_work.distribute(session, head, scope, work, "quota", [], [ctx.orgs["SH-LC1-A"].id])
