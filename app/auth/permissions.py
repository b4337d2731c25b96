"""Permission codes (权限) declared by each domain, built-in roles, and the checks screens use.

A domain declares its codes at import time with :func:`define` and says which built-in roles get
them with :func:`grant`; ``flask seed base`` writes new codes to the database and grants them to
the built-in roles once. Admins may change grants afterwards on the role screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g
from flask_login import current_user, login_required
from sqlalchemy import select

from app import labels
from app.auth.models import DataScope, Permission, Role, User, role_permissions, user_roles
from app.database import DbSession
from app.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


def _role_names() -> dict[str, str]:
    """Role code → role name (角色名称), as the role screen has them now."""
    return {code: name for code, name in db.session.execute(select(Role.code, Role.name))}


labels.register("role", _role_names)

ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class PermissionSpec:
    code: str
    name: str
    kind: str  # menu | action
    section: str


@dataclass(frozen=True)
class RoleSpec:
    code: str
    name: str
    data_scope: DataScope
    description: str


CATALOGUE: dict[str, PermissionSpec] = {}
ROLE_GRANTS: dict[str, set[str]] = {}

BUILTIN_ROLES: dict[str, RoleSpec] = {
    spec.code: spec
    for spec in (
        RoleSpec(ADMIN_ROLE, "系统管理员", DataScope.ALL, "拥有全部权限"),
        RoleSpec("city_manager", "城市经理", DataScope.BRANCH, "城市经理公共池、任务计划、全员业绩"),
        RoleSpec("dept_head", "部门主管", DataScope.DEPARTMENT_TREE, "部门池、导入、分配、标红处理、部门业绩"),
        RoleSpec("seat", "坐席", DataScope.SELF, "个人池、跟进、预约、交易、申请"),
        RoleSpec("finance", "财务", DataScope.DEPARTMENT_TREE, "交易财务审核、付息、清算"),
        RoleSpec("investor_service", "投服", DataScope.DEPARTMENT_TREE, "交易核对、合同确认、收益维护"),
        RoleSpec("process_designer", "流程设计", DataScope.ALL, "在浏览器中设计、校验、发布流程"),
        RoleSpec("kb_reviewer", "知识审核", DataScope.BRANCH, "知识库审核与发布"),
        RoleSpec("hr", "人事", DataScope.BRANCH, "员工、考勤、公休假期"),
    )
}


def define(code: str, name: str, *, kind: str = "action", section: str = "") -> str:
    """Declare a permission code; returns the code so modules can keep it as a constant."""
    CATALOGUE[code] = PermissionSpec(code, name, kind, section)
    return code


def grant(role_code: str, *codes: str) -> None:
    """Declare that a built-in role holds these permission codes by default."""
    if role_code not in BUILTIN_ROLES:
        raise KeyError(f"unknown built-in role {role_code}")
    ROLE_GRANTS.setdefault(role_code, set()).update(codes)


def permissions_of(session: DbSession, user: User) -> frozenset[str]:
    """Return every permission code the user holds through any role (admin holds all)."""
    role_codes = {role.code for role in user.roles}
    if ADMIN_ROLE in role_codes:
        return frozenset(session.scalars(select(Permission.code))) | frozenset(CATALOGUE)
    rows = session.scalars(
        select(Permission.code)
        .join(role_permissions, role_permissions.c.permission_id == Permission.id)
        .join(user_roles, user_roles.c.role_id == role_permissions.c.role_id)
        .where(user_roles.c.user_id == user.id)
    )
    return frozenset(rows)


def current_permissions() -> frozenset[str]:
    """Return the logged-in user's permission codes, loaded once per request."""
    from app.extensions import db

    if not current_user.is_authenticated:
        return frozenset()
    cached = g.get("_permissions")
    if cached is None:
        cached = permissions_of(db.session, current_user)
        g._permissions = cached
    return cached


def can(code: str) -> bool:
    """Tell whether the logged-in user holds a permission code (used in templates too)."""
    return code in current_permissions()


def require(*codes: str) -> Callable[[F], F]:
    """Decorate a view: log-in required and at least one of ``codes`` held, else 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            held = current_permissions()
            if not any(code in held for code in codes):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def sync_catalogue(session: DbSession) -> tuple[int, int]:
    """Write declared permissions and built-in roles; grant new codes to built-in roles once; drop built-in
    codes the code no longer declares (a retired permission must not linger in 权限维护 or in roles)."""
    existing = {perm.code: perm for perm in session.scalars(select(Permission))}
    for code in [code for code, held in existing.items() if held.builtin and code not in CATALOGUE]:
        retired = existing.pop(code)
        session.execute(role_permissions.delete().where(role_permissions.c.permission_id == retired.id))
        session.delete(retired)
    new_codes: set[str] = set()
    for spec in CATALOGUE.values():
        perm = existing.get(spec.code)
        if perm is None:
            perm = Permission(code=spec.code, name=spec.name, kind=spec.kind, section=spec.section, builtin=True)
            session.add(perm)
            existing[spec.code] = perm
            new_codes.add(spec.code)
        elif perm.builtin:
            perm.name, perm.kind, perm.section = spec.name, spec.kind, spec.section
    roles = {role.code: role for role in session.scalars(select(Role))}
    new_roles = 0
    for role_spec in BUILTIN_ROLES.values():
        role = roles.get(role_spec.code)
        if role is None:
            role = Role(code=role_spec.code, name=role_spec.name, data_scope=role_spec.data_scope,
                        description=role_spec.description, builtin=True)
            session.add(role)
            roles[role_spec.code] = role
            new_roles += 1
            grant_now = ROLE_GRANTS.get(role_spec.code, set())
        else:
            grant_now = ROLE_GRANTS.get(role_spec.code, set()) & new_codes
        for code in sorted(grant_now):
            if existing[code] not in role.permissions:
                role.permissions.append(existing[code])
    session.flush()
    return len(new_codes), new_roles
