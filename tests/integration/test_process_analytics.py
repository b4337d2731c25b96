"""Process analytics (流程性能): claimed_at kept by the engine, medians / p90 against a Python oracle over rows
with known durations (run with TEST_DATABASE_URL for PostgreSQL: the same figures), the pages, export and API."""

from __future__ import annotations

import io
import math
import statistics
import uuid
from datetime import UTC, datetime, time, timedelta

import openpyxl
import pytest
import time_machine
from sqlalchemy import select

from app import clock, workflow
from app.extensions import db
from app.performance.period import Grain, Period
from app.process_analytics import figures
from app.process_analytics.services import duration_text
from app.workflow import deploy
from app.workflow.models import InstanceStatus, ProcessInstance, ProcessModel, TaskStatus, WorkflowTask
from tests.conftest import DATA, user_named

APPROVAL = (DATA / "approval.bpmn").read_text(encoding="utf-8")


def _open_task(instance: ProcessInstance) -> WorkflowTask:
    db.session.expire_all()
    return db.session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == instance.id,
                                                         WorkflowTask.status == TaskStatus.OPEN)).one()


def _start(key: str = "test_approval") -> ProcessInstance:
    seat = user_named("seat01")
    instance = workflow.start(db.session, key, org_id=seat.org_id, owner_id=seat.id, actor=seat)
    db.session.commit()
    return instance


@pytest.mark.db_sensitive
def test_claimed_at_follows_claim_release_and_delegation(deploy_fixture):
    fill = '<spiffworkflow:property name="formKey" value="test_fill" />'
    deploy.deploy(db.session, APPROVAL.replace(fill, fill + '<spiffworkflow:property name="candidateUsers" '
                                                            'value="seat02" />'), source="test")
    db.session.commit()
    instance = _start()
    task = _open_task(instance)
    assert task.assignee_id is None and task.claimed_at is None
    seat01, seat02 = user_named("seat01"), user_named("seat02")
    first = clock.now() + timedelta(minutes=5)
    with time_machine.travel(first, tick=False):
        workflow.claim(db.session, task.id, seat01)
        db.session.commit()
    assert _open_task(instance).claimed_at == first
    workflow.release(db.session, task.id, user_named("seat01"))
    db.session.commit()
    assert _open_task(instance).claimed_at is None  # waits for someone again
    second = clock.now() + timedelta(minutes=20)
    with time_machine.travel(second, tick=False):
        workflow.delegate(db.session, task.id, user_named("seat01"), seat02.id)  # unheld: assigned now
        db.session.commit()
    assert _open_task(instance).claimed_at == second
    with time_machine.travel(second + timedelta(minutes=30), tick=False):
        workflow.resolve(db.session, task.id, user_named("seat02"), {})  # back to the owner: handling goes on
        db.session.commit()
    assert _open_task(instance).claimed_at == second
    with time_machine.travel(second + timedelta(minutes=40), tick=False):
        workflow.transfer(db.session, task.id, user_named("seat01"), seat02.id)  # held: handling goes on
        db.session.commit()
    assert _open_task(instance).claimed_at == second


def test_a_task_assigned_by_the_diagram_is_claimed_on_arrival_and_a_group_completion_never_is(deploy_fixture):
    text = APPROVAL.replace('<spiffworkflow:property name="formKey" value="test_fill" />',
                            '<spiffworkflow:property name="formKey" value="test_fill" />'
                            '<spiffworkflow:property name="assignee" value="&quot;seat02&quot;" />')
    deploy.deploy(db.session, text, source="test")
    db.session.commit()
    instance = _start()
    task = _open_task(instance)
    assert task.assignee_id == user_named("seat02").id and task.claimed_at == task.created_at
    workflow.complete_task(db.session, task.id, user_named("seat02"), {"amount": "150.00"}, outcome="submit")
    db.session.commit()
    review = _open_task(instance)  # a finance group task, completed straight from the group inbox
    workflow.complete_task(db.session, review.id, user_named("finance01"), {}, outcome="pass")
    db.session.commit()
    db.session.expire_all()
    done = db.session.get(WorkflowTask, review.id)
    assert done is not None and done.status == TaskStatus.COMPLETED and done.claimed_at is None


# --- figures against an oracle ---------------------------------------------------------------------------


def _seconds(start: datetime, end: datetime) -> int:
    """The oracle's duration: both ends cut to whole seconds, as the analytics promise."""
    return math.floor(end.timestamp()) - math.floor(start.timestamp())


def _p90(values: list[int]) -> int:
    return sorted(values)[math.ceil(0.9 * len(values)) - 1]


def _day_start() -> datetime:
    return datetime.combine(clock.today(), time(), tzinfo=clock.SHANGHAI).astimezone(UTC)


def _two_versions() -> tuple[ProcessModel, ProcessModel]:
    first = deploy.deploy(db.session, APPROVAL, source="test").model
    renamed = APPROVAL.replace('name="测试审批"', 'name="测试审批（新）"')
    second = deploy.deploy(db.session, renamed, source="test").model
    db.session.commit()
    assert (first.version, second.version) == (1, 2)
    return first, second


def _instance(model: ProcessModel, started: datetime, completed: datetime | None = None,
              status: InstanceStatus = InstanceStatus.RUNNING) -> ProcessInstance:
    instance = ProcessInstance(model_id=model.id, process_key=model.key, serialized="{}", serializer_version="test",
                               status=status, started_at=started, updated_at=started, completed_at=completed)
    db.session.add(instance)
    db.session.flush()
    return instance


def _task_row(instance: ProcessInstance, element_id: str, created: datetime, *, claimed: datetime | None = None,
              completed: datetime | None = None, due: datetime | None = None,
              status: TaskStatus = TaskStatus.COMPLETED) -> WorkflowTask:
    row = WorkflowTask(instance_id=instance.id, task_guid=str(uuid.uuid4()), element_id=element_id,
                       name={"fill": "填写申请", "review": "财务审核"}[element_id], process_key=instance.process_key,
                       status=status, created_at=created, claimed_at=claimed, completed_at=completed, due_at=due)
    db.session.add(row)
    return row


@pytest.fixture
def known_durations(app):
    """Tasks and instances of test_approval with chosen durations (fractions of seconds included), today, before
    today, on two versions; returns what the oracle needs."""
    v1, v2 = _two_versions()
    today_start, now = _day_start(), clock.now()
    base = today_start + timedelta(minutes=30, microseconds=250_000)  # every pinned "now" is at least 10:00
    inst1 = _instance(v1, base - timedelta(days=2))
    inst2 = _instance(v2, base - timedelta(days=1))
    rows: list[WorkflowTask] = []
    # review, v1: six completed today (an even count), two of them never claimed, one late.
    for i, (wait, handle) in enumerate([(100, 50), (400, None), (30, 7200), (86_400, 600), (5, None), (900, 1)]):
        completed = base + timedelta(seconds=i * 61)
        claimed = completed - timedelta(seconds=handle, microseconds=300_000) if handle is not None else None
        created = (claimed or completed) - timedelta(seconds=wait, microseconds=700_000 * (i % 2))
        due = completed - timedelta(seconds=1) if i == 3 else None
        rows.append(_task_row(inst1, "review", created, claimed=claimed, completed=completed, due=due))
    # fill: five on v1 and two on v2, completed today.
    for i, wait in enumerate([60, 120, 3, 7, 1000]):
        created = base + timedelta(seconds=i)
        completed = created + timedelta(seconds=wait, microseconds=999_999)
        rows.append(_task_row(inst1, "fill", created, completed=completed))
    for wait in (5000, 6000):
        rows.append(_task_row(inst2, "fill", base, claimed=base + timedelta(seconds=wait), completed=now))
    # Not counted as completed today: one completed yesterday, one cancelled today.
    rows.append(_task_row(inst1, "review", base - timedelta(days=3), completed=today_start - timedelta(seconds=1)))
    rows.append(_task_row(inst1, "review", base, completed=base + timedelta(seconds=9), status=TaskStatus.CANCELLED))
    # Open now: one overdue and unclaimed, one claimed and not yet due.
    rows.append(_task_row(inst1, "review", base, due=now - timedelta(minutes=1), status=TaskStatus.OPEN))
    rows.append(_task_row(inst2, "review", base, claimed=base + timedelta(seconds=1), due=now + timedelta(days=1),
                          status=TaskStatus.OPEN))
    # Instances: three completed today, one completed yesterday, one in error, one cancelled today.
    finished = [_instance(v1, base - timedelta(hours=h, seconds=s), base + timedelta(minutes=m),
                          InstanceStatus.COMPLETED) for h, s, m in ((1, 0, 1), (30, 7, 2), (2, 0, 3))]
    _instance(v2, today_start - timedelta(days=3), today_start - timedelta(minutes=1), InstanceStatus.COMPLETED)
    _instance(v2, base, None, InstanceStatus.ERROR)
    _instance(v1, base, base + timedelta(minutes=5), InstanceStatus.CANCELLED)
    db.session.commit()
    return {"v1": v1, "v2": v2, "tasks": rows, "finished": finished, "today_start": today_start}


def _oracle(rows: list[WorkflowTask], element_id: str, model_ids: set[int], today_start: datetime) -> dict:
    instance_models = {i.id: i.model_id for i in db.session.scalars(select(ProcessInstance))}
    mine = [r for r in rows if r.element_id == element_id and instance_models[r.instance_id] in model_ids]
    done = [r for r in mine if r.status == TaskStatus.COMPLETED and r.completed_at >= today_start]
    waits = [_seconds(r.created_at, r.claimed_at or r.completed_at) for r in done]
    handles = [_seconds(r.claimed_at, r.completed_at) for r in done if r.claimed_at]
    open_ = [r for r in mine if r.status == TaskStatus.OPEN]
    return {"completed": len(done), "wait": (statistics.median(waits), _p90(waits)) if waits else (None, None),
            "handle": (statistics.median(handles), _p90(handles)) if handles else (None, None),
            "late": sum(1 for r in done if r.due_at and r.completed_at > r.due_at), "open": len(open_),
            "unclaimed": sum(1 for r in open_ if r.claimed_at is None),
            "overdue_open": sum(1 for r in open_ if r.due_at and r.due_at < clock.now())}


def _today() -> Period:
    return Period(Grain.DAY, clock.today(), clock.today())


@pytest.mark.db_sensitive
@pytest.mark.date_sensitive
@pytest.mark.parametrize("version", [None, 1, 2])
def test_element_figures_agree_with_the_oracle(known_durations, version):
    models = {1: known_durations["v1"].id, 2: known_durations["v2"].id}
    chosen = models.get(version) if version else None
    found = {e.element_id: e for e in figures.element_figures(db.session, "test_approval", _today(), chosen)}
    wanted_models = {chosen} if chosen else set(models.values())
    for element_id in ("fill", "review"):
        expected = _oracle(known_durations["tasks"], element_id, wanted_models, known_durations["today_start"])
        if not expected["completed"] and not expected["open"]:
            assert element_id not in found
            continue
        got = found[element_id]
        assert (got.completed, got.late, got.open, got.unclaimed, got.overdue_open) == (
            expected["completed"], expected["late"], expected["open"], expected["unclaimed"], expected["overdue_open"])
        assert (got.waiting.median, got.waiting.p90) == expected["wait"], element_id
        assert (got.handling.median, got.handling.p90) == expected["handle"], element_id


@pytest.mark.db_sensitive
@pytest.mark.date_sensitive
def test_the_even_median_is_the_mean_of_the_middle_two_and_p90_the_nearest_rank(known_durations):
    review = next(e for e in figures.element_figures(db.session, "test_approval", _today())
                  if e.element_id == "review")
    # The six review waits are 100, 400, 30, 86400, 5, 900 seconds give or take the cut to whole seconds.
    assert review.completed == 6 and 250 <= review.waiting.median <= 251 and 86_399 <= review.waiting.p90 <= 86_400
    assert review.handling.count == 4 and review.late == 1


@pytest.mark.db_sensitive
@pytest.mark.date_sensitive
def test_instance_figures_per_process_and_per_version(known_durations):
    finished = known_durations["finished"]
    durations = [_seconds(i.started_at, i.completed_at) for i in finished]
    per_key = figures.instance_figures(db.session, _today(), "test_approval")["test_approval"]
    assert per_key.completed == 3 and per_key.error == 1
    assert (per_key.duration.median, per_key.duration.p90) == (statistics.median(durations), _p90(durations))
    started_today = sum(1 for i in db.session.scalars(select(ProcessInstance))
                        if i.process_key == "test_approval" and i.started_at >= known_durations["today_start"])
    assert per_key.started == started_today
    per_version = figures.instance_figures(db.session, _today(), "test_approval", by_version=True)
    assert per_version[known_durations["v1"].id].completed == 3
    assert per_version[known_durations["v2"].id].completed == 0 and per_version[known_durations["v2"].id].error == 1


# --- screens, export, API ---------------------------------------------------------------------------------


@pytest.mark.date_sensitive
def test_process_page_shows_the_figures_and_the_export_matches(login_as, known_durations):
    client = login_as("designer01")
    args = f"grain=day&value={clock.today().isoformat()}"
    listing = client.get(f"/process-analytics/?{args}")
    assert listing.status_code == 200 and "测试审批（新）" in listing.get_data(as_text=True)
    page = client.get(f"/process-analytics/test_approval?{args}&version=1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="heatmap-data"' in html and "v1" in html
    review = next(e for e in figures.element_figures(db.session, "test_approval", _today(),
                                                     known_durations["v1"].id) if e.element_id == "review")
    export = client.get(f"/process-analytics/test_approval/export?{args}&version=1")
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.data)).active
    rows = {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["review"][2] == review.completed and rows["review"][3] == duration_text(review.waiting.median)
    assert 'data-figure="waiting-median"><span' in html and duration_text(review.waiting.median) in html


@pytest.mark.parametrize("username", ["admin", "manager01", "designer01"])
def test_designers_managers_and_admin_may_see_the_analytics(login_as, deploy_fixture, username):
    deploy_fixture("approval")
    assert login_as(username).get("/process-analytics/").status_code == 200
    assert login_as(username).get("/process-analytics/test_approval").status_code == 200


@pytest.mark.parametrize("username", ["seat01", "head01", "finance01"])
def test_others_are_refused(login_as, deploy_fixture, username):
    deploy_fixture("approval")
    client = login_as(username)
    assert client.get("/process-analytics/").status_code == 403
    assert client.get("/process-analytics/test_approval").status_code == 403


def test_unknown_process_or_version_is_404_and_a_bad_period_says_why(login_as, deploy_fixture):
    deploy_fixture("approval")
    client = login_as("designer01")
    assert client.get("/process-analytics/no_such_process").status_code == 404
    assert client.get("/process-analytics/test_approval?version=9").status_code == 404
    assert client.get("/process-analytics/test_approval?version=abc").status_code == 404
    bad = client.get("/process-analytics/test_approval?grain=month&value=2026-13")
    assert bad.status_code == 422 and "月份格式应为 YYYY-MM" in bad.get_data(as_text=True)
    range_ = client.get("/process-analytics/?grain=range&start=2026-06-10&end=2026-06-01")
    assert range_.status_code == 422 and "结束日期不能早于开始日期" in range_.get_data(as_text=True)


@pytest.mark.date_sensitive
def test_api_gives_the_same_figures(api_as, known_durations):
    api = api_as("designer01")
    body = api.get(f"/api/v1/process-analytics/test_approval?grain=day&value={clock.today().isoformat()}")
    assert body.status_code == 200
    data = body.get_json()
    assert data["version"] is None and [v["version"] for v in data["versions"]] == [2, 1]
    fill = next(e for e in data["elements"] if e["element_id"] == "fill")
    expected = _oracle(known_durations["tasks"], "fill", {known_durations["v1"].id, known_durations["v2"].id},
                       known_durations["today_start"])
    assert fill["completed"] == expected["completed"]
    assert (fill["waiting"]["median_seconds"], fill["waiting"]["p90_seconds"]) == expected["wait"]
    assert data["totals"]["completed"] == 3
    second = api.get(f"/api/v1/process-analytics/test_approval?grain=day&value={clock.today().isoformat()}&version=2")
    assert second.get_json()["totals"]["completed"] == 0 and second.get_json()["totals"]["error"] == 1
    assert {e["element_id"] for e in second.get_json()["elements"]} == {"fill", "review"}
    assert api.get("/api/v1/process-analytics/nothing_here").status_code == 404
    assert api_as("seat01").get("/api/v1/process-analytics/test_approval").status_code == 403
    assert api.get("/api/v1/process-analytics/test_approval?grain=week&value=x").status_code == 422


def test_menu_links_to_the_analytics(login_as):
    assert "/process-analytics/" in login_as("designer01").get("/").get_data(as_text=True)


@pytest.mark.date_sensitive
def test_a_single_version_gives_its_figures_as_the_totals(api_as, deploy_fixture):
    model = deploy_fixture("approval")
    _instance(model, clock.now() - timedelta(minutes=3), None, InstanceStatus.ERROR)
    _instance(model, clock.now() - timedelta(minutes=2))
    db.session.commit()
    data = api_as("manager01").get("/api/v1/process-analytics/test_approval").get_json()
    assert (data["totals"]["started"], data["totals"]["live"], data["totals"]["error"]) == (2, 1, 1)
    assert data["versions"][0]["error"] == 1
