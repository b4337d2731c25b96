"""配额维护: the daily targets per 层级 × 级别, each change dated; past days keep the quota they had."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import clock
from app.admin import dictionaries
from app.auth.models import User
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.quotas import facts
from app.quotas.metrics import METRICS, Metric
from app.quotas.models import Quota

MAX_DAILY = 1000  # no seat makes a thousand valid calls a day: a bigger number is a typing mistake
MAX_AHEAD_DAYS = 366


@dataclass
class QuotaInput:
    """What the 配额维护 form or API says; a metric left None has no quota."""

    level: str
    tier: str
    effective_from: date | None
    targets: dict[Metric, int | None]
    remark: str = ""


def targets_of(quota: Quota) -> dict[Metric, int | None]:
    return {metric: getattr(quota, metric.value) for metric in METRICS}


def _clean_targets(targets: dict[Metric, int | None]) -> dict[Metric, int | None]:
    cleaned: dict[Metric, int | None] = {}
    for metric in Metric:
        value = targets.get(metric)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValidationFailed(f"{metric.label}配额应为整数")
        if value is not None and value < 0:
            raise ValidationFailed(f"{metric.label}配额不能为负数")
        if value is not None and value > MAX_DAILY:
            raise ValidationFailed(f"{metric.label}配额不能超过每天 {MAX_DAILY}")
        cleaned[metric] = value
    if all(value is None for value in cleaned.values()):
        raise ValidationFailed("请至少填写一项配额")
    return cleaned


def _check_code(session: DbSession, dict_code: str, code: str, what: str) -> str:
    code = (code or "").strip()
    if not code:
        raise ValidationFailed(f"请选择{what}")
    if code not in {item_code for item_code, _ in dictionaries.choices(session, dict_code)}:
        raise ValidationFailed(f"{what}“{code[:30]}”不在基础数据中")
    return code


def _check_date(effective_from: date | None, today: date) -> date:
    if effective_from is None:
        raise ValidationFailed("请填写生效日期")
    if effective_from < today:
        raise ValidationFailed("生效日期不能早于今天：过去的日子保留当时的配额")
    if effective_from > today + timedelta(days=MAX_AHEAD_DAYS):
        raise ValidationFailed(f"生效日期不能晚于一年以后（{MAX_AHEAD_DAYS} 天）")
    return effective_from


def save_quota(session: DbSession, data: QuotaInput, actor: User) -> Quota:
    """Set a 层级 × 级别's targets from a date (today or later); the same date again replaces that change."""
    level = _check_code(session, dictionaries.USER_LEVEL, data.level, "层级")
    tier = _check_code(session, dictionaries.USER_TIER, data.tier, "级别")
    effective_from = _check_date(data.effective_from, clock.today())
    targets = _clean_targets(data.targets)
    remark = (data.remark or "").strip()
    if len(remark) > 200:
        raise ValidationFailed("备注不能超过 200 字")
    quota = session.scalar(select(Quota).where(Quota.level == level, Quota.tier == tier,
                                               Quota.effective_from == effective_from))
    now = clock.now()
    if quota is None:
        quota = Quota(level=level, tier=tier, effective_from=effective_from, created_by_id=actor.id, created_at=now)
        session.add(quota)
    for metric, value in targets.items():
        setattr(quota, metric.value, value)
    quota.remark, quota.updated_at = remark, now
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # another administrator saved the same level, tier and date just now
        raise Conflict("该层级、级别在这一天的配额刚被他人保存，请刷新后再改") from exc
    return quota


def withdraw_quota(session: DbSession, quota_id: int) -> Quota:
    """Delete a change that has not started yet (生效日期在今天之后); started ones are history."""
    quota = session.get(Quota, quota_id)
    if quota is None:
        raise NotFound("配额不存在")
    if quota.effective_from <= clock.today():
        raise ValidationFailed("已生效的配额不能撤销：过去的日子保留当时的配额，请新增一条从今天起生效的配额")
    session.delete(quota)
    session.flush()
    return quota


def get_quota(session: DbSession, quota_id: int) -> Quota:
    quota = session.get(Quota, quota_id)
    if quota is None:
        raise NotFound("配额不存在")
    return quota


MAX_REBUILD_DAYS = 366


def rebuild_facts(session: DbSession, start: date | None, end: date | None) -> int:
    """重算实绩: recompute the daily facts of a range of past days from the follow-ups (app/quotas/facts.py)."""
    if start is None or end is None:
        raise ValidationFailed("请填写重算的开始日期和结束日期")
    if end < start:
        raise ValidationFailed("结束日期不能早于开始日期")
    if end > clock.today():
        raise ValidationFailed("不能重算今天以后的日子")
    if (end - start).days + 1 > MAX_REBUILD_DAYS:
        raise ValidationFailed(f"一次最多重算 {MAX_REBUILD_DAYS} 天")
    return facts.rebuild(session, start, end)


@dataclass
class QuotaLine:
    """One 层级 × 级别 on the 配额维护 list: what applies today and the change planned next."""

    level: str
    tier: str
    current: Quota | None
    upcoming: list[Quota]
    changes: int


def overview(session: DbSession) -> list[QuotaLine]:
    """Every 层级 × 级别 that has quotas, in base-data order: the quota in force today and planned changes."""
    today = clock.today()
    rows = list(session.scalars(select(Quota).order_by(Quota.effective_from)))
    order = {code: i for i, (code, _) in enumerate(dictionaries.choices(session, dictionaries.USER_LEVEL))}
    tier_order = {code: i for i, (code, _) in enumerate(dictionaries.choices(session, dictionaries.USER_TIER))}
    grouped: dict[tuple[str, str], list[Quota]] = {}
    for row in rows:
        grouped.setdefault((row.level, row.tier), []).append(row)
    lines = []
    for (level, tier), quotas in grouped.items():
        started = [q for q in quotas if q.effective_from <= today]
        lines.append(QuotaLine(level, tier, started[-1] if started else None,
                               [q for q in quotas if q.effective_from > today], len(quotas)))
    return sorted(lines, key=lambda line: (order.get(line.level, 99), tier_order.get(line.tier, 99), line.level,
                                           line.tier))


def history(session: DbSession, level: str, tier: str) -> list[Quota]:
    """Every change of one 层级 × 级别, newest first."""
    return list(session.scalars(select(Quota).where(Quota.level == level, Quota.tier == tier)
                                .order_by(Quota.effective_from.desc())))


class QuotaBook:
    """Quota rows of some 层级 × 级别 pairs, answering "which targets applied on day D" in memory."""

    NO_TARGETS: Mapping[Metric, int | None] = MappingProxyType(dict.fromkeys(METRICS))

    def __init__(self, rows: Iterable[Quota]) -> None:
        by_pair: dict[tuple[str, str], list[Quota]] = {}
        for quota in sorted(rows, key=lambda q: q.effective_from):
            by_pair.setdefault((quota.level, quota.tier), []).append(quota)
        self._days = {pair: [q.effective_from for q in quotas] for pair, quotas in by_pair.items()}
        self._targets = {pair: [MappingProxyType(targets_of(q)) for q in quotas] for pair, quotas in by_pair.items()}

    def on(self, level: str, tier: str, day: date) -> Mapping[Metric, int | None]:
        """The targets that applied to ``level`` × ``tier`` on ``day``: the latest row from that day or before
        (all None when there is none)."""
        days = self._days.get((level, tier))
        index = bisect.bisect_right(days, day) - 1 if days else -1
        return self._targets[(level, tier)][index] if index >= 0 else self.NO_TARGETS


def quota_book(session: DbSession, pairs: Iterable[tuple[str, str]], until: date) -> QuotaBook:
    """The quota rows of these 层级 × 级别 pairs that start on ``until`` or before, in one query."""
    wanted = set(pairs)
    if not wanted:
        return QuotaBook([])
    rows = session.scalars(select(Quota).where(Quota.level.in_({level for level, _ in wanted}),
                                               Quota.effective_from <= until))
    return QuotaBook(q for q in rows if (q.level, q.tier) in wanted)
