"""Core API: the caller's own account, users and orgs (admins and HR)."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.api import spec
from app.api.routes import bp, page_args, page_body
from app.auth.models import User
from app.auth.permissions import current_permissions, require
from app.extensions import db
from app.org import scope as data_scope
from app.org.access import ORG_MANAGE, USER_VIEW
from app.org.models import Org

ORG = spec.schema("Org", {
    "type": "object",
    "required": ["id", "name", "code", "kind", "parent_id", "active"],
    "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "code": {"type": "string"},
        "kind": {"type": "string", "enum": ["company", "branch", "department", "group"]},
        "parent_id": {"type": "integer", "nullable": True}, "active": {"type": "boolean"},
    },
})
USER = spec.schema("User", {
    "type": "object",
    "required": ["id", "username", "work_no", "name", "org_id", "status", "roles"],
    "properties": {
        "id": {"type": "integer"}, "username": {"type": "string"}, "work_no": {"type": "string"},
        "name": {"type": "string"}, "org_id": {"type": "integer"}, "org_name": {"type": "string"},
        "level": {"type": "string"}, "tier": {"type": "string"}, "weight": {"type": "integer"},
        "status": {"type": "string", "enum": ["active", "left"]},
        "roles": {"type": "array", "items": {"type": "string"}},
    },
})
ME = spec.schema("Me", {
    "allOf": [{"$ref": USER}, {"type": "object", "required": ["permissions", "data_scope"], "properties": {
        "permissions": {"type": "array", "items": {"type": "string"}},
        "data_scope": {"type": "string"},
    }}],
})


def org_json(org: Org) -> dict[str, Any]:
    return {"id": org.id, "name": org.name, "code": org.code, "kind": org.kind.value,
            "parent_id": org.parent_id, "active": org.active}


def user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "work_no": user.work_no, "name": user.name,
            "org_id": user.org_id, "org_name": user.org.name, "level": user.level, "tier": user.tier,
            "weight": user.weight, "status": user.status.value, "roles": sorted(user.role_codes)}


spec.operation("get", "/me", summary="当前用户", tag="账户", response=ME, errors=())


@bp.get("/me")
@login_required
def me() -> Any:
    body = user_json(current_user)
    body["permissions"] = sorted(current_permissions())
    body["data_scope"] = data_scope.scope_of(db.session, current_user).level.value
    return jsonify(body)


spec.operation("get", "/users", summary="用户列表（数据范围内）", tag="账户", response=spec.page_of(USER),
               parameters=spec.PAGE_PARAMS, errors=(403,))


@bp.get("/users")
@require(USER_VIEW)
def users() -> Any:
    page, per_page = page_args()
    scope = data_scope.scope_of(db.session, current_user, USER_VIEW)
    stmt = data_scope.apply(select(User), scope, User.org_id, User.id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(stmt.order_by(User.id).limit(per_page).offset((page - 1) * per_page))
    return jsonify(page_body([user_json(u) for u in rows], page, per_page, total))


spec.operation("get", "/users/{user_id}", summary="用户详情", tag="账户", response=USER,
               parameters=[spec.path_param("user_id")])


@bp.get("/users/<int:user_id>")
@require(USER_VIEW)
def user_detail(user_id: int) -> Any:
    scope = data_scope.scope_of(db.session, current_user, USER_VIEW)
    user = data_scope.get_or_404(db.session, User, user_id, scope, owner_attr="id")
    return jsonify(user_json(user))


spec.operation("get", "/orgs", summary="组织列表（数据范围内）", tag="组织",
               response={"type": "array", "items": {"$ref": ORG}}, errors=(403,))


@bp.get("/orgs")
@require(ORG_MANAGE, USER_VIEW)
def orgs() -> Any:
    scope = data_scope.scope_of(db.session, current_user)
    stmt = data_scope.apply(select(Org), scope, Org.id).order_by(Org.path)
    return jsonify([org_json(o) for o in db.session.scalars(stmt)])


spec.operation("get", "/orgs/{org_id}", summary="组织详情", tag="组织", response=ORG,
               parameters=[spec.path_param("org_id")])


@bp.get("/orgs/<int:org_id>")
@require(ORG_MANAGE, USER_VIEW)
def org_detail(org_id: int) -> Any:
    scope = data_scope.scope_of(db.session, current_user)
    return jsonify(org_json(data_scope.get_or_404(db.session, Org, org_id, scope, org_attr="id")))
