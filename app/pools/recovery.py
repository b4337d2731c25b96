"""客户数据回收 (recovery by time) and 客户转移 (transfer between seats), as set-based moves.

Recovery takes customers back from chosen seats or groups (orgs, with their sub-orgs) when they were
assigned before a day (or N days ago) and/or have had no valid follow-up since a day (or N days):
``last_valid_call_at`` empty or older. They go to a department pool or to one seat (within its
owned-customer cap). 成交 customers are never recovered. The preview and the move run the very same
WHERE condition, so the preview shows exactly what the move takes (unless someone moves customers
in between). The two time conditions are written here directly; the shared condition engine
(app/mining/conditions.py) was not on main when this was built.

Transfer moves customers a head picks from one seat to another, with a required reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select

from app import clock
from app.admin import params
from app.audit import services as audit
from app.auth.models import User
from app.customers.models import Customer, CustomerType, Pool
from app.database import DbSession
from app.errors import NotFound, ValidationFailed
from app.inputs import is_json_int
from app.org import scope as data_scope
from app.org.models import Org
from app.pools import bulk, services
from app.pools.models import MoveReason

MAX_DAYS = 3650
MAX_SOURCES = 200


@dataclass(frozen=True)
class RecoverySpec:
    """A checked recovery request: sources in scope, the time cut-offs, and (to execute) one target."""

    seats: tuple[User, ...] = ()
    orgs: tuple[Org, ...] = ()
    assigned_before: datetime | None = None
    no_valid_since: datetime | None = None
    to_org: Org | None = None
    to_seat: User | None = None
    words: tuple[str, ...] = field(default=())  # the conditions in Chinese, for the screen and the history

    @property
    def target_label(self) -> str:
        if self.to_seat is not None:
            return f"{self.to_seat.name}（{self.to_seat.work_no}）的个人信息池"
        if self.to_org is not None:
            return f"{self.to_org.name}的部门信息池"
        return ""

    def describe(self) -> str:
        sources = [f"{u.name}（{u.work_no}）" for u in self.seats] + [o.name for o in self.orgs]
        return f"来源：{'、'.join(sources)}；条件：{'，'.join(self.words)}"


def _int_list(raw: Any, name: str) -> list[int]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or not all(is_json_int(v) for v in raw):
        raise ValidationFailed(f"{name}应为整数列表")
    if len(raw) > MAX_SOURCES:
        raise ValidationFailed(f"{name}最多选择 {MAX_SOURCES} 个")
    return sorted(set(raw))


def _day(raw: Any, label: str) -> date | None:
    if raw in (None, ""):
        return None
    if not isinstance(raw, str):
        raise ValidationFailed(f"{label}的日期格式应为 YYYY-MM-DD")
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ValidationFailed(f"{label}的日期格式应为 YYYY-MM-DD") from exc


def _days(raw: Any, label: str) -> int | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if not is_json_int(raw) or not 0 <= raw <= MAX_DAYS:
        raise ValidationFailed(f"{label}的天数应为 0–{MAX_DAYS} 之间的整数")
    return int(raw)


def _cutoff(raw_day: Any, raw_days: Any, label: str, now: datetime) -> tuple[datetime | None, date | None, int | None]:
    """A day (its local midnight) or N days before now; never both."""
    day, days = _day(raw_day, label), _days(raw_days, label)
    if day is not None and days is not None:
        raise ValidationFailed(f"{label}请填写日期或天数之一")
    if day is not None:
        return datetime.combine(day, time.min, tzinfo=clock.SHANGHAI), day, None
    if days is not None:
        return now - timedelta(days=days), None, days
    return None, None, None


def seat_in_scope(session: DbSession, scope: data_scope.Scope, seat_id: int) -> User:
    seat = session.get(User, seat_id)
    if seat is None or not data_scope.covers(session, scope, seat.org_id):
        raise NotFound("坐席不存在或不在您的管理范围内")
    return seat


def _org_in_scope(session: DbSession, scope: data_scope.Scope, org_id: int) -> Org:
    org = session.get(Org, org_id)
    if org is None or not data_scope.covers(session, scope, org.id):
        raise NotFound("组织不存在或不在您的管理范围内")
    return org


def parse(session: DbSession, scope: data_scope.Scope, raw: dict[str, Any], now: datetime,
          need_target: bool) -> RecoverySpec:
    """Check a recovery request (form or JSON); anything outside the scope is 404, bad input 422."""
    seats = tuple(seat_in_scope(session, scope, i) for i in _int_list(raw.get("seat_ids"), "来源坐席"))
    orgs = tuple(_org_in_scope(session, scope, i) for i in _int_list(raw.get("org_ids"), "来源组织"))
    if not seats and not orgs:
        raise ValidationFailed("请选择要回收客户的坐席或组织")
    assigned, assigned_day, assigned_days = _cutoff(raw.get("assigned_before"), raw.get("assigned_days"),
                                                    "分配时间", now)
    silent, silent_day, silent_days = _cutoff(raw.get("no_valid_since"), raw.get("no_valid_days"), "无有效跟进", now)
    if assigned is None and silent is None:
        raise ValidationFailed("请至少设置一个时间条件：分配时间早于某日（或 N 天前），或某日（或 N 天）以来无有效跟进")
    words: list[str] = []
    if assigned_day is not None:
        words.append(f"分配时间早于 {assigned_day.isoformat()}")
    elif assigned_days is not None:
        words.append(f"分配已满 {assigned_days} 天")
    if silent_day is not None:
        words.append(f"{silent_day.isoformat()} 以来无有效跟进")
    elif silent_days is not None:
        words.append(f"{silent_days} 天内无有效跟进")
    to_seat_id, to_org_id = raw.get("to_seat_id") or None, raw.get("to_org_id") or None
    if isinstance(to_seat_id, str) and to_seat_id.isdigit():
        to_seat_id = int(to_seat_id)
    if isinstance(to_org_id, str) and to_org_id.isdigit():
        to_org_id = int(to_org_id)
    if to_seat_id is not None and to_org_id is not None:
        raise ValidationFailed("回收目标只能选择一个部门或一个坐席")
    if (to_seat_id is not None and not is_json_int(to_seat_id)) or (to_org_id is not None
                                                                     and not is_json_int(to_org_id)):
        raise ValidationFailed("回收目标应为部门或坐席的编号")
    to_seat = services.seat_for_assignment(session, scope, to_seat_id) if to_seat_id is not None else None
    to_org = _org_in_scope(session, scope, to_org_id) if to_org_id is not None else None
    if need_target and to_seat is None and to_org is None:
        raise ValidationFailed("请选择回收到的部门或坐席")
    return RecoverySpec(seats, orgs, assigned, silent, to_org, to_seat, tuple(words))


def condition(spec: RecoverySpec, scope: data_scope.Scope) -> ColumnElement[bool]:
    """The one WHERE the preview lists and the move updates."""
    sources: list[ColumnElement[bool]] = []
    if spec.seats:
        sources.append(Customer.service_seat_id.in_([u.id for u in spec.seats]))
    if spec.orgs:
        subtree = select(Org.id).where(or_(*[Org.path.startswith(o.path) for o in spec.orgs]))
        sources.append(Customer.service_org_id.in_(subtree.scalar_subquery()))
    parts: list[ColumnElement[bool]] = [
        Customer.pool == Pool.PERSONAL, Customer.service_seat_id.is_not(None),
        Customer.type != CustomerType.DEALT, or_(*sources) if sources else false(),
        data_scope.org_condition(scope, Customer.service_org_id),
    ]
    if spec.assigned_before is not None:
        parts.append(Customer.assigned_at < spec.assigned_before)
    if spec.no_valid_since is not None:
        parts.append(or_(Customer.last_valid_call_at.is_(None), Customer.last_valid_call_at < spec.no_valid_since))
    if spec.to_seat is not None:
        parts.append(Customer.service_seat_id != spec.to_seat.id)
    return and_(*parts)


@dataclass(frozen=True)
class RecoveryPreview:
    total: int
    per_seat: list[tuple[User, int]]
    rows: list[Customer]


def preview(session: DbSession, scope: data_scope.Scope, spec: RecoverySpec, limit: int = 50) -> RecoveryPreview:
    """How many customers a recovery would take, per source seat, and the first rows."""
    where = condition(spec, scope)
    counts = dict(session.execute(select(Customer.service_seat_id, func.count()).where(where)
                                  .group_by(Customer.service_seat_id)).all())
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(list(counts))))} if counts else {}
    per_seat = sorted(((users[sid], int(n)) for sid, n in counts.items() if sid is not None),
                      key=lambda p: (-p[1], p[0].work_no))
    rows = list(session.scalars(rows_query(spec, scope).limit(limit)))
    return RecoveryPreview(sum(n for _u, n in per_seat), per_seat, rows)


def rows_query(spec: RecoverySpec, scope: data_scope.Scope) -> Select[Any]:
    return select(Customer).where(condition(spec, scope)).order_by(Customer.service_seat_id, Customer.assigned_at,
                                                                   Customer.id)


def _check_cap(session: DbSession, seat: User, wanted: int, verb: str) -> None:
    """Refuse a move that would put a seat over the owned-customer cap (its row is locked first)."""
    services._lock_user(session, seat.id)
    cap = params.get_int(services.OWNED_CAP, session)
    owned = services.owned_count(session, seat.id)
    if owned + wanted > cap:
        raise ValidationFailed(f"{seat.name} 已有 {owned} 个客户，再{verb} {wanted} 个将超过个人客户数上限 {cap}，"
                               f"最多还能{verb} {max(0, cap - owned)} 个")


def execute(session: DbSession, actor: User, scope: data_scope.Scope, spec: RecoverySpec) -> bulk.Moved:
    """Move what the preview shows, with one UPDATE and one INSERT … SELECT of history."""
    now = clock.now()
    where = condition(spec, scope)
    if spec.to_seat is not None:
        wanted = int(session.scalar(select(func.count()).where(where)) or 0)
        _check_cap(session, spec.to_seat, wanted, "回收")
        values = bulk.to_seat(spec.to_seat, MoveReason.RECOVERY, now)
    elif spec.to_org is not None:
        values = bulk.to_pool(Pool.DEPARTMENT, MoveReason.RECOVERY, now, org_id=spec.to_org.id)
    else:
        raise ValidationFailed("请选择回收到的部门或坐席")
    note = f"客户数据回收到{spec.target_label}（{'，'.join(spec.words)}）"
    moved = bulk.move(session, where, values, from_pool=Pool.PERSONAL, actor_id=actor.id, now=now, note=note)
    if moved.count:
        audit.record(session, "pools.recovery", object_type="customer",
                     summary=f"客户数据回收 {moved.count} 个客户到{spec.target_label}；{spec.describe()}"
                             f"（批次 {moved.batch}）")
    session.expire_all()
    return moved


# --- 客户转移 -------------------------------------------------------------------------------------------


def transfer(session: DbSession, actor: User, scope: data_scope.Scope, from_seat_id: int, to_seat_id: int,
             customer_ids: list[int], reason: str) -> services.MoveResult:
    """Transfer chosen customers of one seat to another seat, with a reason, within the cap."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请填写转移原因")
    if not customer_ids:
        raise ValidationFailed("请先勾选要转移的客户")
    source = seat_in_scope(session, scope, from_seat_id)
    target = services.seat_for_assignment(session, scope, to_seat_id)
    if source.id == target.id:
        raise ValidationFailed("转出坐席和转入坐席不能相同")
    wanted = sorted(set(customer_ids))
    where = (Customer.id.in_(wanted) & (Customer.service_seat_id == source.id) & (Customer.pool == Pool.PERSONAL)
             & data_scope.org_condition(scope, Customer.service_org_id))
    now = clock.now()
    _check_cap(session, target, int(session.scalar(select(func.count()).where(where)) or 0), "转入")
    moved = bulk.move(session, where, bulk.to_seat(target, MoveReason.TRANSFER, now), from_pool=Pool.PERSONAL,
                      actor_id=actor.id, now=now, note=f"转移：{source.name} → {target.name}；原因：{reason}"[:200])
    if moved.count:
        audit.record(session, "pools.transfer", object_type="users", object_id=target.id,
                     summary=f"客户转移 {moved.count} 个：{source.name}（{source.work_no}）→ "
                             f"{target.name}（{target.work_no}）；原因：{reason}")
    ids = moved.ids(session) if moved.count else []
    session.expire_all()
    return services.MoveResult(ids, len(wanted) - len(ids))
