"""Home-page panel 任务日历: today's required vs done per metric, the shortfall reminder and this week at a glance."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_login import current_user

from app import clock
from app.extensions import db
from app.home import panels
from app.quotas import calendar
from app.quotas.access import CALENDAR_VIEW


def _task_calendar() -> dict[str, Any]:
    today = clock.today()
    monday = today - timedelta(days=today.weekday())
    week = calendar.calendar_of(db.session, current_user, monday, monday + timedelta(days=6))
    return {"today": next(day for day in week if day.day == today), "week": week}


panels.add("任务日历", "quotas/_panel_calendar.html", _task_calendar, CALENDAR_VIEW, order=5)
