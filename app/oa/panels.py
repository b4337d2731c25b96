"""Home-page panels of daily management: to-dos due soon or overdue, applications waiting for me."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from app import clock
from app.extensions import db
from app.home import panels
from app.oa import applications, todos
from app.oa.access import HANDLE, TODOS


def _todos() -> dict[str, Any]:
    today = clock.today()
    overdue, soon = todos.due_soon(db.session, current_user, today)
    return {"overdue": overdue, "soon": soon, "today": today,
            "given_overdue": todos.overdue_given(db.session, current_user, today)}


def _applications() -> dict[str, Any]:
    return {"waiting": applications.waiting_for(db.session, current_user)[:5], "now": clock.now()}


panels.add("待办事项", "oa/_panel_todos.html", _todos, TODOS, order=20)
panels.add("待办申请", "oa/_panel_applications.html", _applications, HANDLE, order=30)
