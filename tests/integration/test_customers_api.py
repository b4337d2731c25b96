"""Customers API: search, create, read, update — every response validated against the OpenAPI document."""

from __future__ import annotations

from tests.customer_helpers import fresh, make_customer, new_phone, org, user


def test_seat_creates_into_own_pool_and_reads_it_back(api_as):
    api = api_as("seat01")
    response = api.post("/api/v1/customers", json={
        "name": "接口新客", "phones": ["13800000001", "021-12345678"], "id_number": "110105491231002",
        "type": "intent", "tags": "接口,测试", "address": "上海市"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["number"].startswith("KH") and body["service_seat_id"] == user("seat01").id
    assert body["pool"] == "personal" and body["id_number"] == "11010519491231002X"
    assert body["birthday"] == "1949-12-31" and body["tags"] == ["接口", "测试"]
    assert [p["phone"] for p in body["phones"]] == ["13800000001", "02112345678"]
    assert api.get(f"/api/v1/customers/{body['id']}").get_json()["name"] == "接口新客"


def test_validation_errors_are_chinese_json(api_as):
    api = api_as("seat01")
    bad_id = api.post("/api/v1/customers", json={"name": "坏证件", "phones": [new_phone()],
                                                 "id_number": "110105194912310021"})
    assert bad_id.status_code == 422 and "校验位不正确" in bad_id.get_json()["error"]["message"]
    no_phone = api.post("/api/v1/customers", json={"name": "没电话", "phones": [""]})
    assert no_phone.status_code == 422 and no_phone.get_json()["error"]["message"] == "请至少填写一个电话号码"
    existing = make_customer("已存在", seat="seat01", phones=["13800000002"])
    duplicate = api.post("/api/v1/customers", json={"name": "重复", "phones": ["13800000002"]})
    assert duplicate.status_code == 409 and existing.number in duplicate.get_json()["error"]["message"]


def test_head_creates_into_a_managed_org_and_assigns_a_seat(api_as):
    api = api_as("head01")
    dept = api.post("/api/v1/customers", json={"name": "部门池客户", "phones": [new_phone()],
                                               "org_id": org("SH-LC1").id})
    assert dept.status_code == 201 and dept.get_json()["pool"] == "department"
    seated = api.post("/api/v1/customers", json={"name": "给坐席", "phones": [new_phone()],
                                                 "org_id": org("SH-LC1").id, "seat_id": user("seat02").id})
    assert seated.get_json()["service_seat_id"] == user("seat02").id
    refused = api.post("/api/v1/customers", json={"name": "越权", "phones": [new_phone()],
                                                  "org_id": org("SH-LC2").id})
    assert refused.status_code == 422 and "服务组织" in refused.get_json()["error"]["message"]


def test_patch_changes_only_the_given_fields(api_as):
    customer = make_customer("部分修改", seat="seat01", type_="intent")
    api = api_as("seat01")
    response = api.patch(f"/api/v1/customers/{customer.id}", json={"grade": "A", "type": "valid"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["name"], body["grade"], body["type"]) == ("部分修改", "A", "valid")


def test_search_and_filters(api_as):
    make_customer("搜索目标", seat="seat01", phones=["13800000009"], type_="valid")
    fresh()
    api = api_as("seat01")
    found = api.get("/api/v1/customers", query_string={"q": "0000009", "type": "valid"}).get_json()
    assert [c["name"] for c in found["items"]] == ["搜索目标"] and found["total"] == 1
    assert api.get("/api/v1/customers", query_string={"q": "0000009", "type": "new"}).get_json()["total"] == 0
