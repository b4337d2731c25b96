"""Demo quotas per 层级 × 级别 (from two months ago, one planned change) and the daily facts of the demo's
bulk-loaded follow-ups, so the task calendar and the team view show real days under ``make run``."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from app import clock
from app.customers.models import Customer, CustomerType, Pool
from app.database import DbSession
from app.demo import DemoContext, loader
from app.quotas import facts
from app.quotas.metrics import Metric
from app.quotas.models import IntentMark, Quota

DEMO_QUOTAS = [
    # level, tier, 意向客户, 有效电话, 见客, 邀约 — 初级/P1 (seat01, seat02) counts valid calls only
    ("初级", "P1", None, 3, None, None),
    ("初级", "P2", 1, 3, None, None),
    ("中级", "P2", 1, 2, None, None),
    ("中级", "P3", 1, 3, 1, None),
    ("高级", "P3", 1, 2, 1, 1),
]
HISTORY_DAYS = 60


@loader("quotas")
def load_demo_quotas(session: DbSession, ctx: DemoContext) -> None:
    """Quotas from two months ago, a planned raise for 中级/P2 next month, and the facts of the last weeks."""
    today = clock.today()
    admin = ctx.users["admin"]
    for level, tier, intent, valid_call, visit, invitation in DEMO_QUOTAS:
        targets = {Metric.INTENT: intent, Metric.VALID_CALL: valid_call, Metric.VISIT: visit,
                   Metric.INVITATION: invitation}
        session.add(Quota(level=level, tier=tier, effective_from=today - timedelta(days=HISTORY_DAYS),
                          remark="演示：年度初始配额", created_by_id=admin.id,
                          **{metric.value: value for metric, value in targets.items()}))
    session.add(Quota(level="中级", tier="P2", effective_from=today + timedelta(days=30), intent=2, valid_call=3,
                      remark="演示：下月起提高", created_by_id=admin.id))
    # The demo's customers were bulk-loaded: an intent customer in a seat's pool counts on the day it was assigned.
    since = clock.now() - timedelta(days=HISTORY_DAYS)
    session.execute(insert(IntentMark).from_select(
        ["user_id", "day", "customer_id"],
        select(Customer.service_seat_id, facts.local_day(session, Customer.assigned_at), Customer.id).where(
            Customer.pool == Pool.PERSONAL, Customer.type == CustomerType.INTENT, Customer.assigned_at >= since)))
    facts.rebuild(session, today - timedelta(days=HISTORY_DAYS), today)
