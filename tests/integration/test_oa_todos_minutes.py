"""To-dos (待办事项) given 1–3 days ahead, who sees them, the home-page panel; minutes with attendees and
follow-up items that become to-dos."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app import clock
from app.extensions import db
from app.oa.models import Minutes, Todo, TodoUrgency
from tests.conftest import user_named

pytestmark = pytest.mark.date_sensitive


def _assign(client, assignee: str = "seat01", days: int = 2, title: str = "回访张先生", urgency: str = "urgent"):
    return client.post("/oa/todos/new", data={
        "assignee_id": str(user_named(assignee).id), "title": title, "urgency": urgency, "content": "下午三点前",
        "due_date": (clock.today() + timedelta(days=days)).isoformat()})


def _last_todo() -> Todo:
    db.session.commit()
    return db.session.query(Todo).order_by(Todo.id.desc()).first()


def test_a_manager_gives_a_subordinate_a_to_do_one_to_three_days_ahead(login_as):
    head = login_as("head01")
    assert _assign(head).status_code == 302
    todo = _last_todo()
    assert (todo.assignee.username, todo.urgency, todo.assigned_by.username) == ("seat01", TodoUrgency.URGENT,
                                                                                 "head01")
    for days in (0, 4):
        refused = _assign(head, days=days)
        assert refused.status_code == 422 and "须提前分配" in refused.get_data(as_text=True)
    other_department = _assign(head, assignee="seat11")
    assert other_department.status_code == 422 and "执行人" in other_department.get_data(as_text=True)
    assert _last_todo().id == todo.id
    assert login_as("seat01").get("/oa/todos/new").status_code == 403
    assert login_as("seat01").post("/oa/todos/new", data={}).status_code == 403


@pytest.mark.db_sensitive
def test_to_do_visibility_by_id_swapping(login_as):
    _assign(login_as("head01"))
    todo_id = _last_todo().id
    for username in ("seat01", "head01", "manager01"):
        assert login_as(username).get(f"/oa/todos/{todo_id}").status_code == 200, username
    for username in ("seat02", "seat11", "head11"):
        client = login_as(username)
        assert client.get(f"/oa/todos/{todo_id}").status_code == 404, username
        assert client.post(f"/oa/todos/{todo_id}/done").status_code == 404, username
    mine = login_as("seat01").get("/oa/todos/").get_data(as_text=True)
    assert "回访张先生" in mine and "紧急" in mine
    assert "回访张先生" not in login_as("seat02").get("/oa/todos/").get_data(as_text=True)
    assert "回访张先生" in login_as("head01").get("/oa/todos/?tab=assigned").get_data(as_text=True)


def test_only_the_assignee_completes_and_only_the_manager_withdraws(login_as):
    _assign(login_as("head01"))
    todo_id = _last_todo().id
    assert login_as("head01").post(f"/oa/todos/{todo_id}/done").status_code == 422
    assert login_as("seat01").post(f"/oa/todos/{todo_id}/withdraw").status_code == 403
    done = login_as("seat01").post(f"/oa/todos/{todo_id}/done", data={"done_note": "已回访", "next": "//evil.example"})
    assert done.status_code == 302 and done.headers["Location"] == "/oa/todos/"
    todo = _last_todo()
    db.session.refresh(todo)
    assert todo.done_at is not None and todo.done_note == "已回访"
    assert login_as("head01").post(f"/oa/todos/{todo_id}/withdraw").status_code == 409


def test_home_page_shows_overdue_and_due_soon(login_as):
    seat01, head01 = user_named("seat01"), user_named("head01")
    today = clock.today()
    for title, due in (("逾期的事", today - timedelta(days=1)), ("明天的事", today + timedelta(days=1)),
                       ("下周的事", today + timedelta(days=7))):
        db.session.add(Todo(title=title, due_date=due, urgency=TodoUrgency.IMPORTANT, assignee_id=seat01.id,
                            assigned_by_id=head01.id, org_id=seat01.org_id))
    db.session.commit()
    home = login_as("seat01").get("/").get_data(as_text=True)
    panel = home[home.index('id="panel-todos"'):]
    assert "已逾期" in panel and "逾期的事" in panel and "明天的事" in panel and "下周的事" not in panel
    manager_home = login_as("head01").get("/").get_data(as_text=True)
    assert "我分配的、已逾期未完成" in manager_home and "逾期的事" in manager_home


def _minutes(client) -> int:
    response = client.post("/oa/minutes/new", data={
        "title": "十二月业绩推进会", "meeting_date": "2026-12-01", "location": "三楼会议室",
        "attendee_ids": [str(user_named("seat01").id), str(user_named("seat02").id)],
        "content": "回顾上月业绩", "decisions": "每人每日有效通话 60 通"})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.commit()
    return db.session.query(Minutes).order_by(Minutes.id.desc()).first().id


def test_minutes_with_attendees_and_follow_ups_that_become_to_dos(login_as):
    head = login_as("head01")
    minutes_id = _minutes(head)
    due = (clock.today() + timedelta(days=5)).isoformat()
    added = head.post(f"/oa/minutes/{minutes_id}/follow-ups", data={
        "assignee_id": str(user_named("seat01").id), "title": "整理重点客户名单", "urgency": "important",
        "due_date": due})
    assert added.status_code == 302
    todo = _last_todo()
    assert (todo.assignee.username, todo.minutes_id, todo.due_date) == ("seat01", minutes_id, date.fromisoformat(due))
    assert "整理重点客户名单" in login_as("seat01").get("/oa/todos/").get_data(as_text=True)
    outsider = head.post(f"/oa/minutes/{minutes_id}/follow-ups", data={
        "assignee_id": str(user_named("seat11").id), "title": "x", "urgency": "normal", "due_date": due})
    assert outsider.status_code == 302  # refused back to the page, nothing created
    assert _last_todo().id == todo.id
    page = login_as("seat02").get(f"/oa/minutes/{minutes_id}").get_data(as_text=True)
    assert "每人每日有效通话 60 通" in page and "整理重点客户名单" in page


@pytest.mark.db_sensitive
@pytest.mark.parametrize(("username", "status"), [("seat01", 200), ("head01", 200), ("manager01", 200),
                                                  ("seat11", 404), ("head11", 404)])
def test_minutes_visibility(login_as, username, status):
    minutes_id = _minutes(login_as("head01"))
    assert login_as(username).get(f"/oa/minutes/{minutes_id}").status_code == status


def test_only_the_author_changes_minutes(login_as):
    minutes_id = _minutes(login_as("head01"))
    seat = login_as("seat01")
    assert seat.get(f"/oa/minutes/{minutes_id}/edit").status_code == 404
    assert seat.post(f"/oa/minutes/{minutes_id}/edit", data={"title": "改", "meeting_date": "2026-12-01"}
                     ).status_code == 404
    refused = seat.post(f"/oa/minutes/{minutes_id}/follow-ups", data={
        "assignee_id": str(user_named("seat01").id), "title": "自己加的", "urgency": "normal",
        "due_date": clock.today().isoformat()})
    assert refused.status_code == 404
    db.session.commit()
    assert db.session.query(Todo).filter(Todo.minutes_id == minutes_id).count() == 0


def _todos_titled(title: str) -> list[Todo]:
    db.session.commit()
    return list(db.session.query(Todo).filter(Todo.title == title).order_by(Todo.id))


def test_a_manager_gives_the_same_to_do_to_several_people_at_once(login_as):
    head = login_as("head01")
    form = head.get("/oa/todos/new").get_data(as_text=True)
    assert 'type="checkbox" name="assignee_id"' in form and "可选多人" in form
    seat01, seat02, seat11 = user_named("seat01"), user_named("seat02"), user_named("seat11")
    due = (clock.today() + timedelta(days=2)).isoformat()
    data = {"title": "提交本周邀约名单", "urgency": "important", "due_date": due}
    response = head.post("/oa/todos/new", data={**data, "assignee_id": [str(seat01.id), str(seat02.id)]})
    assert response.status_code == 302
    given = _todos_titled("提交本周邀约名单")
    assert sorted(t.assignee.username for t in given) == ["seat01", "seat02"]
    assert {(t.urgency, t.assigned_by.username, t.due_date.isoformat()) for t in given} == {
        (TodoUrgency.IMPORTANT, "head01", due)}
    assert "提交本周邀约名单" in login_as("seat02").get("/oa/todos/").get_data(as_text=True)

    data["title"] = "越权的待办"
    refused = head.post("/oa/todos/new", data={**data, "assignee_id": [str(seat01.id), str(seat11.id)]})
    assert refused.status_code == 422 and "执行人须为您管理范围内的在职员工" in refused.get_data(as_text=True)
    assert _todos_titled("越权的待办") == []  # all or none
    none_chosen = head.post("/oa/todos/new", data=data)
    assert none_chosen.status_code == 422 and "请选择执行人" in none_chosen.get_data(as_text=True)


def test_to_dos_for_several_people_through_the_api(api_as):
    seat01, seat02, seat11 = user_named("seat01"), user_named("seat02"), user_named("seat11")
    body = {"assignee_ids": [seat01.id, seat02.id, seat01.id], "title": "API 群发待办", "urgency": "urgent",
            "due_date": (clock.today() + timedelta(days=1)).isoformat()}
    created = api_as("head01").post("/api/v1/oa/todos", json=body)
    assert created.status_code == 201
    assert sorted(t["assignee_id"] for t in created.get_json()["items"]) == sorted([seat01.id, seat02.id])
    refused = api_as("head01").post("/api/v1/oa/todos", json={**body, "title": "越权", "assignee_ids": [seat11.id]})
    assert refused.status_code == 422 and _todos_titled("越权") == []
    late = api_as("head01").post("/api/v1/oa/todos", json={**body, "title": "太晚",
                                                           "due_date": (clock.today() + timedelta(days=9)).isoformat()})
    assert late.status_code == 422 and "须提前分配" in late.get_json()["error"]["message"]
    assert api_as("seat01").post("/api/v1/oa/todos", json=body).status_code == 403
