"""Home-page panels: certificates expiring in HR's scope (资格证书到期提醒) and the holder's own (我的资格证书)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from app import clock
from app.admin import dictionaries
from app.extensions import db
from app.home import panels
from app.hr import staff, staff_reminders
from app.hr.staff_access import OWN_CERTIFICATES, STAFF_VIEW
from app.org import scope as data_scope

HR_PANEL_ROWS = 10


def _labels() -> dict[str, str]:
    return dict(dictionaries.choices(db.session, staff.CERTIFICATE_TYPE))


def _team() -> dict[str, Any]:
    today, days = clock.today(), staff_reminders.window_days(db.session)
    stmt = staff_reminders.expiring(data_scope.scope_of(db.session, current_user, STAFF_VIEW), today, days)
    return {"rows": list(db.session.scalars(stmt.limit(HR_PANEL_ROWS))), "total": staff.count(db.session, stmt),
            "today": today, "days": days, "labels": _labels()}


def _mine() -> dict[str, Any]:
    today, days = clock.today(), staff_reminders.window_days(db.session)
    return {"rows": staff_reminders.mine(db.session, current_user), "today": today, "days": days,
            "labels": _labels()}


panels.add("资格证书到期提醒", "hr/staff_panel_team.html", _team, STAFF_VIEW, order=40)
panels.add("我的资格证书", "hr/staff_panel_mine.html", _mine, OWN_CERTIFICATES, order=45)
