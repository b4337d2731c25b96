"""OA applications (申请) end to end through the screens: drafts, submit, immutability, forwarding through
handlers, completion, leave attendance, visibility by id swapping, attachments, monitor and export."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app import clock
from app.extensions import db
from app.hr.models import AttendanceDay
from app.oa.models import Application, ApplicationStatus
from app.workflow.models import InstanceStatus, ProcessInstance, TaskStatus, WorkflowTask
from tests.conftest import user_named

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
# Visibility, route and monitor queries (EXISTS, scope subqueries): run on PostgreSQL too.
SCOPE_SQL = pytest.mark.db_sensitive


def _new_application(client, handler: str = "head01", type_code: str = "general", **extra) -> int:
    data = {"type_code": type_code, "title": "测试申请", "handler_id": str(user_named(handler).id),
            "description": "请审批", **extra}
    response = client.post("/oa/applications/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/oa/applications/(\d+)$", response.headers["Location"]).group(1))


def _application(application_id: int) -> Application:
    db.session.commit()
    application = db.session.get(Application, application_id)
    db.session.refresh(application)
    return application


def _handle(client, application_id: int, outcome: str, comment: str = "已处理", result: str = "approve",
            next_handler: str | None = None):
    data = {"outcome": outcome, "comment": comment, "result": result}
    if next_handler:
        data["next_handler_id"] = str(user_named(next_handler).id)
    return client.post(f"/oa/applications/{application_id}/handle", data=data)


@SCOPE_SQL
def test_forwarded_through_three_handlers_and_completed(login_as):
    seat = login_as("seat01")
    application_id = _new_application(seat)
    assert _application(application_id).status == ApplicationStatus.DRAFT
    assert seat.post(f"/oa/applications/{application_id}/submit").status_code == 302

    head = login_as("head01")
    assert "测试申请" in head.get("/oa/applications/todo").get_data(as_text=True)
    forwarded = _handle(head, application_id, "forward", "部门同意，请城市经理审批", next_handler="manager01")
    assert forwarded.status_code == 302
    manager = login_as("manager01")
    assert _handle(manager, application_id, "forward", "请人事确认", next_handler="hr01").status_code == 302
    hr = login_as("hr01")
    assert _handle(hr, application_id, "complete", "已确认", result="approve").status_code == 302

    application = _application(application_id)
    assert application.status == ApplicationStatus.COMPLETED and application.result == "approve"
    assert application.current_handler_id is None
    route = [(h.handler.username, h.action, h.result, h.handling) for h in application.hops]
    assert route == [("head01", "forward", "approve", "部门同意，请城市经理审批"),
                     ("manager01", "forward", "approve", "请人事确认"), ("hr01", "complete", "approve", "已确认")]
    instance = db.session.get(ProcessInstance, application.instance_id)
    assert instance.status == InstanceStatus.COMPLETED
    # The applicant sees every hop, and the route written on the diagram.
    page = seat.get(f"/oa/applications/{application_id}").get_data(as_text=True)
    assert all(name in page for name in ("李主管", "王城经", "钱人事", "处理完成"))
    diagram = seat.get(f"/oa/applications/{application_id}/diagram.json").get_json()
    assert "completed" in diagram["done"] and diagram["current"] == []
    assert diagram["notes"]["handle"][0].startswith("1. 李主管 · 同意 · 向下流转")
    assert diagram["notes"]["handle"][-1] == "3. 钱人事 · 同意 · 处理完成"


def test_submitted_application_is_immutable(login_as):
    seat = login_as("seat01")
    application_id = _new_application(seat)
    seat.post(f"/oa/applications/{application_id}/submit")
    refused = seat.post(f"/oa/applications/{application_id}/edit",
                        data={"type_code": "general", "title": "改过的标题", "handler_id": str(user_named("head01").id),
                              "description": "改"})
    assert refused.status_code == 409
    assert "申请已提交，不能修改" in refused.get_data(as_text=True)
    assert seat.get(f"/oa/applications/{application_id}/edit").status_code == 409
    assert seat.post(f"/oa/applications/{application_id}/attachments",
                     data={"attachments": (io.BytesIO(PNG), "a.png")}).status_code == 409
    assert seat.post(f"/oa/applications/{application_id}/submit").status_code == 409
    assert _application(application_id).title == "测试申请"


def test_forward_needs_a_next_handler_from_the_allowed_people(login_as):
    seat = login_as("seat01")
    application_id = _new_application(seat)
    seat.post(f"/oa/applications/{application_id}/submit")
    head = login_as("head01")
    missing = _handle(head, application_id, "forward")
    assert missing.status_code == 422 and "必须填写下一处理人" in missing.get_data(as_text=True)
    applicant_back = _handle(head, application_id, "forward", next_handler="seat01")
    assert applicant_back.status_code == 422
    assert _application(application_id).hops[0].handled_at is None


@pytest.mark.date_sensitive
def test_approved_leave_marks_attendance(login_as):
    seat = login_as("seat01")
    # Today and the next two days: across the month or year end when make test-dates sets the clock there.
    first, last = clock.today(), clock.today() + timedelta(days=2)
    application_id = _new_application(seat, type_code="leave", **{
        "details-leave_kind": "annual", "details-start_date": first.isoformat(), "details-end_date": last.isoformat()})
    assert _application(application_id).details == {"leave_kind": "annual", "start_date": first.isoformat(),
                                                     "end_date": last.isoformat()}
    seat.post(f"/oa/applications/{application_id}/submit")
    _handle(login_as("head01"), application_id, "complete", "同意休假")
    seat01 = user_named("seat01")
    days = db.session.scalars(select(AttendanceDay).where(AttendanceDay.user_id == seat01.id)
                              .order_by(AttendanceDay.day)).all()
    assert [(d.day, d.type_code) for d in days] == [(first + timedelta(days=n), "leave") for n in (0, 1, 2)]
    assert days[0].source == f"oa_application:{application_id}"


def test_rejected_leave_marks_nothing_and_bad_ranges_are_refused(login_as):
    seat = login_as("seat01")
    bad = seat.post("/oa/applications/new", data={
        "type_code": "leave", "title": "请假", "handler_id": str(user_named("head01").id), "description": "x",
        "details-leave_kind": "sick", "details-start_date": "2026-12-05", "details-end_date": "2026-12-01"})
    assert bad.status_code == 422 and "结束日期不能早于开始日期" in bad.get_data(as_text=True)
    application_id = _new_application(seat, type_code="leave", **{
        "details-leave_kind": "sick", "details-start_date": "2026-12-01", "details-end_date": "2026-12-01"})
    seat.post(f"/oa/applications/{application_id}/submit")
    _handle(login_as("head01"), application_id, "complete", "不批", result="reject")
    seat01 = user_named("seat01")
    assert db.session.scalars(select(AttendanceDay).where(AttendanceDay.user_id == seat01.id)).all() == []


@SCOPE_SQL
def test_others_cannot_see_by_swapping_ids(login_as):
    seat = login_as("seat01")
    application_id = _new_application(seat)
    seat.post(f"/oa/applications/{application_id}/attachments", data={"attachments": (io.BytesIO(PNG), "scan.png")})
    attachment_id = _application(application_id).attachments[0].id
    other = login_as("seat11")
    for url in (f"/oa/applications/{application_id}", f"/oa/applications/{application_id}/diagram.json",
                f"/oa/applications/{application_id}/attachments/{attachment_id}"):
        assert other.get(url).status_code == 404, url
    assert other.post(f"/oa/applications/{application_id}/submit").status_code == 404
    # A draft is private even to its chosen handler; once submitted the handler sees it, a head of
    # another department does not.
    assert login_as("head01").get(f"/oa/applications/{application_id}").status_code == 404
    seat.post(f"/oa/applications/{application_id}/submit")
    assert login_as("head01").get(f"/oa/applications/{application_id}").status_code == 200
    assert login_as("head11").get(f"/oa/applications/{application_id}").status_code == 404
    assert login_as("seat11").get(f"/oa/applications/{application_id}").status_code == 404
    assert login_as("manager01").get(f"/oa/applications/{application_id}").status_code == 200  # monitor, branch


def test_attachments_are_checked_and_served_only_as_downloads(login_as, app):
    seat = login_as("seat01")
    application_id = _new_application(seat)
    url = f"/oa/applications/{application_id}/attachments"
    fake = seat.post(url, data={"attachments": (io.BytesIO(b"<script>alert(1)</script>"), "evil.png")})
    assert fake.status_code == 422 and "内容与其类型不符" in fake.get_data(as_text=True)
    exe = seat.post(url, data={"attachments": (io.BytesIO(b"MZ\x90\x00"), "tool.exe")})
    assert exe.status_code == 422 and "不支持的附件类型" in exe.get_data(as_text=True)
    from app.admin import params

    params.set_value(db.session, "oa.attachment_max_mb", "1")
    db.session.commit()
    # Encoded in memory: the test client would spool a body this size to a temporary file it never closes.
    boundary, body = encode_multipart({"attachments": FileStorage(io.BytesIO(b"%PDF-" + b"0" * (1024 * 1024 + 1)),
                                                                  "big.pdf")})
    big = seat.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert big.status_code == 422 and "超过 1 MB" in big.get_data(as_text=True)
    assert _application(application_id).attachments == []
    ok = seat.post(url, data={"attachments": (io.BytesIO("请假说明".encode()), "../../说明.txt")})
    assert ok.status_code == 302
    [attachment] = _application(application_id).attachments
    assert attachment.filename == "说明.txt" and attachment.content_type.startswith("text/plain")
    download = seat.get(f"{url}/{attachment.id}")
    assert download.status_code == 200 and download.data == "请假说明".encode()
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"


@SCOPE_SQL
def test_monitor_lists_route_current_handler_and_exports(login_as):
    seat = login_as("seat01")
    application_id = _new_application(seat)
    seat.post(f"/oa/applications/{application_id}/submit")
    _handle(login_as("head01"), application_id, "forward", next_handler="manager01")
    manager = login_as("manager01")
    page = manager.get("/oa/applications/monitor?q=测试申请").get_data(as_text=True)
    assert "李主管 → 王城经" in page and f"#{application_id}" in page
    assert f"#{application_id}" not in manager.get("/oa/applications/monitor?status=completed").get_data(as_text=True)
    export = manager.get("/oa/applications/monitor/export")
    assert export.status_code == 200 and export.mimetype.endswith("spreadsheetml.sheet")
    assert login_as("head11").get("/oa/applications/monitor?q=测试申请").get_data(as_text=True).count(
        f"#{application_id}") == 0
    assert login_as("seat01").get("/oa/applications/monitor").status_code == 403


def test_the_handler_task_is_in_the_chosen_handlers_inbox(login_as):
    seat = login_as("seat01")
    application_id = _new_application(seat, handler="manager01")
    seat.post(f"/oa/applications/{application_id}/submit")
    db.session.commit()
    [task] = db.session.scalars(select(WorkflowTask).where(
        WorkflowTask.business_key == f"oa_application:{application_id}", WorkflowTask.status == TaskStatus.OPEN)).all()
    assert task.assignee_id == user_named("manager01").id and task.form_key == "oa_application_handle"
    # The generic task page works too, and records the hop through the diagram's service task.
    manager = login_as("manager01")
    page = manager.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "下一处理人" in page and "测试申请" in page
    done = manager.post(f"/tasks/{task.id}/complete", data={"outcome": "complete", "comment": "好", "result": "noted"})
    assert done.status_code == 302
    application = _application(application_id)
    assert application.status == ApplicationStatus.COMPLETED and application.hops[0].result == "noted"


@pytest.mark.slow
@pytest.mark.db_sensitive
def test_four_hundred_hops_keep_working(app):
    """Far past SpiffWorkflow's silent loop limit (~333 rounds): each 50 hops continue in a new segment."""
    from app import workflow
    from app.oa import applications
    from app.workflow import views

    seat = user_named("seat01")
    head, manager = user_named("head01"), user_named("manager01")
    application = applications.create_application(db.session, seat, type_code="general", title="长链路",
                                                  description="测试", handler_id=head.id)
    applications.submit(db.session, application, seat)
    db.session.commit()
    handlers = [head, manager]
    for hop in range(400):
        actor, nxt = handlers[hop % 2], handlers[(hop + 1) % 2]
        task = applications.open_task(db.session, application, actor)
        assert task is not None, f"hop {hop}: no open task for {actor.username}"
        form = views.build_form(db.session, "oa_application_handle",
                                _formdata(comment=f"第{hop + 1}次", result="approve", next_handler_id=str(nxt.id)),
                                None, task=task, user=actor)
        assert form.validate(), form.errors
        applications.handle(db.session, application, actor, form, "forward", f"第{hop + 1}次")
        db.session.commit()
        if hop == 48:  # the last forward before the first segment ends: far from the engine's depth limit
            segment = workflow.load_workflow(db.session.get(ProcessInstance, application.instance_id))
            assert max(task.depth for task in segment.get_tasks()) < 200
    db.session.refresh(application)
    assert application.status == ApplicationStatus.PROCESSING
    assert application.hop_count == 401 and len(application.hops) == 401
    segments = db.session.scalars(select(ProcessInstance).where(
        ProcessInstance.business_key == application.business_key).order_by(ProcessInstance.id)).all()
    assert len(segments) == 9
    assert [s.status for s in segments] == [InstanceStatus.COMPLETED] * 8 + [InstanceStatus.RUNNING]
    task = applications.open_task(db.session, application, head)
    form = views.build_form(db.session, "oa_application_handle", _formdata(comment="终于办结", result="approve"),
                            None, task=task, user=head)
    applications.handle(db.session, application, head, form, "complete", "终于办结")
    db.session.commit()
    db.session.refresh(application)
    assert application.status == ApplicationStatus.COMPLETED and application.hops[-1].handling == "终于办结"


def test_cancelling_the_process_in_the_monitor_cancels_the_application(login_as):
    seat = login_as("seat01")
    application_id = _new_application(seat)
    seat.post(f"/oa/applications/{application_id}/submit")
    instance_id = _application(application_id).instance_id
    cancelled = login_as("designer01").post(f"/workflow/instances/{instance_id}/cancel", data={"reason": "重复提交"})
    assert cancelled.status_code == 302
    application = _application(application_id)
    assert application.status == ApplicationStatus.CANCELLED and application.current_handler_id is None
    assert "测试申请" not in login_as("head01").get("/oa/applications/todo").get_data(as_text=True).split(
        'id="done-table"')[0]


def _formdata(**values):
    from werkzeug.datastructures import MultiDict

    return MultiDict(values)


def test_a_draft_is_edited_with_its_own_fields_read_back(login_as):
    seat = login_as("seat01")
    application_id = _new_application(seat, type_code="expense", **{
        "details-category": "travel", "details-amount": "286.50", "details-expense_date": "2026-12-01"})
    page = seat.get(f"/oa/applications/{application_id}/edit").get_data(as_text=True)
    assert 'value="286.50"' in page and 'value="2026-12-01"' in page
    changed = seat.post(f"/oa/applications/{application_id}/edit", data={
        "type_code": "expense", "title": "出租车费", "handler_id": str(user_named("head01").id), "description": "改",
        "details-category": "travel", "details-amount": "300", "details-expense_date": "2026-12-02"})
    assert changed.status_code == 302
    assert _application(application_id).details == {"category": "travel", "amount": "300",
                                                    "expense_date": "2026-12-02"}
