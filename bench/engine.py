"""Workflow engine figures (DESIGN.md §9), on SQLite and on PostgreSQL when it answers:

1. one task completion through the service layer (load → complete → engine steps → save → task
   projection → commit) vs the bare SpiffWorkflow deserialize → run → serialize of the same instance;
2. over HTTP: a 3-user-task approval started and completed (server time per request);
3. the inbox page for a user with 1,000 open tasks among 1,000,000 task rows.

Usage: .venv/bin/python bench/engine.py [--rounds 1000] [--rows 1000000] [--only sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from decimal import Decimal
from typing import Any

from _common import PG_URL, REPO, machine, median_ms, p95_ms, scratch_app, twin
from sqlalchemy import insert, select

DIAGRAM = (REPO / "tests" / "data" / "three_step.bpmn").read_text(encoding="utf-8")


def _users(db: Any) -> dict[str, Any]:
    from app.auth.models import User

    return {u.username: u for u in db.session.scalars(select(User))}


def bare_completion_factory() -> Any:
    """SpiffWorkflow alone: deserialize (standard serializer, spec included) → run the ready task → serialize."""
    from datetime import date

    from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
    from SpiffWorkflow.util.task import TaskState

    parser = SpiffBpmnParser()
    parser.add_bpmn_str(DIAGRAM.encode())
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]), "Decimal")
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda d: date.fromisoformat(d["value"]), "date")
    serializer = BpmnWorkflowSerializer(registry)
    workflow = BpmnWorkflow(parser.get_spec("bench_three_step"), parser.get_subprocess_specs("bench_three_step"))
    workflow.get_tasks(state=TaskState.READY)[0].set_data(amount=Decimal("1000.00"), customer="张三")
    workflow.do_engine_steps()
    stored = serializer.serialize_json(workflow)

    def once() -> float:
        started = time.perf_counter()
        restored = serializer.deserialize_json(stored)
        task = restored.get_tasks(state=TaskState.READY, manual=True)[0]
        task.set_data(outcome="submit", comment="")
        task.run()
        restored.do_engine_steps()
        serializer.serialize_json(restored)
        return time.perf_counter() - started

    return once


def service_completion(app: Any, rounds: int) -> tuple[list[float], list[float]]:
    """Service-layer completions interleaved with bare ones, so machine load affects both alike."""
    from app import workflow
    from app.extensions import db
    from app.workflow import deploy
    from app.workflow.models import TaskStatus, WorkflowTask

    deploy.deploy(db.session, DIAGRAM)
    users = _users(db)
    seat = users["seat01"]
    task_ids = []
    for index in range(rounds):
        instance = workflow.start(db.session, "bench_three_step", business_key=f"bench:{index}", org_id=seat.org_id,
                                  owner_id=seat.id, data={"amount": Decimal("1000.00"), "customer": "张三"})
        db.session.flush()
        task_ids.append(db.session.scalar(select(WorkflowTask.id).where(
            WorkflowTask.instance_id == instance.id, WorkflowTask.status == TaskStatus.OPEN)))
        if index % 200 == 0:
            db.session.commit()
    db.session.commit()
    seat_id, user_cls = seat.id, type(seat)
    db.session.expunge_all()
    bare = bare_completion_factory()
    samples, bare_samples = [], []
    for task_id in task_ids:
        seat = db.session.get(user_cls, seat_id)
        bare_samples.append(bare())
        started = time.perf_counter()
        workflow.complete_task(db.session, task_id, seat, {}, outcome="submit")
        db.session.commit()
        samples.append(time.perf_counter() - started)
        db.session.expunge_all()
    return samples, bare_samples


def http_approval(app: Any, rounds: int) -> dict[str, float]:
    """Start over the API and complete 3 user tasks over the screens' POST endpoints; server time per request."""
    from app.auth import services
    from app.extensions import db
    from app.workflow.models import ProcessInstance, TaskStatus, WorkflowTask

    users = _users(db)
    _record, token = services.create_api_token(db.session, users["admin"], "bench")
    db.session.commit()
    app = twin(app)
    clients = {}
    for name in ("seat01", "head01", "finance01"):
        client = app.test_client()
        client.post("/login", data={"username": name, "password": "Licai@demo2026"})
        clients[name] = client
    starts, completions, totals = [], [], []
    for index in range(rounds):
        instance_total = 0.0
        started = time.perf_counter()
        response = app.test_client().post("/api/v1/process-instances", headers={"Authorization": f"Bearer {token}"},
                                          json={"process_key": "bench_three_step", "business_key": f"http:{index}",
                                                "data": {"amount": "1000.00"}})
        elapsed = time.perf_counter() - started
        assert response.status_code == 201, response.get_data(as_text=True)
        instance_id = response.get_json()["id"]
        starts.append(elapsed)
        instance_total += elapsed
        # The API starts as admin; hand the instance to seat01 as owner so the seat lane is theirs.
        owner = {"owner_id": users["seat01"].id, "org_id": users["seat01"].org_id}
        db.session.execute(WorkflowTask.__table__.update().where(WorkflowTask.instance_id == instance_id)
                           .values(**owner))
        db.session.execute(ProcessInstance.__table__.update().where(ProcessInstance.id == instance_id)
                           .values(**owner))
        db.session.commit()
        for name, outcome in (("seat01", "submit"), ("head01", "pass"), ("finance01", "pass")):
            task_id = db.session.scalar(select(WorkflowTask.id).where(WorkflowTask.instance_id == instance_id,
                                                                      WorkflowTask.status == TaskStatus.OPEN))
            db.session.commit()
            started = time.perf_counter()
            response = clients[name].post(f"/tasks/{task_id}/complete", data={"outcome": outcome})
            elapsed = time.perf_counter() - started
            assert response.status_code == 302, (name, response.status_code)
            completions.append(elapsed)
            instance_total += elapsed
        totals.append(instance_total)
    return {"start_ms": median_ms(starts), "completion_ms": median_ms(completions),
            "completion_p95_ms": p95_ms(completions), "instance_total_ms": median_ms(totals)}


def inbox(app: Any, rows: int, mine: int) -> dict[str, float]:
    """Fill the task table with ``rows`` rows, ``mine`` of them open candidates of finance01's department."""
    from app.extensions import db
    from app.org.models import Org
    from app.pagination import keyset_page
    from app.workflow import inbox as inbox_queries
    from app.workflow.models import ProcessInstance, WorkflowTask

    users = _users(db)
    finance = users["finance01"]
    # Every other row sits outside finance01's data scope (理财一部 and below), so exactly ``mine`` are visible.
    own_path = db.session.scalar(select(Org.path).where(Org.id == finance.org_id))
    others = list(db.session.scalars(select(Org.id).where(~Org.path.startswith(own_path))))
    instance = ProcessInstance(model_id=db.session.scalar(select(__import__("app.workflow.models", fromlist=["x"])
                                                                 .ProcessModel.id).limit(1)),
                               process_key="bench_three_step", serialized="{}", serializer_version="bench")
    db.session.add(instance)
    db.session.commit()
    rng = random.Random(7)
    statuses = ["completed"] * 8 + ["cancelled"] + ["open"]
    roles = ["seat", "dept_head", "finance", "investor_service"]
    batch: list[dict[str, Any]] = []
    table: Any = WorkflowTask.__table__
    started = time.perf_counter()
    for index in range(rows):
        own = index < mine
        batch.append({
            "instance_id": instance.id, "task_guid": f"bench-{index:08d}", "element_id": "approve",
            "name": "财务审批", "process_key": "bench_three_step", "business_key": f"trade:{index}",
            "title": f"交易 {index}", "lane": "finance",
            "candidate_role": "finance" if own else rng.choice(roles),
            "org_id": finance.org_id if own else rng.choice(others),
            "status": "open" if own else rng.choice(statuses), "form_key": "approval", "outcome": "", "comment": "",
            "created_at": __import__("app.clock", fromlist=["now"]).now(),
        })
        if len(batch) == 20_000:
            db.session.execute(insert(table), batch)
            db.session.commit()
            batch = []
    if batch:
        db.session.execute(insert(table), batch)
        db.session.commit()
    fill_s = time.perf_counter() - started
    if db.engine.dialect.name == "postgresql":
        db.session.execute(__import__("sqlalchemy").text("ANALYZE workflow_task"))
    else:
        db.session.execute(__import__("sqlalchemy").text("ANALYZE"))
    db.session.commit()

    query_samples = []
    finance_id, user_cls = finance.id, type(finance)
    for _ in range(50):
        finance = db.session.get(user_cls, finance_id)
        with app.test_request_context("/tasks/?tab=group"):  # the page's way: tab counts, then its rows
            started = time.perf_counter()
            counts = inbox_queries.counts(db.session, finance)
            page = keyset_page(inbox_queries.query(db.session, finance, "group"), inbox_queries.order("group"), 30,
                               total=counts["group"], sort_few=True)
            query_samples.append(time.perf_counter() - started)
        assert len(page.items) == 30
        db.session.commit()
    client = twin(app).test_client()
    client.post("/login", data={"username": "finance01", "password": "Licai@demo2026"})
    page_samples = []
    for _ in range(30):
        started = time.perf_counter()
        response = client.get("/tasks/?tab=group")
        page_samples.append(time.perf_counter() - started)
        assert response.status_code == 200
    counts = inbox_queries.counts(db.session, finance)
    return {"rows": rows, "fill_s": fill_s, "visible_open": counts["group"],
            "query_ms": median_ms(query_samples), "page_ms": median_ms(page_samples),
            "page_p95_ms": p95_ms(page_samples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--http-rounds", type=int, default=200)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    print(f"machine: {machine()}")
    results: dict[str, Any] = {}
    for kind in ("sqlite", "postgresql"):
        if args.only and kind != args.only:
            continue
        with scratch_app(kind) as app:
            if app is None:
                print(f"[{kind}] not answering at {PG_URL}; skipped")
                continue
            from app.extensions import db

            samples, bare = service_completion(app, args.rounds)
            service = median_ms(samples)
            print(f"[{kind}] bare SpiffWorkflow deserialize→run→serialize (same diagram and state): "
                  f"median {median_ms(bare):.2f} ms (n={len(bare)})")
            print(f"[{kind}] service-layer completion (load→complete→steps→save→projection→commit): "
                  f"median {service:.2f} ms, p95 {p95_ms(samples):.2f} ms — {service / median_ms(bare):.2f}× bare "
                  f"(target ≤ 2×)")
            http = http_approval(app, args.http_rounds)
            print(f"[{kind}] HTTP 3-task approval: start {http['start_ms']:.1f} ms, completion median "
                  f"{http['completion_ms']:.1f} ms (p95 {http['completion_p95_ms']:.1f}), whole instance "
                  f"{http['instance_total_ms']:.1f} ms (targets ≤ 15 ms per completion, ≤ 60 ms per instance)")
            box = inbox(app, args.rows, 1000)
            print(f"[{kind}] inbox over {box['rows']:,} task rows ({box['visible_open']} visible to finance01; "
                  f"filled in {box['fill_s']:.0f} s): query+counts median {box['query_ms']:.1f} ms, full page median "
                  f"{box['page_ms']:.1f} ms (p95 {box['page_p95_ms']:.1f}) (target < 50 ms)")
            results[kind] = {"bare_ms": median_ms(bare), "service_ms": service, "ratio": service / median_ms(bare),
                             **http, **box}
            db.session.remove()
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
