"""The workflow API with CSRF protection on app-wide, as in production (OpenAPI-validated): tasks with form
fields complete with a Bearer token alone, and processes start by the same rule as the 发起流程 screen."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.oa.models import Application, ApplicationStatus
from app.trades.models import TradeStatus
from app.workflow.models import ProcessInstance
from tests.conftest import user_named
from tests.integration.trading import customers_of, make_project, reload


def _open_task(api, process: str, business_key: str) -> int:
    items = api.get(f"/api/v1/tasks?process={process}&per_page=200").get_json()["items"]
    [task] = [t for t in items if t["business_key"] == business_key]
    return task["id"]


def test_csrf_is_on_for_the_screens_while_the_api_completes_a_finance_audit(app, api_as, login_as):
    assert app.config["WTF_CSRF_ENABLED"] is not False
    project = make_project()
    customer = customers_of("seat01")[0]
    created = api_as("seat01").post("/api/v1/trades", json={
        "customer_id": customer.id, "project_id": project.id, "intended_amount": "1200000.00"})
    assert created.status_code == 201, created.get_json()
    trade_id = created.get_json()["id"]
    finance = api_as("finance01")
    task_id = _open_task(finance, "trade_review", f"trade:{trade_id}")
    done = finance.post(f"/api/v1/tasks/{task_id}/complete", json={
        "outcome": "pass", "comment": "已到账",
        "data": {"arrival_date": clock.today().isoformat(), "arrival_amount": "1200000.00"}})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["status"] == "completed"
    trade = reload(trade_id)
    assert trade.status == TradeStatus.VERIFICATION and trade.arrival_amount == Decimal("1200000.00")
    # The screens still refuse a post without the token.
    refused = login_as("seat01").post("/oa/todos/new", data={"title": "x"}, csrf=False)
    assert refused.status_code == 400


def test_an_oa_handler_forwards_and_completes_through_the_api(api_as):
    seat = api_as("seat01")
    created = seat.post("/api/v1/oa/applications", json={
        "type_code": "general", "title": "申请新电脑", "description": "旧电脑坏了",
        "handler_id": user_named("head01").id, "submit": True})
    assert created.status_code == 201, created.get_json()
    application_id = created.get_json()["id"]
    head = api_as("head01")
    db.session.commit()
    key = db.session.get(Application, application_id).business_key
    task_id = _open_task(head, "oa_application", key)
    missing = head.post(f"/api/v1/tasks/{task_id}/complete", json={"outcome": "forward", "comment": "请审批",
                                                                    "data": {"result": "approve"}})
    assert missing.status_code == 422 and "下一处理人" in missing.get_json()["error"]["message"]
    forwarded = head.post(f"/api/v1/tasks/{task_id}/complete", json={
        "outcome": "forward", "comment": "部门同意，请城市经理审批",
        "data": {"result": "approve", "next_handler_id": user_named("manager01").id}})
    assert forwarded.status_code == 200, forwarded.get_json()
    manager = api_as("manager01")
    done = manager.post(f"/api/v1/tasks/{_open_task(manager, 'oa_application', key)}/complete", json={
        "outcome": "complete", "comment": "同意采购", "data": {"result": "approve"}})
    assert done.status_code == 200, done.get_json()
    db.session.commit()
    application = db.session.get(Application, application_id)
    assert application.status == ApplicationStatus.COMPLETED
    assert [h.handler.username for h in application.hops] == ["head01", "manager01"]


def _care_instances() -> list[ProcessInstance]:
    db.session.commit()
    return list(db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "test_care_callback")))


def test_the_api_starts_a_process_by_its_start_roles_with_the_start_form(api_as, deploy_fixture):
    deploy_fixture("care_callback")  # startRoles: seat, process_designer
    seat = api_as("seat01")
    invalid = seat.post("/api/v1/process-instances", json={"process_key": "test_care_callback",
                                                             "data": {"callback_on": "not a date"}})
    assert invalid.status_code == 422 and "客户姓名" in invalid.get_json()["error"]["message"]
    assert _care_instances() == []
    started = seat.post("/api/v1/process-instances", json={
        "process_key": "test_care_callback", "business_key": "care:7",
        "data": {"customer_name": "王五", "callback_on": clock.today().isoformat()}})
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    assert body["business_key"] == "care:7" and [t["name"] for t in body["current_tasks"]] == ["电话回访"]
    [instance] = _care_instances()
    me = user_named("seat01")
    assert (instance.owner_id, instance.org_id, instance.started_by_id) == (me.id, me.org_id, me.id)


def test_the_api_refuses_a_start_the_screen_would_refuse(api_as, deploy_fixture):
    deploy_fixture("care_callback")
    deploy_fixture("approval")  # no startRoles: started only by domain code
    finance = api_as("finance01").post("/api/v1/process-instances", json={"process_key": "test_care_callback"})
    assert finance.status_code == 403
    assert finance.get_json()["error"]["message"] == "您的角色不能发起“客户回访”：可发起角色为 流程设计、坐席"
    for user in ("designer01", "seat01", "admin"):
        refused = api_as(user).post("/api/v1/process-instances", json={"process_key": "test_approval"})
        assert refused.status_code == 403, user
        assert "不能手工发起" in refused.get_json()["error"]["message"]
    missing = api_as("seat01").post("/api/v1/process-instances", json={"process_key": "nope"})
    assert missing.status_code == 404 and "尚未部署" in missing.get_json()["error"]["message"]
    assert _care_instances() == []


def test_a_start_cannot_borrow_a_trade_as_its_business_object(api_as, deploy_fixture):
    """The task page shows the object a business key names: a seat may not attach another department's trade."""
    deploy_fixture("care_callback")
    borrowed = api_as("seat01").post("/api/v1/process-instances", json={
        "process_key": "test_care_callback", "business_key": "trade:1",
        "data": {"customer_name": "王五", "callback_on": clock.today().isoformat()}})
    assert borrowed.status_code == 422
    assert borrowed.get_json()["error"]["message"] == (
        "业务编号“trade:1”是业务对象的编号，不能直接指定：请在该对象的页面上发起流程"
        "（接口用 customer_id、project_id 或 trade_id），系统会核对您能否查看它")
    assert _care_instances() == []
