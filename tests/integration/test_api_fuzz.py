"""Fuzz every operation of /api/v1/openapi.json with schemathesis, in process, as an admin and as a seat:
no 500, every response has a documented status, content type and body schema, and no token call is
refused for CSRF (the API is CSRF-exempt: it authenticates with a header, not a cookie).

Bounded and deterministic: hypothesis is derandomized (the same cases on every run) and each operation
gets a fixed number of examples per generation mode. Generated ids and values are mostly unknown or
invalid, so in about half of the cases they are swapped for ids that exist in the demo data and values
the endpoints accept; that is what reaches the services and the engine behind the 404s and 422s.
State-changing operations run too: the database is this test's own copy.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from sqlalchemy import Select, select

from app.admin import dictionaries
from app.auth import services
from app.auth.models import User
from app.complaints.models import Complaint
from app.customers import services as customer_services
from app.customers.models import Customer
from app.extensions import db
from app.followups.models import Appointment
from app.hr.models import PublicHoliday
from app.hr.staff_models import StaffCertificate
from app.kb.models import KbArticle
from app.members.models import PointsAdjustment
from app.mining.models import MiningCondition
from app.mining.rule_models import DistributionRule
from app.mining.run_models import DistributionRun
from app.mining.task_models import MiningTask, MiningTaskItem
from app.oa.applications import TYPES as APPLICATION_TYPES
from app.oa.models import Application
from app.org import services as org_services
from app.org.models import Org
from app.plans.models import Plan
from app.pools.handover_models import Handover
from app.products.models import Project
from app.qa.models import QaQuestion
from app.quotas.models import Quota
from app.surveys.models import Survey
from app.trades.models import Trade
from app.workflow.models import ProcessInstance, ProcessModel, TaskStatus, WorkflowTask
from tests.conftest import make_app

log = logging.getLogger(__name__)

# Data scope changes what every list and detail returns: fuzz the widest and the narrowest view, and a
# back-office approver whose inbox holds task forms with fields (财务审核).
FUZZ_USERS = ("admin", "seat01", "finance01")
EXAMPLES = {GenerationMode.POSITIVE: 16, GenerationMode.NEGATIVE: 8}


def no_csrf_refusal(_ctx: Any, response: Any, _case: Any) -> None:
    """A Bearer-token call carries no cookie, so it must never be refused for a missing CSRF token."""
    if response.status_code >= 400 and "csrf" in response.text.lower():
        raise AssertionError(f"a token call was refused for CSRF: {response.text[:300]}")


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          no_csrf_refusal]
FUZZ_SETTINGS = settings(
    max_examples=1, derandomize=True, database=None, deadline=None, phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)

# Where a field or parameter of this name finds ids (or keys) that exist. Task ids are the caller's own
# inbox where it has one (see _setup): claim, release and complete only get past the lookup with those.
ID_SOURCES: dict[str, Select[Any]] = {
    "customer_id": select(Customer.id), "customer_ids": select(Customer.id), "user_id": select(User.id),
    "seat_id": select(User.id), "handler_id": select(User.id), "superior_id": select(User.id),
    "org_id": select(Org.id), "application_id": select(Application.id), "instance_id": select(ProcessInstance.id),
    "task_id": select(WorkflowTask.id).where(WorkflowTask.status == TaskStatus.OPEN),
    "project_id": select(Project.id), "trade_id": select(Trade.id), "process_key": select(ProcessModel.key),
    "condition_id": select(MiningCondition.id),
    "handover_id": select(Handover.id),
    "mining_task_id": select(MiningTask.id), "item_id": select(MiningTaskItem.id),
    "rule_id": select(DistributionRule.id), "run_id": select(DistributionRun.id),
    "appointment_id": select(Appointment.id),
    "holiday_id": select(PublicHoliday.id),
    "certificate_id": select(StaffCertificate.id),
    "quota_id": select(Quota.id), "plan_id": select(Plan.id), "question_id": select(QaQuestion.id),
    "survey_id": select(Survey.id), "article_id": select(KbArticle.id), "complaint_id": select(Complaint.id),
    "adjustment_id": select(PointsAdjustment.id),
}
# Values the endpoints accept, so that some cases get past validation into the engine and the services.
ACCEPTED_VALUES: dict[str, list[Any]] = {
    "outcome": ["pass", "return", "refund", "complete", "forward", "submit", "resubmit", "success", "failure"],
    "comment": ["同意", "资料不全，请补充"],
    "phones": ["13812345678", "13987654321", "15000000001"],
    "intended_amount": ["1000000", "3000000.00", "100"],
}


@pytest.fixture
def csrf_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app with CSRF protection on, as in production: Bearer-token API calls must not need a token."""
    application = make_app(database_url, tmp_path / "instance", WTF_CSRF_ENABLED=True)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _a_hand_over() -> None:
    """The demo data has no leaver: disable a seat of the fuzz's own with two customers (离职交接 gets a record)."""
    if db.session.scalar(select(Handover.id).limit(1)) is not None:
        return
    group = db.session.scalar(select(Org).where(Org.code == "SH-LC1-A"))
    assert group is not None
    leaver = org_services.create_user(db.session, username="fuzzleaver", work_no="Z0001", name="离职坐席",
                                      org_id=group.id, password="Licai@demo2026", role_codes=["seat"])
    for i in range(2):
        customer_services.create_customer(db.session, customer_services.CustomerInput(
            name=f"离职客户{i}", phones=[f"1860000900{i}"]), org_id=group.id, seat_id=leaver.id, actor_id=None)
    org_services.mark_left(db.session, leaver)


def _setup(app: Flask, username: str) -> tuple[str, dict[str, list[Any]]]:
    """Create an API token for ``username``; collect the ids and keys that exist, and accepted values."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        assert user is not None, f"no demo user {username}"
        _record, token = services.create_api_token(db.session, user, "fuzz")
        _a_hand_over()
        known = {name: sorted(set(db.session.scalars(query))) for name, query in ID_SOURCES.items()}
        known["type_code"] = [item.code for item in dictionaries.items(db.session, APPLICATION_TYPES)]
        known.update(ACCEPTED_VALUES)
        db.session.commit()
        db.session.remove()
    inbox = app.test_client().get("/api/v1/tasks?per_page=200", headers={"Authorization": f"Bearer {token}"})
    known["task_id"] = [task["id"] for task in inbox.get_json()["items"]] or known["task_id"]
    assert all(known.values()), f"the demo data lacks some kind of record: {known}"
    return token, known


def _with_known_ids(cases: st.SearchStrategy[Any], known: dict[str, list[Any]]) -> st.SearchStrategy[Any]:
    """Swap about half of the generated ids and values (path parameters, top-level body fields) for known ones."""

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        case = draw(cases)
        for name in list(case.path_parameters or {}):
            if name in known and draw(st.booleans()):
                case.path_parameters[name] = draw(st.sampled_from(known[name]))
        if isinstance(case.body, dict):
            for name, value in list(case.body.items()):
                if name not in known or not draw(st.booleans()):
                    continue
                pick = st.sampled_from(known[name])
                case.body[name] = draw(st.lists(pick, min_size=1, max_size=3) if isinstance(value, list) else pick)
        return case

    return build()


def _fuzz_operation(operation: Any, mode: GenerationMode, headers: dict[str, str], known: dict[str, list[Any]],
                    statuses: Counter[int], failures: dict[str, str]) -> int:
    """Run one operation's examples in one generation mode; record failures; return the number of calls."""
    calls = 0
    cases = operation.as_strategy(generation_mode=mode)
    if mode is GenerationMode.POSITIVE:
        cases = _with_known_ids(cases, known)

    @settings(FUZZ_SETTINGS, max_examples=EXAMPLES[mode])
    @given(case=cases)
    def run(case: Any) -> None:
        nonlocal calls
        response = case.call(headers=headers)
        calls += 1
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Failure, FailureGroup) as exc:
            for failure in exc.exceptions if isinstance(exc, FailureGroup) else [exc]:
                failures.setdefault(f"{operation.label} ({mode.value}): {failure.title}",
                                    f"{failure.message}\n{case.as_curl_command()[:1500]}\n"
                                    f"→ {response.status_code} {response.text[:300]}")

    run()
    return calls


@pytest.mark.parametrize("username", FUZZ_USERS)
def test_every_operation_answers_as_documented(csrf_app: Flask, username: str) -> None:
    token, known = _setup(csrf_app, username)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", csrf_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    unknown = {p.name for op in operations for p in op.path_parameters if p.name not in known and p.name != "pool"}
    assert not unknown, f"no source of existing ids for path parameters {unknown}: add them to ID_SOURCES"

    headers = {"Authorization": f"Bearer {token}"}
    statuses: Counter[int] = Counter()
    failures: dict[str, str] = {}
    calls = {op.label: sum(_fuzz_operation(op, mode, headers, known, statuses, failures) for mode in EXAMPLES)
             for op in operations}
    log.info("fuzzed %d operations as %s: %d calls, statuses %s", len(operations), username,
             sum(calls.values()), dict(sorted(statuses.items())))

    assert not failures, "\n\n".join(f"{key}\n{detail}" for key, detail in failures.items())
    assert min(calls.values()) > 0, f"operations never called: {[k for k, v in calls.items() if not v]}"
    # The run must reach past authentication and lookups, or it proves nothing about the code behind them.
    assert statuses[200] + statuses[201] >= len(operations), dict(statuses)
