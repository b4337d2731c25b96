"""Core API: the caller's own account, users (list, detail, create) and orgs, all inside the data scope."""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.api import spec
from app.api.routes import bp, page_args, page_body
from app.auth.models import Role, User
from app.auth.permissions import ADMIN_ROLE, can, current_permissions, require
from app.errors import Forbidden, ValidationFailed
from app.extensions import db
from app.inputs import json_object
from app.org import scope as data_scope
from app.org import services as org_services
from app.org.access import ORG_MANAGE, USER_MANAGE, USER_ROLES, USER_VIEW
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
USER_CREATE = spec.schema("UserCreate", {
    "type": "object",
    "required": ["username", "work_no", "name", "org_id", "password"],
    "properties": {
        "username": {"type": "string", "maxLength": 50}, "work_no": {"type": "string", "maxLength": 30},
        "name": {"type": "string", "maxLength": 50}, "org_id": {"type": "integer"},
        "password": {"type": "string", "writeOnly": True, "description": "初始密码：至少 12 个字符，含三类字符"},
        "superior_id": {"type": "integer", "nullable": True}, "level": {"type": "string"}, "tier": {"type": "string"},
        "weight": {"type": "integer", "minimum": 0, "maximum": 1000}, "phone": {"type": "string"},
        "email": {"type": "string"},
        "roles": {"type": "array", "items": {"type": "string"}, "description": "角色编码；需要“用户角色维护”权限"},
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


spec.operation("post", "/users", summary="新建用户（人事、管理员）", tag="账户", response=USER, status=201,
               request=USER_CREATE, errors=(403, 409, 422))

_USER_FIELDS: dict[str, type] = {"username": str, "work_no": str, "name": str, "org_id": int, "password": str,
                                 "superior_id": int, "level": str, "tier": str, "weight": int, "phone": str,
                                 "email": str, "roles": list}


def _user_body() -> dict[str, Any]:
    body = json_object()
    missing = [name for name in ("username", "work_no", "name", "org_id", "password") if body.get(name) in (None, "")]
    if missing:
        raise ValidationFailed("缺少字段：" + "、".join(missing), details={"missing": missing})
    for name, kind in _USER_FIELDS.items():
        value = body.get(name)
        # bool is an int in Python, but true is no org id.
        if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
            raise ValidationFailed(f"字段 {name} 的类型不正确", details={"field": name})
    if not all(isinstance(code, str) for code in body.get("roles") or []):
        raise ValidationFailed("字段 roles 应为角色编码列表", details={"field": "roles"})
    return body


@bp.post("/users")
@require(USER_MANAGE)
def create_user() -> Any:
    body = _user_body()
    scope = data_scope.scope_of(db.session, current_user, USER_MANAGE)
    # covers() admits any id for the widest scope, so existence is checked too: same answer for every caller.
    if db.session.get(Org, body["org_id"]) is None or not data_scope.covers(db.session, scope, body["org_id"]):
        raise ValidationFailed("组织不存在或不在您的数据范围内", details={"field": "org_id"})
    superior = db.session.get(User, body["superior_id"]) if body.get("superior_id") else None
    if body.get("superior_id") and (superior is None or not data_scope.covers(db.session, scope, superior.org_id)):
        raise ValidationFailed("直属上级不存在或不在您的数据范围内", details={"field": "superior_id"})
    role_codes = sorted(set(body.get("roles") or []))
    if role_codes:
        _check_role_grant(role_codes)
    user = org_services.create_user(
        db.session, username=body["username"], work_no=body["work_no"], name=body["name"], org_id=body["org_id"],
        password=body["password"], level=body.get("level") or "", tier=body.get("tier") or "",
        weight=body["weight"] if body.get("weight") is not None else 1, superior_id=body.get("superior_id"),
        phone=body.get("phone") or "", email=body.get("email") or "", role_codes=role_codes,
    )
    db.session.commit()
    response = jsonify(user_json(user))
    response.status_code = 201
    response.headers["Location"] = url_for("api.user_detail", user_id=user.id)
    return response


def _check_role_grant(role_codes: list[str]) -> None:
    if not can(USER_ROLES):
        raise Forbidden("您没有分配角色的权限（用户角色维护）")
    if ADMIN_ROLE in role_codes and ADMIN_ROLE not in current_user.role_codes:
        raise Forbidden("只有系统管理员可以授予系统管理员角色")
    known = set(db.session.scalars(select(Role.code).where(Role.code.in_(role_codes))))
    if unknown := [code for code in role_codes if code not in known]:
        raise ValidationFailed("角色不存在：" + "、".join(unknown), details={"field": "roles"})


spec.operation("get", "/users/{user_id}", summary="用户详情", tag="账户", response=USER,
               parameters=[spec.path_param("user_id")])


@bp.get("/users/<int:user_id>")
@require(USER_VIEW)
def user_detail(user_id: int) -> Any:
    scope = data_scope.scope_of(db.session, current_user, USER_VIEW)
    user = data_scope.get_or_404(db.session, User, user_id, scope, owner_attr="id")
    return jsonify(user_json(user))


def _org_scope() -> data_scope.Scope:
    # The widest scope among the permissions that admit the caller, not among every role they hold:
    # a role granting neither permission must not widen what the org endpoints show.
    scopes = [data_scope.scope_of(db.session, current_user, code) for code in (ORG_MANAGE, USER_VIEW) if can(code)]
    return max(scopes, key=lambda scope: scope.level.rank)


spec.operation("get", "/orgs", summary="组织列表（数据范围内）", tag="组织",
               response={"type": "array", "items": {"$ref": ORG}}, errors=(403,))


@bp.get("/orgs")
@require(ORG_MANAGE, USER_VIEW)
def orgs() -> Any:
    scope = _org_scope()
    stmt = data_scope.apply(select(Org), scope, Org.id).order_by(Org.path)
    return jsonify([org_json(o) for o in db.session.scalars(stmt)])


spec.operation("get", "/orgs/{org_id}", summary="组织详情", tag="组织", response=ORG,
               parameters=[spec.path_param("org_id")])


@bp.get("/orgs/<int:org_id>")
@require(ORG_MANAGE, USER_VIEW)
def org_detail(org_id: int) -> Any:
    scope = _org_scope()
    return jsonify(org_json(data_scope.get_or_404(db.session, Org, org_id, scope, org_attr="id")))
