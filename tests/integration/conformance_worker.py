"""One step of the engine conformance suite in a fresh process: ``python -m tests.integration.conformance_worker``.

The test writes a request as JSON on stdin: the database URL, the moment to run at (the clock is frozen
there), diagrams to deploy, and per case at most one action — start, complete a task, send a message.
The worker builds the app on that database, so every workflow it touches is restored from the stored JSON
against a spec it parses itself, performs the actions through the product's gateway, runs the scheduler's
timer job (the path production timers take), and prints what each case looks like now.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import time_machine
from sqlalchemy import select

CONFORMANCE = Path(__file__).resolve().parent.parent / "data" / "conformance"
OWNER = "seat01"


def plain(value: Any) -> Any:
    """Workflow data as JSON would carry it, so the product and the reference compare equal."""
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def snapshot(workflow: Any) -> dict[str, Any]:
    """What a user could tell apart: finished or not, the ready human tasks with their data, the final data."""
    from SpiffWorkflow.util.task import TaskState

    tasks = workflow.get_tasks(state=TaskState.READY, manual=True)
    ready = sorted(([t.task_spec.bpmn_id, plain(t.data)] for t in tasks), key=json.dumps)
    completed = bool(workflow.is_completed())
    return {"completed": completed, "ready": ready, "data": plain(workflow.data) if completed else None}


def _users_for(session: Any, role: str) -> list[Any]:
    from app.auth.models import Role, User

    return list(session.scalars(select(User).join(User.roles).where(Role.code == role).order_by(User.id)))


def _complete(session: Any, instance: Any, action: dict[str, Any]) -> None:
    from app.workflow import gateway
    from app.workflow.models import TaskStatus, WorkflowTask

    rows = session.scalars(select(WorkflowTask).where(
        WorkflowTask.instance_id == instance.id, WorkflowTask.element_id == action["element"],
        WorkflowTask.status == TaskStatus.OPEN).order_by(WorkflowTask.id)).all()
    where = action.get("where") or {}
    row = next((r for r in rows if all(gateway.task_data(r).get(k) == v for k, v in where.items())), None)
    if row is None:
        raise LookupError(f"no open task {action['element']} {where} in the inbox")
    user = next(u for u in _users_for(session, row.candidate_role) if gateway.can_act(session, u, row))
    gateway.complete_task(session, row.id, user, action.get("data") or {}, outcome=action.get("outcome", "submit"))


def _perform(session: Any, case: str, action: dict[str, Any], owner: Any) -> None:
    from app.workflow import gateway, runtime
    from app.workflow.models import ProcessInstance

    kind = action["kind"]
    if kind == "start":
        gateway.start(session, action["process"], business_key=f"conf:{case}", org_id=owner.org_id,
                      owner_id=owner.id, data=action.get("data") or {}, actor=owner)
    elif kind == "message":
        runtime.send_message(session, action["name"], action.get("correlation") or {}, action.get("payload") or {})
    elif kind == "complete":
        instance = session.scalar(select(ProcessInstance).where(ProcessInstance.business_key == f"conf:{case}"))
        _complete(session, instance, action)
    else:
        raise ValueError(kind)


def _report(session: Any, case: str) -> dict[str, Any]:
    from app.workflow import runtime
    from app.workflow.models import ProcessInstance, TaskStatus, WorkflowTask

    instance = session.scalar(select(ProcessInstance).where(ProcessInstance.business_key == f"conf:{case}"))
    if instance is None:
        return {"status": "missing"}
    rows = session.execute(select(WorkflowTask.element_id, WorkflowTask.candidate_role, WorkflowTask.form_key)
                           .where(WorkflowTask.instance_id == instance.id, WorkflowTask.status == TaskStatus.OPEN)
                           .order_by(WorkflowTask.element_id)).all()
    return {"status": instance.status.value, "error": instance.error_message,
            "next_timer_at": instance.next_timer_at.isoformat() if instance.next_timer_at else None,
            "rows": [list(r) for r in rows], "engine": snapshot(runtime.load_workflow(instance))}


def run(request: dict[str, Any]) -> dict[str, Any]:
    """Perform one step of every case and report each one."""
    from app import clock
    from app.auth.models import User
    from app.extensions import db
    from app.workflow import deploy, specs
    from scheduler.workflow_timers import advance_workflow_timers
    from tests.conftest import make_app

    app = make_app(request["database_url"], Path(request["instance_path"]))
    with time_machine.travel(datetime.fromisoformat(request["now"]), tick=False), app.app_context():
        assert not specs.SPECS.items, "a fresh process parses every spec itself"
        session = db.session
        for item in request.get("deploy", []):
            dmns = [(CONFORMANCE / name).read_text(encoding="utf-8") for name in item.get("dmn", [])]
            deploy.deploy(session, (CONFORMANCE / item["file"]).read_text(encoding="utf-8"), dmns,
                          source=f"tests/data/conformance/{item['file']}")
        session.commit()
        owner = session.scalar(select(User).where(User.username == OWNER))
        refused: dict[str, str] = {}
        for case, action in request.get("actions", {}).items():
            try:
                _perform(session, case, action, owner)
                session.commit()
            except Exception as exc:  # noqa: BLE001  (reported against the case; the other cases go on)
                session.rollback()
                refused[case] = f"{type(exc).__name__}: {exc}"
        timers = advance_workflow_timers(session, clock.now())
        session.commit()
        cases = {case: {**_report(session, case), "refused": refused.get(case)} for case in request["report"]}
        session.remove()
        db.engine.dispose()
    return {"pid": os.getpid(), "timers": timers, "cases": cases}


if __name__ == "__main__":
    json.dump(run(json.load(sys.stdin)), sys.stdout, ensure_ascii=False)
