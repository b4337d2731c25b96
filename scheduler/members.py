"""Scheduler jobs of membership (会员): the nightly level evaluation of every member (every customer who has
dealt becomes a member first), the expiry of points past their validity, and birthday points."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import literal, select

from app.customers.models import Customer, CustomerType
from app.database import DbSession, table_of
from app.members import ledger, levels, points
from app.members.models import Member
from scheduler.registry import job


def enrol_dealt_customers(session: DbSession, now: datetime) -> int:
    """Make every customer who has dealt (成交) a member, set-based; return how many joined."""
    joined = session.execute(table_of(Member).insert().from_select(
        ["customer_id", "level_code", "previous_level", "points_balance", "cumulative_subscription", "joined_at"],
        select(Customer.id, literal(""), literal(""), literal(0), literal(0), literal(now, Member.joined_at.type))
        .where(Customer.type == CustomerType.DEALT, Customer.deleted_at.is_(None),
               Customer.id.notin_(select(Member.customer_id))))).rowcount  # type: ignore[attr-defined]
    return int(joined or 0)


@job("members.evaluate_levels", "会员等级评定", cron="0 3 * * *",
     description="每天凌晨把成交客户登记为会员，并按会员等级规则表（积分、持有金额、累计认购）重新评定全部会员的等级")
def evaluate_levels(session: DbSession, now: datetime) -> str:
    joined = enrol_dealt_customers(session, now)
    changed = levels.evaluate_all(session, now)
    return f"新登记会员 {joined} 位，等级变化 {changed} 位"


@job("members.expire_points", "会员积分过期", cron="10 3 * * *",
     description=f"每天凌晨把超过 {ledger.POINTS_VALID_DAYS} 天有效期且未用掉的积分记为过期（先进先出）")
def expire_points(session: DbSession, now: datetime) -> str:
    return f"{ledger.expire(session, now)} 位会员有积分过期"


@job("members.birthday_points", "会员生日积分", cron="20 3 * * *",
     description="每天凌晨按积分规则表给当天生日的会员发放生日积分（每年一次）")
def birthday_points(session: DbSession, now: datetime) -> str:
    return f"{points.credit_birthdays(session, now)} 位会员获得生日积分"
