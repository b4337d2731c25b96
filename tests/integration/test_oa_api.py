"""OA API, validated against the OpenAPI document: create, submit, list and read applications; to-dos."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock
from app.extensions import db
from app.oa.models import Todo, TodoUrgency
from tests.conftest import user_named


def _create(api, **values):
    body = {"type_code": "leave", "title": "年假三天", "description": "回老家", "handler_id": user_named("head01").id,
            "details": {"leave_kind": "annual", "start_date": "2026-12-01", "end_date": "2026-12-03"}, **values}
    return api.post("/api/v1/oa/applications", json=body)


def test_create_submit_list_and_get(api_as):
    seat = api_as("seat01")
    created = _create(seat)
    assert created.status_code == 201, created.get_json()
    application = created.get_json()
    assert application["status"] == "draft" and application["details"]["start_date"] == "2026-12-01"
    submitted = seat.post(f"/api/v1/oa/applications/{application['id']}/submit")
    assert submitted.status_code == 200 and submitted.get_json()["route"][0]["handler_name"] == "李主管"
    again = seat.post(f"/api/v1/oa/applications/{application['id']}/submit")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "application_submitted"
    mine = seat.get("/api/v1/oa/applications?per_page=200").get_json()
    assert application["id"] in [a["id"] for a in mine["items"]]
    assert {a["applicant_id"] for a in mine["items"]} == {user_named("seat01").id}
    head = api_as("head01")
    waiting = head.get("/api/v1/oa/applications?view=todo").get_json()
    assert "年假三天" in [a["title"] for a in waiting["items"]]
    assert head.get(f"/api/v1/oa/applications/{application['id']}").status_code == 200
    monitored = api_as("manager01").get("/api/v1/oa/applications?view=monitor&per_page=200").get_json()
    assert application["id"] in [a["id"] for a in monitored["items"]]
    assert application["id"] not in [a["id"] for a in api_as("head11").get(
        "/api/v1/oa/applications?view=monitor&per_page=200").get_json()["items"]]
    assert seat.get("/api/v1/oa/applications?view=monitor").status_code == 403


@pytest.mark.db_sensitive
def test_scope_and_validation(api_as):
    seat = api_as("seat01")
    application_id = _create(seat, submit=True).get_json()["id"]
    other = api_as("seat11")
    assert other.get(f"/api/v1/oa/applications/{application_id}").status_code == 404
    assert other.post(f"/api/v1/oa/applications/{application_id}/submit").status_code == 404
    bad_dates = _create(seat, details={"leave_kind": "annual", "start_date": "2026-12-05", "end_date": "2026-12-01"})
    assert bad_dates.status_code == 422 and "结束日期不能早于开始日期" in bad_dates.get_json()["error"]["message"]
    missing = _create(seat, details={"leave_kind": "annual"})
    assert missing.status_code == 422 and "start_date" in missing.get_json()["error"]["details"]
    stranger = _create(seat, handler_id=user_named("seat01").id)
    assert stranger.status_code == 422
    assert seat.post("/api/v1/oa/applications", json={"type_code": "leave"}).status_code == 422


@pytest.mark.date_sensitive
def test_todos(api_as):
    seat01, head01 = user_named("seat01"), user_named("head01")
    db.session.add(Todo(title="API 回访", due_date=clock.today() + timedelta(days=1), urgency=TodoUrgency.URGENT,
                        assignee_id=seat01.id, assigned_by_id=head01.id, org_id=seat01.org_id))
    db.session.commit()
    def titles(username: str, tab: str = "mine") -> list[str]:
        return [t["title"] for t in api_as(username).get(f"/api/v1/oa/todos?tab={tab}").get_json()["items"]]

    assert "API 回访" in titles("seat01") and "API 回访" not in titles("seat02")
    assert "API 回访" in titles("head01", "assigned") and "API 回访" in titles("head01", "team")
    assert "API 回访" not in titles("head11", "team")
