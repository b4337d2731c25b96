"""回访策略: who calls back a missed call (未接来电).

1. A known customer with a serving seat (服务坐席) who is still active: that seat.
2. A known customer without one: the strategy's distribution rule (分配规则) picks one of its targets with the
   distribution engine's own share arithmetic (``rules.distribution.shares`` for one customer, by the rule's
   method and the targets' weights, as ``app.mining.rules.resolve_targets`` gives them). An org target puts the
   call-back in that org's queue.
3. An unknown number, no rule, or a rule that cannot pick (no target, a target who left): the queue
   (部门待领回访) of the strategy's department; without one, the customer's service org or the company.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import select

from app import clock
from app.auth.models import User, UserStatus
from app.callcentre.models import CallbackStrategy
from app.customers.models import Customer
from app.database import DbSession
from app.errors import DomainError, NotFound, ValidationFailed
from app.mining import rules as distribution_rules
from app.mining.rule_models import DistributionRule
from app.org.models import Org
from rules.distribution import NoShares, Slot, shares

MAX_DUE_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class Assignee:
    seat_id: int | None
    org_id: int
    why: str  # shown on the call-back: 服务坐席 / 分配规则“…” / 部门待领


def current(session: DbSession) -> CallbackStrategy:
    """The one strategy row (created with its defaults the first time)."""
    strategy = session.get(CallbackStrategy, 1)
    if strategy is None:
        strategy = CallbackStrategy(id=1, due_minutes=30, updated_at=clock.now())
        session.add(strategy)
        session.flush()
    return strategy


def save(session: DbSession, *, rule_id: int | None, queue_org_id: int | None, due_minutes: int | None) -> None:
    """Change the strategy; an unknown rule or org, or a due time out of range, is refused."""
    if due_minutes is None or not 1 <= due_minutes <= MAX_DUE_MINUTES:
        raise ValidationFailed(f"回访时限应为 1–{MAX_DUE_MINUTES} 分钟")
    if rule_id is not None and session.get(DistributionRule, rule_id) is None:
        raise NotFound("分配规则不存在")
    if queue_org_id is not None:
        org = session.get(Org, queue_org_id)
        if org is None or not org.active:
            raise ValidationFailed("待领队列所在部门不存在或已停用")
    strategy = current(session)
    strategy.rule_id, strategy.queue_org_id, strategy.due_minutes = rule_id, queue_org_id, due_minutes
    session.flush()


def _company(session: DbSession) -> int:
    org_id = session.scalar(select(Org.id).where(Org.parent_id.is_(None)).order_by(Org.id).limit(1))
    if org_id is None:
        raise ValidationFailed("系统中没有组织，无法分派回访")
    return org_id


def _by_rule(session: DbSession, rule: DistributionRule, rng: random.Random) -> Assignee | None:
    try:
        targets = distribution_rules.resolve_targets(session, rule)
        picked = shares(1, [Slot(weight=t.weight) for t in targets], rule.method, rng)
    except (DomainError, NoShares):
        return None  # a misconfigured rule must not lose the call: the queue takes it
    target = targets[picked.index(1)]
    return Assignee(target.seat_id, target.org_id, f"分配规则“{rule.name}”")


def assign(session: DbSession, customer: Customer | None, rng: random.Random | None = None) -> Assignee:
    """Who calls back a missed call from ``customer`` (None: an unknown number)."""
    strategy = current(session)
    if customer is not None and customer.service_seat_id is not None:
        seat = session.get(User, customer.service_seat_id)
        if seat is not None and seat.status == UserStatus.ACTIVE:
            return Assignee(seat.id, seat.org_id, "服务坐席")
    if customer is not None and strategy.rule_id is not None:
        rule = session.get(DistributionRule, strategy.rule_id)
        if rule is not None and rule.enabled:
            picked = _by_rule(session, rule, rng or random.Random())  # noqa: S311  (a share, not a secret)
            if picked is not None:
                return picked
    if strategy.queue_org_id is not None:
        return Assignee(None, strategy.queue_org_id, "部门待领")
    fallback = customer.service_org_id if customer is not None and customer.service_org_id else _company(session)
    return Assignee(None, fallback, "部门待领")
