"""Home-page panel 今日目标: the seat's target for today per metric, and the current plans of the user's own org."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.home import panels
from app.plans import actuals
from app.plans.access import PLANS_VIEW
from app.plans.models import Plan, PlanStatus


def _today() -> dict[str, Any]:
    today = clock.today()
    org_plans = list(db.session.scalars(select(Plan).where(
        Plan.target_org_id == current_user.org_id, Plan.status == PlanStatus.PUBLISHED,
        Plan.period_start <= today, Plan.period_end >= today).order_by(Plan.period_start)))
    return {"today": today, "targets": actuals.today_targets(db.session, current_user, today),
            "org_plans": org_plans, "progress": actuals.progress(db.session, org_plans)}


panels.add("今日目标", "plans/_panel_today.html", _today, PLANS_VIEW, order=6)
