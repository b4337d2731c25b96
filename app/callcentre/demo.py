"""Demo call centre: seat extensions 8001…, the telephony system's account (cti01, role 电话系统接口), a strategy
queueing unknown numbers in 理财一部, and a few call-backs for seat01 (one overdue) and one waiting in the queue."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.auth.models import DataScope, Permission
from app.auth.role_services import create_role
from app.callcentre import callbacks, strategy
from app.callcentre.access import CTI
from app.callcentre.models import Callback, CallbackSource
from app.customers.models import Customer
from app.database import DbSession
from app.demo import DEMO_PASSWORD, DemoContext, loader
from app.org import services as org_services

EXTENSIONS = {"seat01": "8001", "seat02": "8002", "seat11": "8003", "head01": "8101"}


@loader("callcentre")
def load_demo(session: DbSession, ctx: DemoContext) -> None:
    for username, extension in EXTENSIONS.items():
        ctx.users[username].extension = extension
    cti = session.scalars(select(Permission.id).where(Permission.code == CTI)).all()
    role = create_role(session, code="cti_gateway", name="电话系统接口", data_scope=DataScope.SELF,
                       description="呼叫中心电话系统的接口账号：只能通知来电弹屏和未接来电", permission_ids=cti)
    ctx.users["cti01"] = org_services.create_user(
        session, username="cti01", work_no="C0001", name="电话系统", org_id=ctx.orgs["HQ"].id,
        password=DEMO_PASSWORD, role_codes=[role.code])
    strategy.save(session, rule_id=None, queue_org_id=ctx.orgs["SH-LC1"].id, due_minutes=30)

    seat = ctx.users["seat01"]
    mine = list(session.scalars(select(Customer).where(Customer.service_seat_id == seat.id)
                                .order_by(Customer.id).limit(4)))
    now = clock.now()
    for customer, hours, reason in zip(mine, (-3, 2, 26), ("产品到期续投提醒", "沙龙邀约确认", "上次通话约定回电"),
                                       strict=False):
        session.add(Callback(customer_id=customer.id, phone=callbacks.primary_phone(customer), seat_id=seat.id,
                             org_id=seat.org_id, due_at=now + timedelta(hours=hours), reason=reason,
                             source=CallbackSource.PLANNED, created_by_id=seat.id,
                             created_at=now - timedelta(days=1)))
    if len(mine) > 3:
        done = callbacks.Outcome(note="客户确认收到到账短信", duration_seconds=95)
        callbacks.record_now(session, seat, mine[3], done)
    callbacks.missed_call(session, ctx.users["cti01"], caller="13912345000", at=now - timedelta(minutes=40))
