"""Demo grading: the demo customers graded once by the shipped tables, so the 客户 360 pages show 客户等级 with
reasons and the overview has figures right after ``make run``."""

from __future__ import annotations

from app import clock
from app.database import DbSession
from app.demo import DemoContext, loader
from app.grading import services
from app.trades import demo as _trades_demo  # noqa: F401  (and trades, which make most of the score)


@loader("grading")
def load_grading(session: DbSession, ctx: DemoContext) -> None:
    """Grade every demo customer as the nightly job would."""
    services.grade_customers(session, clock.now())
