"""Timed recycling (自动回收) of personal-pool customers, as set-based SQL.

The rules are system parameters, not code (seed 000 §1.7, seed 001):

1. 标红未处理 — a red-flagged customer without a valid call within ``pools.red_flag_days`` goes
   to the department head's pool (主管标红池);
2. 无有效电话 — no valid phone follow-up within ``pools.recycle_no_call_days`` of assignment or
   extraction;
3. 跟进达上限 — followed up ``pools.recycle_max_followups`` times without a deal;
4. 跟进不足 — fewer than ``pools.recycle_required_followups`` follow-ups within
   ``pools.recycle_check_days``.

Rules 2–4 return the customer to the public pool, or — once it has been recycled
``pools.city_pool_after_recycles`` times, i.e. it expired with several seats — to the city
manager's pool (城市经理公共池). Dealt (成交) and invalid (无效) customers are never recycled.

A sweep is one UPDATE over the customer table (a CASE names the first matching rule) and one
INSERT … SELECT writing a history row per moved customer; the preview and the "due soon"
reminder run the very same conditions as SELECTs. The scheduler job is ``scheduler/pool_recycle.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, literal, not_, or_, select, update

from app.admin import params
from app.customers.models import Customer, CustomerType, Pool
from app.database import DbSession
from app.org import scope as data_scope
from app.pools import history
from app.pools.models import MoveReason

NO_CALL_DAYS = params.define("pools.recycle_no_call_days", "int", 7, "无有效电话回收天数",
                             "新分配或新提取的客户在此天数内没有有效电话跟进，退回公共信息池；0 表示不启用",
                             "数据池", minimum=0)
MAX_FOLLOWUPS = params.define("pools.recycle_max_followups", "int", 12, "最多跟进次数",
                              "跟进次数达到此数仍未成交的客户退回公共信息池；0 表示不启用", "数据池", minimum=0)
CHECK_DAYS = params.define("pools.recycle_check_days", "int", 30, "跟进考核天数",
                           "分配或提取后满此天数、跟进次数仍未达到要求的客户退回公共信息池；0 表示不启用",
                           "数据池", minimum=0)
REQUIRED_FOLLOWUPS = params.define("pools.recycle_required_followups", "int", 3, "考核期内要求跟进次数",
                                   "与“跟进考核天数”配合使用；0 表示不启用", "数据池", minimum=0)
RED_FLAG_DAYS = params.define("pools.red_flag_days", "int", 3, "标红处理天数",
                              "被标红的客户在此天数内没有有效电话跟进，转入部门主管池；0 表示不启用",
                              "数据池", minimum=0)
CITY_AFTER_RECYCLES = params.define("pools.city_pool_after_recycles", "int", 3, "转入城市经理池的回收次数",
                                    "客户第几次被规则回收时不再进入公共信息池，而转入城市经理公共池（业务员过期客户）；"
                                    "0 表示不启用", "数据池", minimum=0)
REMIND_DAYS = params.define("pools.recycle_remind_days", "int", 3, "回收提醒天数",
                            "提前多少天提醒坐席客户即将被回收", "数据池", minimum=0)

RECYCLABLE_TYPES = (CustomerType.NEW, CustomerType.INTENT, CustomerType.VALID)
RULE_ORDER = (MoveReason.RED_FLAG, MoveReason.RECYCLE_NO_CALL, MoveReason.RECYCLE_MAX_FOLLOWUPS,
              MoveReason.RECYCLE_FEW_FOLLOWUPS)
TIME_BASED = (MoveReason.RED_FLAG, MoveReason.RECYCLE_NO_CALL, MoveReason.RECYCLE_FEW_FOLLOWUPS)


@dataclass(frozen=True)
class RecycleSettings:
    no_call_days: int = 7
    max_followups: int = 12
    check_days: int = 30
    required_followups: int = 3
    red_flag_days: int = 3
    city_after_recycles: int = 3

    @classmethod
    def load(cls, session: DbSession) -> RecycleSettings:
        """Read the rules from the system parameters."""
        return cls(params.get_int(NO_CALL_DAYS, session), params.get_int(MAX_FOLLOWUPS, session),
                   params.get_int(CHECK_DAYS, session), params.get_int(REQUIRED_FOLLOWUPS, session),
                   params.get_int(RED_FLAG_DAYS, session), params.get_int(CITY_AFTER_RECYCLES, session))

    def describe(self, reason: MoveReason) -> str:
        """Say a rule in words with its current numbers."""
        return {
            MoveReason.RED_FLAG: f"标红后 {self.red_flag_days} 天内无有效电话跟进 → 部门主管池",
            MoveReason.RECYCLE_NO_CALL: f"分配/提取后 {self.no_call_days} 天内无有效电话跟进 → 公共信息池",
            MoveReason.RECYCLE_MAX_FOLLOWUPS: f"跟进达到 {self.max_followups} 次仍未成交 → 公共信息池",
            MoveReason.RECYCLE_FEW_FOLLOWUPS:
                f"分配/提取后 {self.check_days} 天内跟进不足 {self.required_followups} 次 → 公共信息池",
        }[reason]

    def due_at(self, customer: Customer, reason: MoveReason) -> datetime | None:
        """When a time-based rule will take this customer, for reminders."""
        if reason == MoveReason.RED_FLAG and customer.red_flag_at:
            return customer.red_flag_at + timedelta(days=self.red_flag_days)
        if reason == MoveReason.RECYCLE_NO_CALL and customer.assigned_at:
            return customer.assigned_at + timedelta(days=self.no_call_days)
        if reason == MoveReason.RECYCLE_FEW_FOLLOWUPS and customer.assigned_at:
            return customer.assigned_at + timedelta(days=self.check_days)
        return None

    def target_pool(self, customer: Customer, reason: MoveReason) -> Pool:
        if reason == MoveReason.RED_FLAG:
            return Pool.HEAD
        if self.city_after_recycles and customer.recycle_count + 1 >= self.city_after_recycles:
            return Pool.CITY
        return Pool.PUBLIC


FLAGGED = Customer.red_flag_at.is_not(None)


@dataclass(frozen=True)
class Rules:
    """The enabled rules at one moment, as SQL.

    ``matches()`` is the full condition (every comparison with a nullable column is guarded, so it
    is TRUE or FALSE, never NULL — the "due soon" query negates it). ``reason()`` names the rule
    that takes a row and is only meaningful in a query already filtered by ``matches()``: that lets
    it test just what tells the rules apart, in priority order, as a hand-written UPDATE would.
    """

    red: ColumnElement[bool] | None  # for red-flagged rows: flagged long enough ago
    normal: tuple[tuple[MoveReason, ColumnElement[bool]], ...]  # for unflagged, assigned rows

    @property
    def reasons(self) -> list[MoveReason]:
        return ([MoveReason.RED_FLAG] if self.red is not None else []) + [reason for reason, _ in self.normal]

    def matches(self) -> ColumnElement[bool]:
        parts: list[ColumnElement[bool]] = []
        if self.red is not None:
            parts.append(and_(FLAGGED, self.red))
        if self.normal:
            # A red-flagged customer answers to the red-flag rule only, until a valid call clears the flag.
            parts.append(and_(Customer.red_flag_at.is_(None), Customer.assigned_at.is_not(None),
                              or_(*[condition for _, condition in self.normal])))
        if not parts:
            return false()
        return and_(Customer.pool == Pool.PERSONAL, Customer.type.in_(RECYCLABLE_TYPES), or_(*parts))

    def reason(self) -> ColumnElement[Any]:
        whens: list[tuple[ColumnElement[bool], Any]] = []
        if self.red is not None:
            whens.append((FLAGGED, literal(MoveReason.RED_FLAG.value)))
        whens += [(condition, literal(reason.value)) for reason, condition in self.normal[:-1]]
        last = self.normal[-1][0] if self.normal else MoveReason.RED_FLAG
        return case(*whens, else_=literal(last.value)) if whens else literal(last.value)

    def only(self, reasons: tuple[MoveReason, ...]) -> Rules:
        """The same moment with just some of the rules (e.g. the time-based ones)."""
        return Rules(self.red if MoveReason.RED_FLAG in reasons else None,
                     tuple((r, c) for r, c in self.normal if r in reasons))


def rules_at(settings: RecycleSettings, now: datetime) -> Rules:
    """The enabled rules as they apply at ``now``, in priority order (the first match names the move)."""
    red = None
    if settings.red_flag_days > 0:
        red = Customer.red_flag_at <= now - timedelta(days=settings.red_flag_days)
    normal: list[tuple[MoveReason, ColumnElement[bool]]] = []
    if settings.no_call_days > 0:
        normal.append((MoveReason.RECYCLE_NO_CALL, and_(
            Customer.valid_call_count == 0, Customer.assigned_at <= now - timedelta(days=settings.no_call_days))))
    if settings.max_followups > 0:
        normal.append((MoveReason.RECYCLE_MAX_FOLLOWUPS, Customer.followup_count >= settings.max_followups))
    if settings.check_days > 0 and settings.required_followups > 0:
        normal.append((MoveReason.RECYCLE_FEW_FOLLOWUPS, and_(
            Customer.followup_count < settings.required_followups,
            Customer.assigned_at <= now - timedelta(days=settings.check_days))))
    return Rules(red, tuple(normal))


@dataclass
class RecycleResult:
    counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (reason, to_pool) → customers

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def by_reason(self) -> dict[MoveReason, int]:
        totals: dict[MoveReason, int] = {}
        for (reason, _pool), n in self.counts.items():
            totals[MoveReason(reason)] = totals.get(MoveReason(reason), 0) + n
        return totals

    def summary(self) -> str:
        if not self.total:
            return "没有需要回收的客户"
        parts = [f"{reason.label.removeprefix('回收规则：')} {n}" for reason, n in self.by_reason().items()]
        city = sum(n for (_r, pool), n in self.counts.items() if pool == Pool.CITY.value)
        text = f"回收 {self.total} 个客户：" + "，".join(parts)
        if city:
            text += f"；其中 {city} 个转入城市经理公共池"
        return text


def sweep(session: DbSession, now: datetime, settings: RecycleSettings | None = None) -> RecycleResult:
    """Run every enabled rule over all personal pools: one UPDATE plus one INSERT … SELECT of history."""
    settings = settings or RecycleSettings.load(session)
    rules = rules_at(settings, now)
    if not rules.reasons:
        return RecycleResult()
    to_city = (Customer.recycle_count + 1 >= settings.city_after_recycles) if settings.city_after_recycles else false()
    batch = history.new_batch(session)
    moved = session.execute(
        update(Customer).where(rules.matches()).values({
            # SET expressions all read the row as it was, so every CASE sees the same old values.
            # Among matching rows only the red-flag rule takes flagged ones (see Rules).
            Customer.prev_seat_id: Customer.service_seat_id,
            Customer.service_seat_id: None,
            Customer.pool: case((FLAGGED, literal(Pool.HEAD.value)), (to_city, literal(Pool.CITY.value)),
                                else_=literal(Pool.PUBLIC.value)),
            Customer.pool_reason: rules.reason(),
            Customer.pool_changed_at: now,
            Customer.pool_move_batch: batch,
            Customer.assigned_at: None,
            Customer.type: case((FLAGGED, Customer.type),
                                (Customer.type == CustomerType.NEW, literal(CustomerType.INTENT.value)),
                                else_=Customer.type),
            Customer.recycle_count: case((FLAGGED, Customer.recycle_count), else_=Customer.recycle_count + 1),
        }),
        execution_options={"synchronize_session": False},
    ).rowcount  # type: ignore[attr-defined]
    if not moved:
        return RecycleResult()
    history.record_batch(session, batch, now, Pool.PERSONAL, None)
    counts = session.execute(select(Customer.pool_reason, Customer.pool, func.count())
                             .where(Customer.pool_move_batch == batch).group_by(Customer.pool_reason, Customer.pool))
    result = RecycleResult({(reason, pool.value if isinstance(pool, Pool) else pool): int(n)
                            for reason, pool, n in counts})
    session.expire_all()
    return result


# --- preview (回收预览) and reminders (回收提醒) -----------------------------------------------------


def preview_query(scope: data_scope.Scope, settings: RecycleSettings, now: datetime,
                  reason: MoveReason | None = None) -> Select[Any]:
    """Customers in scope a sweep at ``now`` would move, each with the rule that would move it."""
    rules = rules_at(settings, now)
    stmt = select(Customer, rules.reason().label("reason")).where(rules.matches())
    stmt = data_scope.apply(stmt, scope, Customer.service_org_id, Customer.service_seat_id)
    if reason is not None:
        stmt = stmt.where(rules.reason() == reason.value)
    return stmt.order_by(Customer.service_seat_id, Customer.id)


def preview_counts(session: DbSession, scope: data_scope.Scope, settings: RecycleSettings,
                   now: datetime) -> dict[MoveReason, int]:
    """How many customers in scope each rule would move now."""
    rules = rules_at(settings, now)
    reason_col = rules.reason()
    stmt = select(reason_col, func.count()).where(rules.matches())
    stmt = data_scope.apply(stmt, scope, Customer.service_org_id, Customer.service_seat_id).group_by(reason_col)
    counts = {MoveReason(reason): int(n) for reason, n in session.execute(stmt) if reason}
    return {reason: counts.get(reason, 0) for reason in rules.reasons}


def due_soon_query(base: Select[Any], settings: RecycleSettings, now: datetime, days: int) -> Select[Any]:
    """Customers of ``base`` that a time-based rule will take within ``days`` days, but not yet today."""
    later = rules_at(settings, now + timedelta(days=days)).only(TIME_BASED)
    if not later.reasons:
        return base.where(false()).add_columns(literal(None).label("reason"))
    stmt = base.add_columns(later.reason().label("reason"))
    return stmt.where(later.matches(), not_(rules_at(settings, now).matches()))


def remind_days(session: DbSession) -> int:
    return params.get_int(REMIND_DAYS, session)
