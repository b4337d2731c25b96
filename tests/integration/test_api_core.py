"""Core API: /me, users and orgs inside the data scope, POST /users, and the OpenAPI document itself."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select

from app.extensions import db
from app.org.models import Org
from tests.conftest import audit_rows, login, user_named

# The data scope is SQL (prefix LIKE on org paths, case-insensitive search): prove it on PostgreSQL too.
SCOPE_SQL = pytest.mark.db_sensitive

NEW_USER = {"username": "api_user", "work_no": "S0077", "name": "接口新人", "password": "Api#Password2026",
            "level": "初级", "tier": "P1", "weight": 2, "phone": "13900000000"}


def org_id(code: str) -> int:
    found = db.session.scalar(select(Org.id).where(Org.code == code))
    assert found is not None
    return found


def test_openapi_document_is_valid(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert {"/me", "/users", "/users/{user_id}", "/orgs", "/orgs/{org_id}"} <= set(document["paths"])
    assert set(document["paths"]["/users"]) == {"get", "post"}
    assert "201" in document["paths"]["/users"]["post"]["responses"]


def test_me_describes_the_caller(api_as):
    body = api_as("seat01").get("/api/v1/me").get_json()
    assert (body["username"], body["name"], body["data_scope"], body["roles"]) == ("seat01", "张坐席", "self", ["seat"])
    assert "users.view" not in body["permissions"]
    head = api_as("head01").get("/api/v1/me").get_json()
    assert head["data_scope"] == "department_tree" and "users.view" in head["permissions"]


def test_api_needs_a_valid_bearer_token_and_ignores_cookies(app, api_as):
    client = app.test_client()
    missing = client.get("/api/v1/me")
    assert missing.status_code == 401
    assert missing.get_json() == {"error": {"code": "unauthenticated", "message": "请先登录"}}
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer lf_forged"}).status_code == 401
    login(client, "admin")  # a browser session cookie does not authenticate the API
    assert client.get("/api/v1/me").status_code == 401


@SCOPE_SQL
def test_user_list_is_paginated_and_scoped(api_as):
    admin = api_as("admin")
    everyone = admin.get("/api/v1/users?per_page=5").get_json()
    assert everyone["total"] == 15 and len(everyone["items"]) == 5  # with cti01, the telephony system's account
    assert len(admin.get("/api/v1/users?per_page=5&page=3").get_json()["items"]) == 5
    dept = api_as("head01").get("/api/v1/users").get_json()
    assert {u["username"] for u in dept["items"]} == {"head01", "seat01", "seat02", "finance01", "finance02"}
    assert dept["total"] == 5
    refused = api_as("seat01").get("/api/v1/users")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"


@SCOPE_SQL
@pytest.mark.parametrize(("viewer", "own", "other"), [("head01", "seat01", "seat11"), ("head11", "seat11", "seat01")])
def test_department_heads_cannot_read_each_others_users_by_id(api_as, viewer, own, other):
    api = api_as(viewer)
    mine = api.get(f"/api/v1/users/{user_named(own).id}")
    assert mine.status_code == 200 and mine.get_json()["username"] == own
    theirs = api.get(f"/api/v1/users/{user_named(other).id}")
    assert theirs.status_code == 404
    assert theirs.get_json()["error"] == {"code": "not_found", "message": "记录不存在或您无权查看"}


@pytest.mark.parametrize("path", ["/api/v1/users/{seat02}", "/api/v1/users/{seat11}", "/api/v1/orgs/{team}",
                                  "/api/v1/orgs/{department}", "/api/v1/orgs",
                                  "/api/v1/users/999999"])  # no hint whether the id exists
def test_seats_cannot_read_users_or_orgs_by_id(api_as, path):
    ids = {"seat02": user_named("seat02").id, "seat11": user_named("seat11").id, "team": org_id("SH-LC1-A"),
           "department": org_id("SH-LC2")}
    assert api_as("seat01").get(path.format(**ids)).status_code == 403


@SCOPE_SQL
def test_org_list_and_detail_follow_the_scope(api_as):
    assert len(api_as("admin").get("/api/v1/orgs").get_json()) == 6
    head01 = api_as("head01")
    assert [o["code"] for o in head01.get("/api/v1/orgs").get_json()] == ["SH-LC1", "SH-LC1-A"]
    assert head01.get(f"/api/v1/orgs/{org_id('SH-LC1-A')}").get_json()["name"] == "理财一部A组"
    assert head01.get(f"/api/v1/orgs/{org_id('SH-LC2')}").status_code == 404
    head11 = api_as("head11")
    assert [o["code"] for o in head11.get("/api/v1/orgs").get_json()] == ["SH-LC2"]
    assert head11.get(f"/api/v1/orgs/{org_id('SH-LC1')}").status_code == 404
    assert head11.get("/api/v1/orgs/999999").status_code == 404


@SCOPE_SQL
def test_a_role_without_the_permission_does_not_widen_the_scope(api_as):
    from app.auth.models import DataScope, Role

    head01 = user_named("head01")
    head01.roles.append(Role(code="reporting", name="报表查看", data_scope=DataScope.ALL))  # no permissions
    db.session.commit()
    api = api_as("head01")
    assert [o["code"] for o in api.get("/api/v1/orgs").get_json()] == ["SH-LC1", "SH-LC1-A"]
    assert api.get(f"/api/v1/orgs/{org_id('SH-LC2')}").status_code == 404
    assert api.get(f"/api/v1/users/{user_named('seat11').id}").status_code == 404
    assert api.get("/api/v1/users").get_json()["total"] == 5


# --- POST /users -----------------------------------------------------------------------------------------


def test_hr_creates_a_user_through_the_api(app, api_as):
    response = api_as("hr01").post("/api/v1/users", json={**NEW_USER, "org_id": org_id("SH-LC2"),
                                                          "superior_id": user_named("head11").id})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["username"], body["org_name"], body["roles"], body["weight"]) == ("api_user", "理财二部", [], 2)
    assert response.headers["Location"] == f"/api/v1/users/{body['id']}"
    created = user_named("api_user")
    assert created.superior.username == "head11"
    assert audit_rows("create", created)[0].actor_name == "钱人事"
    assert login(app.test_client(), "api_user", NEW_USER["password"])


def test_admin_creates_a_user_with_roles(api_as):
    response = api_as("admin").post("/api/v1/users", json={**NEW_USER, "org_id": org_id("SH-LC1-A"),
                                                           "roles": ["seat", "finance"]})
    assert response.status_code == 201 and response.get_json()["roles"] == ["finance", "seat"]
    row = audit_rows("user.roles", user_named("api_user"))[-1]
    assert row.after == {"roles": ["finance", "seat"]}


@pytest.mark.parametrize(("who", "changes", "status", "message"), [
    ("hr01", {"org_id": None}, 422, "缺少字段：org_id"),
    ("hr01", {"password": ""}, 422, "缺少字段：password"),
    ("hr01", {"weight": "2"}, 422, "字段 weight 的类型不正确"),
    ("hr01", {"org_id": True}, 422, "字段 org_id 的类型不正确"),
    ("hr01", {"roles": "seat"}, 422, "字段 roles 的类型不正确"),
    ("hr01", {"password": "short"}, 422, "密码至少需要 12 个字符"),
    ("hr01", {"username": "seat01"}, 409, "用户名 seat01 已存在"),
    ("hr01", {"org_code": "HQ"}, 422, "组织不存在或不在您的数据范围内"),
    ("hr01", {"org_id": 999999}, 422, "组织不存在或不在您的数据范围内"),
    ("hr01", {"superior_id": 1}, 422, "直属上级不存在或不在您的数据范围内"),
    ("hr01", {"roles": ["seat"]}, 403, "您没有分配角色的权限"),
    ("admin", {"roles": ["seat", "wizard"]}, 422, "角色不存在：wizard"),
    ("admin", {"level": "特级"}, 422, "层级“特级”不在基础数据“员工层级”中"),
    ("head01", {}, 403, "您没有权限访问此页面或数据"),
    ("seat01", {}, 403, "您没有权限访问此页面或数据"),
])
def test_bad_user_creation_is_refused_with_a_json_error(api_as, who, changes, status, message):
    body = {**NEW_USER, "org_id": org_id("SH-LC2"), **changes}
    if "org_code" in body:
        body["org_id"] = org_id(body.pop("org_code"))
    body = {key: value for key, value in body.items() if value is not None}
    response = api_as(who).post("/api/v1/users", json=body)
    assert response.status_code == status
    assert message in response.get_json()["error"]["message"]
    db.session.rollback()
    from app.auth.models import User

    assert db.session.scalar(select(User.id).where(User.work_no == "S0077")) is None


def test_non_json_bodies_are_refused(api_as):
    response = api_as("admin").post("/api/v1/users", data="username=x", content_type="text/plain")
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == "请求体必须是 JSON 对象"
