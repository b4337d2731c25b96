"""Demo mining tasks: a category and a published 随机抽取 task for seat01/seat02 in head01's department
(最大执行数量 3), so "as seat01, draw until 最大执行数量 stops you" works right after ``make run``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Integer, insert, literal, select

from app import clock
from app.customers import demo as _customers_demo  # noqa: F401  (its loader runs first: the source needs customers)
from app.customers.models import Customer
from app.database import DbSession
from app.demo import DemoContext, loader
from app.mining import tasks
from app.mining.task_models import MiningTaskPick
from app.org import scope as data_scope

DEMO_TASK = "意向客户电话挖掘（随机抽取）"


@loader("mining_tasks")
def load_demo(session: DbSession, ctx: DemoContext) -> None:
    head = ctx.users["head01"]
    category = tasks.create_category(session, "电话挖掘", 10)
    tasks.create_category(session, "客户回访", 20)
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
