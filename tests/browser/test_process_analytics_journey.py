"""A process designer opens 流程性能, picks trade_review and sees the heatmap on its diagram."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.workflow.models import InstanceStatus, ProcessInstance, ProcessModel, TaskStatus, WorkflowTask
from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser

# Waits in hours per element, beyond the demo's own (app/process_analytics/demo.py, at most 60 h): revision
# (8–10 days) is by far the slowest.
WAITS = {"finance_audit": [20, 30, 26, 41], "verification": [2, 3, 5], "personal_contract": [6, 9],
         "collective_contract": [1], "revision": [200, 240]}


def _history() -> None:
    """Completed trade_review tasks today with known waits, on the demo's latest trade_review version."""
    model = db.session.scalars(select(ProcessModel).where(ProcessModel.key == "trade_review")
                               .order_by(ProcessModel.version.desc())).first()
    assert model is not None, "the demo deploys trade_review"
    now = clock.now()
    instance = ProcessInstance(model_id=model.id, process_key=model.key, serialized="{}", serializer_version="t",
                               status=InstanceStatus.COMPLETED, started_at=now - timedelta(days=3), updated_at=now,
                               completed_at=now - timedelta(minutes=1))
    db.session.add(instance)
    db.session.flush()
    for element_id, hours in WAITS.items():
        for h in hours:
            completed = now - timedelta(minutes=5)
            claimed = completed - timedelta(minutes=30)
            db.session.add(WorkflowTask(instance_id=instance.id, task_guid=str(uuid.uuid4()), element_id=element_id,
                                        name=element_id, process_key=model.key, status=TaskStatus.COMPLETED,
                                        created_at=claimed - timedelta(hours=h), claimed_at=claimed,
                                        completed_at=completed))
    db.session.commit()


def test_designer_sees_the_waiting_heatmap_on_the_diagram(app, page):
    _history()
    browser_login(page, "designer01")
    page.get_by_role("link", name="流程性能").click()
    page.wait_for_url("**/process-analytics/")
    assert page.locator("#process-table tr[data-key='trade_review'] [data-figure='completed']").inner_text() != ""
    screenshot(page, "process-analytics-list")
    page.locator("#process-table tr[data-key='trade_review'] a").click()
    page.locator("#heatmap[data-chart-ready='1']").wait_for()
    notes = page.locator(".heat-note[data-element='finance_audit']")
    assert "等待中位" in notes.inner_text()
    fill, wanted = page.evaluate("""() => [getComputedStyle(document.querySelector(
        '[data-element-id="revision"] .djs-visual > :first-child')).fill,
        JSON.parse(document.getElementById('heatmap-data').textContent).elements.revision.color]""")
    assert fill == "rgb({}, {}, {})".format(*(int(wanted[i:i + 2], 16) for i in (1, 3, 5)))
    # Whatever the demo's spread, revision's 200–240 h make it the slowest: red.
    assert wanted == "#dc3545"
    screenshot(page, "process-analytics-heatmap")
    page.get_by_label("统计周期").select_option("week")
    week = page.locator("input[data-grain='week']")
    assert week.is_visible() and not page.locator("input[data-grain='month']").is_visible()
    assert week.input_value() == clock.today().replace(day=1).strftime("%G-W%V")  # the week of the month's start
    page.get_by_role("button", name="查看").click()
    page.wait_for_url("**grain=week**")
    assert "周" in page.locator("h1").inner_text()
