"""Demo membership: three levels (普通会员, 银卡, 金卡), member prices on 债权投资 and on 鑫安二号, every customer
who has dealt enrolled, and seat01's first customers members with a ledger (referral, an approved adjustment,
a pending request) — the first of them 金卡, so a new trade for them shows the member price.

The points rules are the shipped table rules/points_rules.dmn; the demo trades' arrival audits already credited
their subscription points before this loader runs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.customers.models import Customer
from app.database import DbSession
from app.demo import DemoContext, loader
from app.members import adjustments, levels, points, prices
from app.members.levels import LevelInput
from app.members.prices import PriceInput
from app.products.models import Project, ProjectCategory
from scheduler import members as member_jobs

LEVELS = [("normal", "普通会员", 1, "成交即为普通会员"), ("silver", "银卡", 2, "积分满 500 分，或持有 100 万元以上"),
          ("gold", "金卡", 3, "积分满 2000 分，或持有 500 万元以上")]


@loader("members")
def load_demo_members(session: DbSession, ctx: DemoContext) -> None:
    for code, name, rank, description in LEVELS:
        levels.create_level(session, LevelInput(code, name, rank, description))
    fixed = session.scalar(select(ProjectCategory.id).where(ProjectCategory.name == "债权投资"))
    raising = session.scalar(select(Project.id).where(Project.code == "XM2026002"))
    if fixed is not None:
        prices.save_price(session, PriceInput("silver", None, fixed, "10", "0", "0.3"))
        prices.save_price(session, PriceInput("gold", None, fixed, "20", "200000", "0.5"))
    if raising is not None:
        prices.save_price(session, PriceInput("gold", raising, None, "20", "500000", "0.5"))
    now = clock.now()
    member_jobs.enrol_dealt_customers(session, now)
    seat, head, manager = ctx.users["seat01"], ctx.users["head01"], ctx.users["manager01"]
    customers = list(session.scalars(select(Customer).where(Customer.service_seat_id == seat.id)
                                     .order_by(Customer.id).limit(3)))
    if len(customers) == 3:
        first, second, third = customers
        points.credit_referral(session, first, third, head.id)
        bonus = adjustments.request_adjustment(session, first, 2000, "年度贵宾客户回馈（演示）", head)
        adjustments.approve(session, bonus, manager, "同意")
        gift = adjustments.request_adjustment(session, second, 600, "参加理财讲座补录积分（演示）", head)
        adjustments.approve(session, gift, manager, "同意")
        adjustments.request_adjustment(session, third, 300, "客户投诉补偿（演示，待审批）", head)
    levels.evaluate_all(session, now + timedelta(seconds=1))
