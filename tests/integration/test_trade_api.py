"""Trade and project API (OpenAPI-validated): create, list, get; the review through the task endpoints."""

from __future__ import annotations

from datetime import date

from app.trades.models import TradeStatus
from tests.integration.trading import customers_of, make_project, reload


def test_seat_creates_a_trade_and_the_review_runs_through_the_task_api(api_as):
    project = make_project()
    customer = customers_of("seat01")[0]
    seat = api_as("seat01")
    offered = seat.get("/api/v1/projects").get_json()
    assert project.code in {p["code"] for p in offered["items"]}
    assert all(p["stage"] == "raising" for p in offered["items"])
    response = seat.post("/api/v1/trades", json={"customer_id": customer.id, "project_id": project.id,
                                                 "intended_amount": "1500000.00", "remark": "电话下单"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "finance_audit" and body["arrival_amount"] == "1500000.00"
    assert body["customer_number"] == customer.number and response.headers["Location"].endswith(f"/{body['id']}")

    finance = api_as("finance01")
    trade = finance.get(f"/api/v1/trades/{body['id']}").get_json()
    task_id = trade["open_task_id"]
    assert task_id in {t["id"] for t in finance.get("/api/v1/tasks?process=trade_review").get_json()["items"]}
    bad = finance.post(f"/api/v1/tasks/{task_id}/complete", json={"outcome": "pass", "data": {}})
    assert bad.status_code == 422 and "到账时间" in bad.get_json()["error"]["message"]
    done = finance.post(f"/api/v1/tasks/{task_id}/complete", json={
        "outcome": "pass", "comment": "已到账",
        "data": {"arrival_date": date.today().isoformat(), "arrival_amount": "1500000.00"}})
    assert done.status_code == 200, done.get_json()
    assert reload(body["id"]).status == TradeStatus.VERIFICATION
    listed = seat.get("/api/v1/trades?status=verification").get_json()
    assert body["id"] in {t["id"] for t in listed["items"]}


def test_bad_trade_requests_are_refused_in_chinese(api_as):
    project = make_project(minimum="1000000")
    seat = api_as("seat01")
    mine = customers_of("seat01")[0].id
    cases = [
        ({"customer_id": mine, "project_id": project.id, "intended_amount": "500000"}, 422, "低于项目起购金额"),
        ({"customer_id": mine, "project_id": project.id, "intended_amount": "1e3x"}, 422, "意向金额格式不正确"),
        ({"customer_id": mine, "project_id": project.id, "intended_amount": "1000000.001"}, 422, "最多两位小数"),
        ({"customer_id": "1", "project_id": project.id, "intended_amount": "1000000"}, 422, "customer_id"),
        ({"customer_id": customers_of("seat11")[0].id, "project_id": project.id, "intended_amount": "1000000"},
         404, "不存在"),
    ]
    for body, code, message in cases:
        response = seat.post("/api/v1/trades", json=body)
        assert response.status_code == code, (body, response.get_json())
        assert message in response.get_json()["error"]["message"]
    assert api_as("finance01").post("/api/v1/trades", json=cases[0][0]).status_code == 403


def test_project_api_for_maintainers_shows_scope_and_virtual_figures(api_as):
    project = make_project()
    service = api_as("service01")
    listed = service.get("/api/v1/projects?stage=raising&per_page=200").get_json()
    assert project.code in {p["code"] for p in listed["items"]}
    detail = service.get(f"/api/v1/projects/{project.id}").get_json()
    assert detail["lp_amount"] == "3000000.00" and detail["virtual_lp_count"] == 0
    assert api_as("hr01").get("/api/v1/projects").status_code == 403
    preparing = make_project(publish=False)
    assert api_as("seat01").get(f"/api/v1/projects/{preparing.id}").status_code == 404
