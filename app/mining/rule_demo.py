"""Demo data of distribution rules: an import batch of intent customers waiting in 理财一部's department pool,
a saved condition over it ("意向客户, 3 天无有效跟进, 来源=导入批次 IMP-DEMO-03") and a weighted rule giving
them to 张坐席 (seat01, 权重 2) and 陈坐席 (seat02, 权重 1) — the acceptance journey of distribution."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import insert, select

from app import clock
from app.audit import services as audit
from app.customers import services as customer_services
from app.customers.models import Customer, CustomerPhone, CustomerType, Pool
from app.database import DbSession, table_of
from app.demo import DemoContext, loader
from app.mining import conditions, distribution
from app.mining.models import MiningCondition
from app.mining.rule_models import DistributionRule, DistributionRuleTarget, RuleKind, TimeField
from app.mining.run_models import RunKind
from app.org import scope as data_scope
from app.pools import history
from app.pools.models import MoveReason
from rules.distribution import Method

DEMO_BATCH = "IMP-DEMO-03"
CONDITION_NAME = "意向客户 3 天无有效跟进（导入批次 IMP-DEMO-03）"
CONDITION_SPEC = {"op": "and", "items": [
    {"field": "type", "cmp": "in", "value": [CustomerType.INTENT.value]},
    {"field": "last_valid_call_at", "cmp": "before", "value": {"days_ago": 3}},
    {"field": "import_batch", "cmp": "in", "value": [DEMO_BATCH]},
]}
RULE_NAME = "一部意向客户按权重分配"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚"


def _import_batch(session: DbSession, ctx: DemoContext, size: int) -> None:
    """Intent customers imported five days ago into 理财一部's department pool, never called."""
    org_id = ctx.orgs["SH-LC1"].id
    imported = clock.now() - timedelta(days=5)
    numbers = customer_services.allocate_numbers(session, size)
    rows = [{"number": number, "name": "钱" + GIVEN[i % len(GIVEN)] + GIVEN[(i * 7 + 3) % len(GIVEN)],
             "type": CustomerType.INTENT, "source": "import", "import_batch": DEMO_BATCH, "service_org_id": org_id,
             "pool": Pool.DEPARTMENT, "pool_reason": MoveReason.IMPORT.value, "pool_changed_at": imported,
             "created_at": imported, "updated_at": imported} for i, number in enumerate(numbers)]
    table = table_of(Customer)
    ids = list(session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows))
    session.execute(insert(table_of(CustomerPhone)), [
        {"customer_id": cid, "phone": f"1370{6000_000 + i * 13:07d}", "is_primary": True, "remark": ""}
        for i, cid in enumerate(ids)])
    history.record(session, [history.Move(cid, None, Pool.DEPARTMENT, None, None, org_id) for cid in ids],
                   MoveReason.IMPORT, None, imported, f"导入编号 {DEMO_BATCH}")


@loader("mining_rules")
def load_demo_rules(session: DbSession, ctx: DemoContext) -> None:
    """The demo batch, condition and weighted rule of head01's department."""
    head, seat01, seat02 = ctx.users["head01"], ctx.users["seat01"], ctx.users["seat02"]
    _import_batch(session, ctx, 60 if ctx.size == "full" else 9)
    seat01.weight, seat02.weight = 2, 1
    with audit.acting_as(audit.Actor(head.id, head.name)):
        condition = session.scalar(select(MiningCondition).where(MiningCondition.org_id == head.org_id,
                                                                 MiningCondition.name == CONDITION_NAME))
        if condition is None:
            condition = conditions.create(session, head, CONDITION_NAME, CONDITION_SPEC,
                                          "演示：导入后 3 天仍无有效跟进的意向客户")
        rule = DistributionRule(
            name=RULE_NAME, description="导入批次中 3 天无有效跟进的意向客户，按权重分给 A 组坐席",
            enabled=True, auto=False, semi=True, kind=RuleKind.TO_PEOPLE, method=Method.WEIGHT, sort=10,
            condition_id=condition.id, time_field=TimeField.POOL_CHANGED_AT,
            pools=[Pool.DEPARTMENT.value, Pool.PUBLIC.value], org_id=head.org_id, created_by_id=head.id,
            targets=[DistributionRuleTarget(seat_id=seat01.id, position=0),
                     DistributionRuleTarget(seat_id=seat02.id, position=1)])
        session.add(rule)
        session.flush()
        _manual_preview(session, ctx)


def _manual_preview(session: DbSession, ctx: DemoContext) -> None:
    """A 手动分配 head01 previewed and has not executed yet: two imported customers to seat01 and seat02."""
    head = ctx.users["head01"]
    waiting = (select(Customer.id).where(Customer.import_batch == "IMP-DEMO-01", Customer.pool == Pool.DEPARTMENT)
               .order_by(Customer.id).limit(2))
    scope = data_scope.scope_of(session, head)
    targets = distribution.seat_targets(session, scope, [ctx.users["seat01"].id, ctx.users["seat02"].id])
    distribution.plan(session, kind=RunKind.MANUAL, method=Method.AVERAGE, targets=targets, source=waiting,
                      actor_id=head.id, title=f"{head.name} 手动分配", rng=random.Random(2026))  # noqa: S311
