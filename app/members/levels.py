"""Member levels (会员等级): the administrator's list of levels, and their evaluation by the decision table
``rules/member_levels.dmn`` (hit policy FIRST; inputs ``points``, ``holding``, ``subscribed``; output ``level``).

The scheduler evaluates every member at once — the table compiled to one SQL CASE in one UPDATE, and the
changed rows copied to the level history by one INSERT … SELECT — and a trade's arrival audit evaluates its
one customer through the DMN engine. A table whose output is not a defined level code is refused when it is
published and when it is evaluated (nothing is written).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, literal, select, update

from app import clock, labels
from app.database import DbSession, table_of
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.members.models import LevelChange, LevelTrigger, Member, MemberLevel, MemberPrice
from app.trades.models import Trade, TradeStatus
from app.workflow import dmn_tables

LEVEL_TABLE = "member_levels"
# Held (持有金额): confirmed arrivals still invested — not failed, refunded or settled.
NOT_HELD = (TradeStatus.FAILED, TradeStatus.REFUNDED, TradeStatus.SETTLED)


@dataclass
class LevelInput:
    code: str
    name: str
    rank: int = 0
    description: str = ""


def all_levels(session: DbSession) -> list[MemberLevel]:
    return list(session.scalars(select(MemberLevel).order_by(MemberLevel.rank, MemberLevel.id)))


def level_names(session: DbSession) -> dict[str, str]:
    """Level code → Chinese name (未定级 for members no rule placed yet)."""
    return {"": "未定级", **{level.code: level.name for level in all_levels(session)}}


def _clean(session: DbSession, data: LevelInput, level: MemberLevel | None) -> LevelInput:
    code, name = data.code.strip(), data.name.strip()
    if not code or not name:
        raise ValidationFailed("请填写等级代码和等级名称")
    if len(code) > 20 or not code.replace("_", "").isalnum() or not code.isascii():
        raise ValidationFailed("等级代码只能是不超过 20 个字母、数字或下划线，如 gold")
    if len(name) > 50:
        raise ValidationFailed("等级名称不能超过 50 个字")
    for column, value, label in ((MemberLevel.code, code, "等级代码"), (MemberLevel.name, name, "等级名称")):
        clash = session.scalar(select(MemberLevel.id).where(column == value))
        if clash is not None and (level is None or clash != level.id):
            raise ValidationFailed(f"{label}“{value}”已存在")
    return LevelInput(code, name, int(data.rank), data.description.strip()[:2000])


def create_level(session: DbSession, data: LevelInput) -> MemberLevel:
    clean = _clean(session, data, None)
    level = MemberLevel(code=clean.code, name=clean.name, rank=clean.rank, description=clean.description)
    session.add(level)
    session.flush()
    return level


def get_level(session: DbSession, level_id: int) -> MemberLevel:
    level = session.get(MemberLevel, level_id)
    if level is None:
        raise NotFound("会员等级不存在")
    return level


def update_level(session: DbSession, level: MemberLevel, data: LevelInput) -> None:
    """Rename or re-rank a level; its code stays, since the rules table and the members name it."""
    clean = _clean(session, LevelInput(level.code, data.name, data.rank, data.description), level)
    level.name, level.rank, level.description = clean.name, clean.rank, clean.description
    session.flush()


def delete_level(session: DbSession, level: MemberLevel) -> None:
    """Delete a level no member holds, no member price names and the rules table in force does not output."""
    held = session.scalar(select(func.count()).select_from(Member).where(Member.level_code == level.code)) or 0
    if held:
        raise Conflict(f"还有 {held} 位会员处于“{level.name}”，不能删除")
    if session.scalar(select(MemberPrice.id).where(MemberPrice.level_code == level.code).limit(1)) is not None:
        raise Conflict(f"会员价格策略还在使用“{level.name}”，请先删除这些策略")
    if level.code in _outputs(dmn_tables.load(session, LEVEL_TABLE)):
        raise Conflict(f"会员等级规则表的结果还有“{level.name}”（{level.code}），请先修改规则表")
    session.delete(level)
    session.flush()


def _outputs(table: Any) -> list[str]:
    return ["" if value is None else str(value) for value in dmn_tables.output_literals(table, "level")]


def table_problems(session: DbSession, table: Any) -> list[str]:
    """What makes a level table unusable: outputs that are not defined level codes, cells SQL cannot run."""
    problems = list(dmn_tables.sql_problems(table))
    if problems:
        return problems
    known = {level.code for level in all_levels(session)}
    return [f"结果“{value}”不是已定义的会员等级（已定义：{'、'.join(sorted(known)) or '无'}）"
            for value in dict.fromkeys(_outputs(table)) if value not in known]


def load_table(session: DbSession) -> Any:
    """The level table in force, refused (Chinese, nothing written) when it cannot be evaluated."""
    table = dmn_tables.load(session, LEVEL_TABLE)
    problems = table_problems(session, table)
    if problems:
        raise ValidationFailed("会员等级规则表不能使用：" + "；".join(problems))
    return table


def holding_of(customer_id: Any) -> ColumnElement[Any]:
    """持有金额 of a customer (a column or a value), as a scalar subquery."""
    return (select(func.coalesce(func.sum(Trade.arrival_amount), 0))
            .where(Trade.customer_id == customer_id, Trade.arrival_confirmed.is_(True), Trade.status.notin_(NOT_HELD))
            .scalar_subquery())


def evaluate_all(session: DbSession, now: datetime | None = None) -> int:
    """Evaluate every member's level set-based; write the history of the changed ones; return how many changed."""
    now = now or clock.now()
    if not all_levels(session):
        return 0  # membership not set up yet: no level to give
    table = load_table(session)
    columns = {"points": Member.points_balance, "holding": holding_of(Member.customer_id),
               "subscribed": Member.cumulative_subscription}
    new_level = dmn_tables.case(table, columns, "level", default="")
    changed = session.execute(update(Member).where(Member.level_code != new_level)
                              .values(previous_level=Member.level_code, level_code=new_level, level_since=now)
                              .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    if changed:
        session.execute(table_of(LevelChange).insert().from_select(
            ["customer_id", "from_level", "to_level", "trigger", "changed_at"],
            select(Member.customer_id, Member.previous_level, Member.level_code, literal(LevelTrigger.NIGHTLY.value),
                   literal(now, LevelChange.changed_at.type)).where(Member.level_since == now)))
    session.expire_all()
    return int(changed or 0)


def evaluate_member(session: DbSession, customer_id: int, now: datetime | None = None) -> str:
    """Evaluate one member's level through the DMN engine (an event); return the level code now held."""
    if not all_levels(session):
        return ""  # membership not set up yet: no level to give
    table = load_table(session)
    member = session.execute(select(Member).where(Member.customer_id == customer_id)
                             .execution_options(populate_existing=True)).scalar_one()
    holding = session.scalar(select(holding_of(customer_id)))
    decision = dmn_tables.evaluate(table, {"points": int(member.points_balance), "holding": float(holding or 0),
                                           "subscribed": float(member.cumulative_subscription)})
    level = str((decision.outputs or {}).get("level") or "")
    if level and level not in level_names(session):
        raise ValidationFailed(f"会员等级规则表的结果“{level}”不是已定义的会员等级")
    if level != member.level_code:
        now = now or clock.now()
        session.add(LevelChange(customer_id=customer_id, from_level=member.level_code, to_level=level,
                                trigger=LevelTrigger.EVENT.value, changed_at=now))
        member.previous_level, member.level_code, member.level_since = member.level_code, level, now
        session.flush()
    return level


def history(session: DbSession, customer_id: int) -> list[LevelChange]:
    return list(session.scalars(select(LevelChange).where(LevelChange.customer_id == customer_id)
                                .order_by(LevelChange.id.desc())))


dmn_tables.register_check(LEVEL_TABLE, table_problems)
labels.register("member_level", lambda: level_names(db.session))
