"""Demo complaints: four categories, one complaint handled and closed (seat01's customer, passed by head01) and
one waiting for 主管审核 (seat11's customer, head11). Neither waits on an SLA timer, so the demo data never
escalates by itself; a complaint filed from the screens does."""

from __future__ import annotations

from sqlalchemy import select

from app import workflow
from app.complaints import services
from app.customers.models import Customer
from app.database import DbSession
from app.demo import DemoContext, loader
from app.workflow import deploy
from app.workflow.models import TaskStatus, WorkflowTask

CATEGORIES = [  # name, handling role, SLA hours
    ("服务态度", "seat", 24), ("产品收益", "seat", 48), ("资金到账", "seat", 24), ("信息安全", "dept_head", 8)]


def _open_task(session: DbSession, instance_id: int) -> WorkflowTask:
    return session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == instance_id,
                                                      WorkflowTask.status == TaskStatus.OPEN)).one()


def _first_customer(session: DbSession, seat_id: int) -> Customer | None:
    return session.scalar(select(Customer).where(Customer.service_seat_id == seat_id).order_by(Customer.id).limit(1))


@loader("complaints")
def load_demo(session: DbSession, ctx: DemoContext) -> None:
    made = {name: services.save_category(session, None, name=name, handler_role=role, org_id=None, sla_hours=hours,
                                         sort=i) for i, (name, role, hours) in enumerate(CATEGORIES, start=1)}
    if deploy.latest(session, services.PROCESS_KEY) is None:
        return  # the shipped diagrams are deployed first by `make run` and the test templates
    seat01, head01, seat11 = ctx.users["seat01"], ctx.users["head01"], ctx.users["seat11"]
    customer = _first_customer(session, seat01.id)
    if customer is not None:
        closed = services.file(session, seat01, customer_id=customer.id, category_id=made["产品收益"].id,
                               channel="phone", content="客户来电反映：到期收益比宣传的业绩比较基准低，要求解释。")
        handle = _open_task(session, closed.process_instance_id or 0)
        workflow.complete_task(session, handle.id, seat01, {"result": "已向客户说明业绩比较基准不代表实际收益，"
                                                            "并提供了产品净值走势，客户表示理解。"}, outcome="submit")
        review = _open_task(session, closed.process_instance_id or 0)
        workflow.complete_task(session, review.id, head01, {}, outcome="approve", comment="处理得当，同意结案")
    customer = _first_customer(session, seat11.id)
    if customer is not None:
        waiting = services.file(session, seat11, customer_id=customer.id, category_id=made["服务态度"].id,
                                channel="counter", content="客户到柜台反映坐席回访时语气生硬、多次打断客户。")
        handle = _open_task(session, waiting.process_instance_id or 0)
        workflow.complete_task(session, handle.id, seat11, {"result": "已当面向客户致歉，并安排主管回访。"},
                               outcome="submit")
