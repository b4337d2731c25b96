"""What the properties panel offers in its dropdowns: roles for lanes and start permissions, task forms,
service-task operations and the decision ids of published tables."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.auth.models import Role
from app.database import DbSession
from app.designer import rule_tables, task_forms
from app.workflow import operation_params


def role_names(session: DbSession) -> dict[str, str]:
    """Role code → name, in the roles' order: the designer shows roles by name and stores their codes."""
    return {code: name for code, name in session.execute(select(Role.code, Role.name).order_by(Role.id))}


def catalog(session: DbSession) -> dict[str, Any]:
    """The choices, as JSON for the editor page."""
    return {
        "roles": [{"code": code, "name": name} for code, name in role_names(session).items()],
        "forms": [{"key": f.key, "title": f.title, "origin": f.origin_label} for f in task_forms.all_forms(session)],
        "operations": operation_params.catalog(session),
        "decisions": sorted({d for entry in rule_tables.tables(session) for d in entry.decision_ids}),
    }
