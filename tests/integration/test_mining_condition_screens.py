"""挖掘条件 screens and API: permissions, CSRF, refusals that keep the typed form, data scope, live count."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.mining import conditions
from app.mining.models import MiningCondition
from tests.customer_helpers import fresh, make_customer, user

BATCH = "IMP-SCREEN-1"
SPEC = {"op": "and", "items": [{"field": "import_batch", "cmp": "in", "value": [BATCH]}]}


@pytest.fixture
def batch_customers(app):
    """One customer of the batch in head01's departments (理财一部) and one in 理财二部, outside them."""
    inside = make_customer("一部客户", org_code="SH-LC1-A")
    outside = make_customer("二部客户", org_code="SH-LC2")
    for customer in (inside, outside):
        customer.import_batch = BATCH
    db.session.commit()
    return inside, outside


def saved_count() -> int:
    fresh()
    return int(db.session.scalar(select(func.count()).select_from(MiningCondition)) or 0)


@pytest.mark.parametrize("url", ["/mining/conditions", "/mining/conditions/new"])
def test_a_seat_gets_403_on_the_condition_screens(login_as, url):
    assert login_as("seat01").get(url).status_code == 403


def test_the_menu_shows_mining_conditions_to_dept_heads_and_city_managers(login_as):
    for name in ("head01", "manager01"):
        page = login_as(name).get("/").get_data(as_text=True)
        assert "挖掘条件" in page and "/mining/conditions" in page
    assert "/mining/conditions" not in login_as("seat01").get("/").get_data(as_text=True)


def test_head01_saves_a_condition_and_sees_it_with_its_summary_and_count(login_as, batch_customers):
    client = login_as("head01")
    editor = client.get("/mining/conditions/new").get_data(as_text=True)
    assert 'id="condition-catalogue"' in editor and "import_batch" in editor and "mining_conditions.js" in editor
    response = client.post("/mining/conditions/new", data={"name": "一部导入客户", "description": "",
                                                           "spec": json.dumps(SPEC)})
    assert response.status_code == 302
    listing = client.get("/mining/conditions").get_data(as_text=True)
    assert "一部导入客户" in listing and f"导入编号 = {BATCH}" in listing and "李主管" in listing
    assert "意向客户 3 天无有效跟进" in listing and "未成交的 A 类客户" not in listing  # head11's demo condition
    row = listing[listing.index('data-condition="一部导入客户"'):]
    assert '<td class="text-end">1</td>' in row[:row.index("</tr>")]  # 二部客户 lies outside head01's scope


@pytest.mark.parametrize(("spec", "message"), [
    ({"op": "and", "items": []}, "请至少添加一个条件"),
    ({"op": "and", "items": [{"field": "age", "cmp": "between", "value": {"from": 60, "to": 30}}]},
     "条件互相矛盾：年龄 介于 60 至 30 岁"),
    ({"op": "and", "items": [{"field": "salary", "cmp": "in", "value": ["x"]}]}, "未知的条件字段：salary"),
])
def test_a_refused_condition_saves_nothing_and_keeps_what_was_typed(login_as, spec, message):
    before = saved_count()
    client = login_as("head01")
    response = client.post("/mining/conditions/new", data={"name": "我的条件", "description": "备注文字",
                                                           "spec": json.dumps(spec, ensure_ascii=False)})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and 'value="我的条件"' in page and 'value="备注文字"' in page
    assert "&#34;op&#34;" in page or "&quot;op&quot;" in page  # the typed spec is back in the hidden field
    assert saved_count() == before


def test_the_live_count_is_scoped_and_needs_the_csrf_header(login_as, batch_customers):
    inside, _outside = batch_customers
    client = login_as("head01")
    response = client.post("/mining/conditions/count", json={"spec": SPEC}, headers={"Accept": "application/json"})
    body = response.get_json()
    assert response.status_code == 200
    assert body["count"] == 1 and body["text"] == "符合条件的客户：1 个"
    assert [row["number"] for row in body["preview"]] == [inside.number]
    assert body["preview"][0]["type_label"] == "意向" and body["preview"][0]["pool_label"] == "部门信息池"
    assert "*" in body["preview"][0]["phone"]
    assert login_as("manager01").post("/mining/conditions/count", json={"spec": SPEC}).get_json()["count"] == 2
    refused = client.post("/mining/conditions/count", json={"spec": {"op": "and", "items": []}},
                          headers={"Accept": "application/json"})
    assert refused.status_code == 422 and refused.get_json()["error"]["message"] == "请至少添加一个条件"
    assert client.post("/mining/conditions/count", json={"spec": SPEC}, csrf=False).status_code == 400


def test_another_departments_condition_is_404_and_cannot_be_changed(login_as, app):
    before = saved_count()
    condition = conditions.create(db.session, user("head11"), "二部条件", SPEC)
    db.session.commit()
    client = login_as("head01")
    assert client.get(f"/mining/conditions/{condition.id}").status_code == 404
    assert client.post(f"/mining/conditions/{condition.id}/delete").status_code == 404
    own = login_as("head11")
    assert "二部条件" in own.get(f"/mining/conditions/{condition.id}").get_data(as_text=True)
    assert own.post(f"/mining/conditions/{condition.id}", data={
        "name": "二部条件（改）", "description": "", "spec": json.dumps(SPEC)}).status_code == 302
    assert own.post(f"/mining/conditions/{condition.id}/delete").status_code == 302
    assert saved_count() == before


def test_the_api_lists_creates_reads_updates_counts_and_deletes(api_as, batch_customers):
    api = api_as("head01")
    listed = api.get("/api/v1/mining/conditions").get_json()["total"]  # the demo's own condition
    created = api.post("/api/v1/mining/conditions", json={"name": "API 条件", "spec": SPEC})
    assert created.status_code == 201
    body = created.get_json()
    assert body["summary"] == f"导入编号 = {BATCH}" and body["spec"] == SPEC
    condition_id = body["id"]
    assert api.get("/api/v1/mining/conditions").get_json()["total"] == listed + 1
    assert api.get(f"/api/v1/mining/conditions/{condition_id}").get_json()["name"] == "API 条件"
    changed = {"op": "or", "items": [*SPEC["items"], {"field": "dealt", "cmp": "is", "value": True}]}
    updated = api.put(f"/api/v1/mining/conditions/{condition_id}", json={"name": "API 条件 2", "spec": changed})
    assert updated.status_code == 200 and updated.get_json()["summary"] == f"导入编号 = {BATCH} 或 是否成交 = 是"
    counted = api.post("/api/v1/mining/conditions/count", json={"spec": SPEC}).get_json()
    assert counted["count"] == 1 and len(counted["preview"]) == 1
    refused = api.post("/api/v1/mining/conditions", json={"name": "坏条件", "spec": {"op": "and", "items": []}})
    assert refused.status_code == 422 and refused.get_json()["error"]["message"] == "请至少添加一个条件"
    assert api_as("head11").get(f"/api/v1/mining/conditions/{condition_id}").status_code == 404
    assert api_as("seat01").get("/api/v1/mining/conditions").status_code == 403
    assert api.delete(f"/api/v1/mining/conditions/{condition_id}").status_code == 204
    assert api.get(f"/api/v1/mining/conditions/{condition_id}").status_code == 404
