"""Input the API fuzz run (test_api_fuzz.py) found answered with a 500 or an undocumented status: numbers
beyond the database's integer range, pages far past the end, unknown filter values. Each now gets a
documented answer with a Chinese message."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.customers.models import Customer
from app.extensions import db

# Larger than any 64-bit integer: SQLite refuses to bind it (OverflowError → 500 before the fix).
HUGE = 44306173066198958437564416
# Fits SQLite, but not PostgreSQL's INTEGER id columns ("integer out of range" → 500 before the fix).
BEYOND_INT4 = 2**31
# What only PostgreSQL refuses (32-bit INTEGER ids, no boolean = integer): make test runs these there too.
ON_POSTGRESQL_TOO = pytest.mark.db_sensitive
NOT_FOUND = {"error": {"code": "not_found", "message": "页面或数据不存在"}}


@pytest.mark.parametrize(("method", "path"), [
    ("GET", f"/api/v1/customers/{HUGE}"),
    ("PATCH", f"/api/v1/customers/{HUGE}"),
    ("GET", f"/api/v1/customers/{HUGE}/followups"),
    ("POST", f"/api/v1/customers/{HUGE}/followups"),
    ("GET", f"/api/v1/customers/{HUGE}/appointments"),
    ("POST", f"/api/v1/customers/{HUGE}/appointments"),
    ("PATCH", f"/api/v1/appointments/{HUGE}"),
    ("POST", f"/api/v1/appointments/{HUGE}/done"),
    ("GET", f"/api/v1/trades/{HUGE}"),
    ("POST", f"/api/v1/tasks/{HUGE}/complete"),
    pytest.param("GET", f"/api/v1/customers/{BEYOND_INT4}", marks=ON_POSTGRESQL_TOO),
    pytest.param("GET", f"/api/v1/orgs/{BEYOND_INT4}", marks=ON_POSTGRESQL_TOO),
    pytest.param("PATCH", f"/api/v1/appointments/{BEYOND_INT4}", marks=ON_POSTGRESQL_TOO),
])
def test_an_id_beyond_the_database_range_is_not_found(api_as, method, path):
    response = api_as("admin").request(method, path, json={"kind": "call", "outcome": "pass"})
    assert response.status_code == 404
    assert response.get_json() == NOT_FOUND


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/pools/assign", {"customer_ids": [HUGE], "seat_id": 1}),
    ("/api/v1/pools/assign", {"customer_ids": [1], "seat_id": -HUGE}),
    ("/api/v1/pools/public/claim", {"customer_ids": [HUGE]}),
    ("/api/v1/trades", {"customer_id": 1, "project_id": HUGE, "intended_amount": "100"}),
    pytest.param("/api/v1/pools/public/claim", {"customer_ids": [BEYOND_INT4]}, marks=ON_POSTGRESQL_TOO),
])
def test_a_json_integer_beyond_the_database_range_is_refused(api_as, path, body):
    response = api_as("admin").post(path, json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert error["message"].startswith("数值 ")
    assert "超出允许范围（整数的绝对值不能大于 2147483647）" in error["message"]


def test_a_customer_update_with_a_huge_category_is_refused_and_changes_nothing(api_as):
    customer = db.session.scalars(select(Customer).order_by(Customer.id)).first()
    response = api_as("admin").patch(f"/api/v1/customers/{customer.id}",
                                     json={"name": "改过的名字", "category_id": HUGE})
    assert response.status_code == 422
    assert "超出允许范围" in response.get_json()["error"]["message"]
    db.session.rollback()
    assert db.session.get(Customer, customer.id).name != "改过的名字"


@pytest.mark.parametrize("path", ["/api/v1/pools/personal", "/api/v1/trades", "/api/v1/customers"])
def test_a_page_far_past_the_end_is_an_empty_page(api_as, path):
    body = api_as("seat01").get(f"{path}?page=4315782102418188853584806805504&per_page=20").get_json()
    assert body["items"] == []
    assert (body["page"], body["per_page"]) == (1_000_000, 20)
    assert body["total"] == api_as("seat01").get(path).get_json()["total"]


def test_the_trade_project_filter_ignores_what_is_not_a_number(api_as):
    api = api_as("admin")
    everything = api.get("/api/v1/trades").get_json()["total"]
    assert everything > 0
    for project_id in ("²", "abc", ""):
        assert api.get("/api/v1/trades", query_string={"project_id": project_id}).get_json()["total"] == everything
    # A number no project can have finds nothing (before the fix: a 500 from the database driver).
    assert api.get("/api/v1/trades", query_string={"project_id": str(HUGE)}).get_json()["total"] == 0


@pytest.mark.parametrize("view", ["mine", "monitor"])
def test_an_unknown_application_status_is_refused(api_as, view):
    response = api_as("admin").get("/api/v1/oa/applications", query_string={"view": view, "status": "approved"})
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == "status 只能是 draft、processing、completed、cancelled"


def test_an_unknown_application_view_is_refused(api_as):
    response = api_as("seat01").get("/api/v1/oa/applications?view=all")
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == "view 只能是 mine、todo、monitor"


def test_an_unknown_task_tab_is_a_documented_refusal(api_as, client):
    # The validating client fails on any status the OpenAPI document does not list for the operation.
    response = api_as("seat01").get("/api/v1/tasks?tab=everything")
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == "tab 只能是 mine、group、delegated、done"
    tab = next(p for p in client.get("/api/v1/openapi.json").get_json()["paths"]["/tasks"]["get"]["parameters"]
               if p["name"] == "tab")
    assert tab["schema"]["enum"] == ["mine", "group", "delegated", "done"]


def test_creating_a_customer_for_an_unknown_seat_is_a_documented_not_found(api_as):
    # The validating client fails on a status the operation does not document (404 was missing).
    response = api_as("admin").post("/api/v1/customers", json={
        "name": "新客户", "phones": ["13812345678"], "org_id": 1, "seat_id": 1_000_000})
    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == "坐席不存在或不在您的管理范围内"


@pytest.mark.parametrize("username", ["admin", "hr01"])
def test_creating_a_user_in_an_org_that_does_not_exist_is_refused_alike_for_every_scope(api_as, username):
    response = api_as(username).post("/api/v1/users", json={
        "username": "ghost", "work_no": "G0001", "name": "无组织", "org_id": 987654, "password": "Api#Password2026"})
    assert response.status_code == 422
    assert response.get_json()["error"] == {"code": "validation_failed", "message": "组织不存在或不在您的数据范围内",
                                            "details": {"field": "org_id"}}


@pytest.mark.parametrize(("path", "body", "message"), [
    ("/api/v1/pools/public/claim", {"customer_ids": [True]}, "customer_ids 应为整数数组"),
    ("/api/v1/pools/assign", {"customer_ids": [1], "seat_id": True}, "seat_id 应为整数"),
    ("/api/v1/customers", {"name": "新客户", "phones": ["13812345678"], "org_id": True},
     "请指定您管理范围内的服务组织 org_id"),
])
@ON_POSTGRESQL_TOO
def test_true_is_not_an_id(api_as, path, body, message):
    # On PostgreSQL `id IN (true)` is an error (500 before the fix); on SQLite it quietly meant id 1.
    response = api_as("admin").post(path, json=body)
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == message
