"""Demo data of dispatch plans: manager01's monthly plan for 理财一部 this month, split by head01 to
seat01 and seat02; in the full demo also a weekly and a daily plan."""

from __future__ import annotations

from app import clock
from app.database import DbSession
from app.demo import DemoContext, loader
from app.plans import periods, services
from app.plans.periods import PeriodKind
from app.quotas.metrics import Metric

DEPARTMENT_MONTH = {Metric.INTENT: 60, Metric.VALID_CALL: 800, Metric.VISIT: 20, Metric.INVITATION: 30}
SEAT_SHARES = {
    "seat01": {Metric.INTENT: 30, Metric.VALID_CALL: 400, Metric.VISIT: 10, Metric.INVITATION: 15},
    "seat02": {Metric.INTENT: 25, Metric.VALID_CALL: 350, Metric.VISIT: 8, Metric.INVITATION: 12},
}


def _amounts(amounts: dict[Metric, int]) -> dict[str, int]:
    return {metric.value: amount for metric, amount in amounts.items()}


@loader("plans")
def load_plans(session: DbSession, ctx: DemoContext) -> None:
    today = clock.today()
    users, orgs = ctx.users, ctx.orgs
    month = services.create(session, users["manager01"], services.PlanInput(
        kind=PeriodKind.MONTH, period=periods.value(PeriodKind.MONTH, today), target_org_id=orgs["SH-LC1"].id,
        amounts=_amounts(DEPARTMENT_MONTH), note="本月重点：稳健系列新品推介，提升有效通话与邀约。"), publish=True)
    services.split(session, month, users["head01"], [
        services.SplitRow(None, users[name].id, _amounts(amounts)) for name, amounts in SEAT_SHARES.items()])
    if ctx.size != "full":
        return
    services.create(session, users["head11"], services.PlanInput(
        kind=PeriodKind.WEEK, period=today.isoformat(), target_user_id=users["seat11"].id,
        amounts=_amounts({Metric.VALID_CALL: 100, Metric.INTENT: 8}), note="本周补足上周缺口。"), publish=True)
    services.create(session, users["head01"], services.PlanInput(
        kind=PeriodKind.DAY, period=today.isoformat(), target_user_id=users["seat02"].id,
        amounts=_amounts({Metric.VALID_CALL: 25}), note="今天集中回访意向客户。"), publish=True)
