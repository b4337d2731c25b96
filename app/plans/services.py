"""Dispatch plan operations: create, revise, publish (下达), delete drafts, split (拆分) to orgs and seats.

Rules (docs/plans.md):
- the kind needs its publish permission (下达月计划 / 周计划 / 日计划) and the target lies in that permission's
  data scope: an org (not the company) or an active seat (坐席);
- one plan per target, kind and period; a period that has ended cannot be planned;
- a split gives the parent's orgs and seats child plans of the same kind and period; per metric the
  children never add up to more than the parent, and a parent is never lowered below its children.
Every refusal is a Chinese message raised before anything is written.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, or_, select

from app import clock
from app.auth.models import Role, User, UserStatus, user_roles
from app.auth.permissions import permissions_of
from app.database import DbSession
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.org import scope as data_scope
from app.org.models import Org, OrgKind
from app.org.scope import Scope
from app.plans import periods
from app.plans.access import PLANS_SPLIT, PUBLISH_DAY, PUBLISH_MONTH, PUBLISH_WEEK
from app.plans.models import Plan, PlanStatus, PlanTarget
from app.plans.periods import PeriodKind
from app.quotas.metrics import Metric
from rules.distribution import Method, Slot, shares

PUBLISH_PERMISSION = {PeriodKind.MONTH: PUBLISH_MONTH, PeriodKind.WEEK: PUBLISH_WEEK, PeriodKind.DAY: PUBLISH_DAY}
SEAT_ROLE = "seat"
MAX_AMOUNT = 1_000_000
MAX_DAYS_AHEAD = 366
KIND_ORDER = case({k.value: k.rank for k in PeriodKind}, value=Plan.kind)


@dataclass
class PlanInput:
    """What a plan form or API body gives; ``amounts`` maps metric values to targets (blank/0: none)."""

    kind: str
    period: str
    target_org_id: int | None = None
    target_user_id: int | None = None
    amounts: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class SplitRow:
    """One child of a split: an org or a seat, and its targets (none: no plan for it)."""

    target_org_id: int | None
    target_user_id: int | None
    amounts: Mapping[str, Any]


# --- who and where --------------------------------------------------------------------------------------


def is_seat() -> ColumnElement[bool]:
    """Users holding the built-in 坐席 role: the people a plan may name and whose work an org's actuals sum."""
    holders = select(user_roles.c.user_id).join(Role, Role.id == user_roles.c.role_id).where(Role.code == SEAT_ROLE)
    return User.id.in_(holders)


def publishable_kinds(session: DbSession, user: User) -> list[PeriodKind]:
    held = permissions_of(session, user)
    return [kind for kind in PeriodKind if PUBLISH_PERMISSION[kind] in held]


def publish_scope(session: DbSession, user: User, kind: PeriodKind) -> Scope:
    """The data scope in which the user may aim a plan of this kind; Forbidden without the permission."""
    if kind not in publishable_kinds(session, user):
        raise Forbidden(f"您没有下达{kind.label}的权限")
    return data_scope.scope_of(session, user, PUBLISH_PERMISSION[kind])


def split_scope(session: DbSession, user: User) -> Scope:
    if PLANS_SPLIT not in permissions_of(session, user):
        raise Forbidden("您没有拆分计划的权限")
    return data_scope.scope_of(session, user, PLANS_SPLIT)


def target_orgs(session: DbSession, scope: Scope, within: Org | None = None) -> list[Org]:
    """Active orgs below the company a plan may aim at: inside the scope (and strictly inside ``within``)."""
    stmt = data_scope.apply(select(Org).where(Org.active.is_(True), Org.kind != OrgKind.COMPANY), scope, Org.id)
    if within is not None:
        stmt = stmt.where(Org.path.startswith(within.path), Org.id != within.id)
    return list(session.scalars(stmt.order_by(Org.path)))


def target_seats(session: DbSession, scope: Scope, within: Org | None = None) -> list[User]:
    """Active seats a plan may aim at: inside the scope (and inside ``within``'s subtree)."""
    stmt = data_scope.apply(select(User).join(Org, Org.id == User.org_id), scope, User.org_id).where(
        User.status == UserStatus.ACTIVE, is_seat())
    if within is not None:
        stmt = stmt.where(Org.path.startswith(within.path))
    return list(session.scalars(stmt.order_by(Org.path, User.work_no)))


def _target(session: DbSession, scope: Scope, org_id: int | None, user_id: int | None,
            within: Org | None = None) -> tuple[Org | None, User | None]:
    if (org_id is None) == (user_id is None):
        raise ValidationFailed("请选择计划对象：一个组织或一位坐席")
    if org_id is not None:
        org = next((o for o in target_orgs(session, scope, within) if o.id == org_id), None)
        if org is None:
            raise ValidationFailed("计划对象须为您管理范围内的部门或小组")
        return org, None
    seat = next((u for u in target_seats(session, scope, within) if u.id == user_id), None)
    if seat is None:
        raise ValidationFailed("计划对象须为您管理范围内的在职坐席")
    return None, seat


def _key(org: Org | None, user: User | None) -> str:
    return f"user:{user.id}" if user is not None else f"org:{org.id}"  # type: ignore[union-attr]


# --- targets ----------------------------------------------------------------------------------------------


def amounts_of(raw: Mapping[str, Any]) -> dict[Metric, int]:
    """Read targets per metric; blanks and zeros mean "no target for that metric"."""
    result: dict[Metric, int] = {}
    for name, given in raw.items():
        try:
            metric = Metric(name)
        except ValueError as exc:
            raise ValidationFailed(f"未知的指标：{name}") from exc
        if given is None or (isinstance(given, str) and not given.strip()):
            continue
        try:
            amount = int(str(given).strip()) if not isinstance(given, bool) else None
        except ValueError:
            amount = None
        if amount is None:
            raise ValidationFailed(f"{metric.label}的目标应为整数")
        if amount < 0 or amount > MAX_AMOUNT:
            raise ValidationFailed(f"{metric.label}的目标应在 0 至 {MAX_AMOUNT} 之间")
        if amount:
            result[metric] = amount
    return result


def _require_some(amounts: dict[Metric, int]) -> dict[Metric, int]:
    if not amounts:
        raise ValidationFailed("请至少填写一项指标的目标")
    return amounts


def _sums(children: Sequence[dict[Metric, int]]) -> dict[Metric, int]:
    total: dict[Metric, int] = {}
    for amounts in children:
        for metric, amount in amounts.items():
            total[metric] = total.get(metric, 0) + amount
    return total


def _check_within_parent(parent: Plan, children: Sequence[dict[Metric, int]]) -> None:
    """Per metric the children may not add up to more than the parent's target."""
    ceiling = parent.amounts
    for metric, total in _sums(children).items():
        if metric not in ceiling:
            raise ValidationFailed(f"上级计划没有“{metric.label}”目标，不能拆分该指标")
        if total > ceiling[metric]:
            raise ValidationFailed(f"拆分超出上级计划：{metric.label}合计 {total}，超过上级目标 {ceiling[metric]}")


def _check_above_children(plan: Plan, amounts: dict[Metric, int]) -> None:
    """A plan already split may not be lowered below what its children add up to."""
    for metric, total in _sums([child.amounts for child in plan.children]).items():
        if total > amounts.get(metric, 0):
            raise ValidationFailed(f"下级计划的{metric.label}合计 {total}，目标不能低于该数"
                                   f"（填写的是 {amounts.get(metric, 0)}）")


def _set_amounts(plan: Plan, amounts: dict[Metric, int]) -> None:
    current = {t.metric: t for t in plan.targets}
    for metric, target in current.items():
        if metric not in amounts:
            plan.targets.remove(target)
    for metric, amount in amounts.items():
        if metric in current:
            current[metric].amount = amount
        else:
            plan.targets.append(PlanTarget(metric=metric, amount=amount))


# --- plans ------------------------------------------------------------------------------------------------


def _period(kind: PeriodKind, text: str, today: date) -> tuple[date, date]:
    try:
        start, end = periods.parse(kind, text)
    except ValueError as exc:
        raise ValidationFailed(f"请填写正确的计划期间（{kind.label}）") from exc
    if end < today:
        raise ValidationFailed(f"{periods.label(kind, start)}已经结束，不能再制定计划")
    if start > today + timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationFailed("计划最多提前一年制定")
    return start, end


def _no_duplicate(session: DbSession, kind: PeriodKind, start: date, key: str, name: str) -> None:
    existing = session.scalar(select(Plan.id).where(Plan.kind == kind, Plan.period_start == start,
                                                    Plan.target_key == key))
    if existing is not None:
        raise Conflict(f"{name}的{periods.label(kind, start)}{kind.label}已存在（编号 {existing}），请修改原计划")


def create(session: DbSession, publisher: User, data: PlanInput, *, publish: bool = False,
           today: date | None = None) -> Plan:
    """Draw up a plan (草稿), or publish it at once (下达)."""
    try:
        kind = PeriodKind(data.kind)
    except ValueError as exc:
        raise ValidationFailed("请选择计划类型：月计划、周计划或日计划") from exc
    scope = publish_scope(session, publisher, kind)
    start, end = _period(kind, data.period, today or clock.today())
    org, seat = _target(session, scope, data.target_org_id, data.target_user_id)
    amounts = _require_some(amounts_of(data.amounts))
    key = _key(org, seat)
    _no_duplicate(session, kind, start, key, seat.name if seat else org.name)  # type: ignore[union-attr]
    plan = Plan(kind=kind, period_start=start, period_end=end, target_org_id=org.id if org else None,
                target_user_id=seat.id if seat else None, target_key=key,
                org_id=seat.org_id if seat else org.id,  # type: ignore[union-attr]
                publisher_id=publisher.id, note=_note(data.note), status=PlanStatus.DRAFT)
    _set_amounts(plan, amounts)
    if publish:
        _mark_published(plan)
    session.add(plan)
    session.flush()
    return plan


def _note(text: str) -> str:
    text = (text or "").strip()
    if len(text) > 500:
        raise ValidationFailed("说明不能超过 500 字")
    return text


def _mark_published(plan: Plan) -> None:
    plan.status = PlanStatus.PUBLISHED
    plan.published_at = clock.now()


def _own(plan: Plan, user: User) -> None:
    if plan.publisher_id != user.id:
        raise Forbidden("只有下达该计划的人可以修改它")


def revise(session: DbSession, plan: Plan, user: User, raw_amounts: Mapping[str, Any], note: str, *,
           publish: bool = False) -> Plan:
    """Change a plan's targets and note (its publisher); within its parent, not below its children."""
    _own(plan, user)
    amounts = _require_some(amounts_of(raw_amounts))
    _check_above_children(plan, amounts)
    if plan.parent is not None:
        _check_within_parent(plan.parent, [c.amounts for c in plan.parent.children if c.id != plan.id] + [amounts])
    _set_amounts(plan, amounts)
    plan.note = _note(note)
    if publish and plan.status == PlanStatus.DRAFT:
        _mark_published(plan)
    session.flush()
    return plan


def publish(session: DbSession, plan: Plan, user: User) -> None:
    """下达 a draft: from now on its target sees it and it can be split."""
    _own(plan, user)
    if plan.status == PlanStatus.PUBLISHED:
        raise Conflict("该计划已下达")
    if plan.period_end < clock.today():
        raise ValidationFailed(f"{periods.label(plan.kind, plan.period_start)}已经结束，不能再下达")
    _mark_published(plan)
    session.flush()


def delete_draft(session: DbSession, plan: Plan, user: User) -> None:
    _own(plan, user)
    if plan.status != PlanStatus.DRAFT:
        raise Conflict("已下达的计划不能删除，可修改其目标")
    session.delete(plan)
    session.flush()


# --- split (拆分) -----------------------------------------------------------------------------------------


def split_candidates(session: DbSession, parent: Plan, scope: Scope) -> tuple[list[Org], list[User]]:
    """The orgs strictly inside the parent's target org and the seats inside it, within the splitter's scope."""
    if parent.target_org is None:
        return [], []
    return target_orgs(session, scope, parent.target_org), target_seats(session, scope, parent.target_org)


def splittable(session: DbSession, parent: Plan, user: User) -> Scope:
    """The splitter's scope, once the plan is known to be one the user may split now; else the reason."""
    scope = split_scope(session, user)
    if not data_scope.covers(session, scope, parent.org_id):
        raise NotFound("计划不存在或您无权查看")
    if parent.status != PlanStatus.PUBLISHED:
        raise ValidationFailed("计划下达后才能拆分")
    if parent.target_org is None:
        raise ValidationFailed("下达给个人的计划不能再拆分")
    if parent.period_end < clock.today():
        raise ValidationFailed(f"{periods.label(parent.kind, parent.period_start)}已经结束，不能再拆分")
    return scope


def may_split(session: DbSession, parent: Plan, user: User) -> bool:
    try:
        splittable(session, parent, user)
    except (Forbidden, NotFound, ValidationFailed):
        return False
    return True


def split(session: DbSession, parent: Plan, user: User, rows: Sequence[SplitRow]) -> list[Plan]:
    """Give orgs and seats inside the parent's target their share (下达); a row without targets removes
    that child. Children not named keep theirs. Everything is checked before anything is written."""
    scope = splittable(session, parent, user)
    # Two splits of one parent at once (two tabs, two heads) queue here; the later sees the earlier's children.
    session.execute(select(Plan.id).where(Plan.id == parent.id).with_for_update())
    session.expire(parent, ["children"])
    existing = {child.target_key: child for child in parent.children}
    wanted: dict[str, tuple[Org | None, User | None, dict[Metric, int]]] = {}
    for row in rows:
        org, seat = _target(session, scope, row.target_org_id, row.target_user_id, within=parent.target_org)
        key = _key(org, seat)
        if key in wanted:
            raise ValidationFailed(f"{seat.name if seat else org.name}重复出现在拆分中")  # type: ignore[union-attr]
        wanted[key] = (org, seat, amounts_of(row.amounts))
    final = {key: child.amounts for key, child in existing.items() if key not in wanted}
    final.update({key: amounts for key, (_o, _s, amounts) in wanted.items() if amounts})
    _check_within_parent(parent, list(final.values()))
    for key, (_org, _seat, amounts) in wanted.items():
        _check_split_row(session, parent, existing.get(key), key, amounts)
    for key, (org, seat, amounts) in wanted.items():
        _apply_split_row(session, parent, user, existing.get(key), org, seat, amounts)
    session.flush()
    return list(parent.children)


def _check_split_row(session: DbSession, parent: Plan, child: Plan | None, key: str,
                     amounts: dict[Metric, int]) -> None:
    if child is not None:
        if not amounts and child.children:
            raise ValidationFailed(f"{child.target_name}的计划已继续拆分，不能删除")
        _check_above_children(child, amounts)
        return
    other = session.scalar(select(Plan).where(Plan.kind == parent.kind, Plan.period_start == parent.period_start,
                                              Plan.target_key == key)) if amounts else None
    if other is not None:
        raise Conflict(f"{other.target_name}已有{periods.label(parent.kind, parent.period_start)}的"
                       f"{parent.kind.label}（编号 {other.id}，不是本计划拆分的），请先处理")


def _apply_split_row(session: DbSession, parent: Plan, user: User, child: Plan | None, org: Org | None,
                     seat: User | None, amounts: dict[Metric, int]) -> None:
    if child is not None and not amounts:
        parent.children.remove(child)
        session.delete(child)
        return
    if child is None:
        if not amounts:
            return
        child = Plan(kind=parent.kind, period_start=parent.period_start, period_end=parent.period_end,
                     target_org=org, target_user=seat, target_key=_key(org, seat),
                     org_id=seat.org_id if seat else org.id,  # type: ignore[union-attr]
                     publisher_id=user.id)
        _mark_published(child)
        parent.children.append(child)
    else:
        child.publisher_id = user.id  # whoever split last answers for the shares
    _set_amounts(child, amounts)


def even_shares(parent: Plan, count: int) -> list[dict[Metric, int]]:
    """平均分配: each metric of the parent shared evenly over ``count`` children (the one share calculator)."""
    if count <= 0:
        return []
    rng = random.Random(parent.id)  # noqa: S311  (the same suggestion each time the form opens; not secrecy)
    result: list[dict[Metric, int]] = [{} for _ in range(count)]
    for metric, amount in parent.amounts.items():
        for i, share in enumerate(shares(amount, [Slot()] * count, Method.AVERAGE, rng)):
            result[i][metric] = share
    return result


# --- who sees what ----------------------------------------------------------------------------------------


def visible_condition(user: User, scope: Scope) -> ColumnElement[bool]:
    """Drafts to their publisher; published plans inside the viewer's scope, aimed at the viewer or at one of
    the orgs the viewer belongs to (a seat sees its department's plan)."""
    published = or_(data_scope.org_condition(scope, Plan.org_id, Plan.target_user_id),
                    Plan.target_org_id.in_(user.org.ancestor_ids))
    return or_(Plan.publisher_id == user.id, and_(Plan.status == PlanStatus.PUBLISHED, published))


def get_visible(session: DbSession, user: User, plan_id: int, scope: Scope) -> Plan:
    plan = session.scalar(select(Plan).where(Plan.id == plan_id, visible_condition(user, scope)))
    if plan is None:
        raise NotFound("计划不存在或您无权查看")
    return plan


@dataclass(frozen=True)
class Filters:
    kind: PeriodKind | None = None
    month: date | None = None  # any day of the month whose plans to list
    status: PlanStatus | None = None


def listing(user: User, scope: Scope, filters: Filters) -> Select[Any]:
    """Plans the user may see, newest period first, monthly before weekly before daily."""
    stmt = select(Plan).where(visible_condition(user, scope))
    if filters.kind is not None:
        stmt = stmt.where(Plan.kind == filters.kind)
    if filters.status is not None:
        stmt = stmt.where(Plan.status == filters.status)
    if filters.month is not None:
        first, last = periods.bounds(PeriodKind.MONTH, filters.month)
        stmt = stmt.where(Plan.period_start <= last, Plan.period_end >= first)
    return stmt.order_by(Plan.period_start.desc(), KIND_ORDER.desc(), Plan.org_id, Plan.target_key)
