"""Role and permission maintenance (角色维护, 权限维护): custom roles and custom permission codes.

Built-in roles and the permission codes domains declare in code (``builtin``) are synced by
``flask seed base``; admins may regrant them and add their own, but never delete built-in ones.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from sqlalchemy import func, select

from app.audit import services as audit
from app.auth.models import DataScope, Permission, Role, role_permissions, user_roles
from app.auth.permissions import ADMIN_ROLE, BUILTIN_ROLES, CATALOGUE
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed

ROLE_CODE = re.compile(r"^[a-z][a-z0-9_]{1,49}$")
PERMISSION_CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
PERMISSION_KINDS = {"menu": "菜单", "action": "操作"}


def get_role(session: DbSession, role_id: int) -> Role:
    role = session.get(Role, role_id)
    if role is None:
        raise NotFound("角色不存在")
    return role


def get_permission(session: DbSession, permission_id: int) -> Permission:
    permission = session.get(Permission, permission_id)
    if permission is None:
        raise NotFound("权限不存在")
    return permission


def holder_counts(session: DbSession) -> dict[int, int]:
    """Return how many users hold each role, by role id."""
    rows = session.execute(select(user_roles.c.role_id, func.count()).group_by(user_roles.c.role_id))
    return {role_id: count for role_id, count in rows}


def grant_counts(session: DbSession) -> dict[int, int]:
    """Return how many roles grant each permission, by permission id."""
    rows = session.execute(select(role_permissions.c.permission_id, func.count())
                           .group_by(role_permissions.c.permission_id))
    return {permission_id: count for permission_id, count in rows}


def _permissions(session: DbSession, permission_ids: Collection[int]) -> list[Permission]:
    wanted = set(permission_ids)
    found = list(session.scalars(select(Permission).where(Permission.id.in_(wanted)).order_by(Permission.code)))
    if len(found) != len(wanted):
        raise ValidationFailed("所选权限不存在")
    return found


def _set_permissions(session: DbSession, role: Role, permissions: list[Permission]) -> None:
    # Collection changes are not diffed by the automatic audit rows, so record the codes explicitly.
    before = sorted(p.code for p in role.permissions)
    after = sorted(p.code for p in permissions)
    if before == after:
        return
    role.permissions = permissions
    session.flush()
    added, removed = sorted(set(after) - set(before)), sorted(set(before) - set(after))
    audit.record(session, "role.permissions", role, before={"permissions": before}, after={"permissions": after},
                 summary=f"角色“{role.name}”权限：新增 {len(added)} 项，移除 {len(removed)} 项")


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationFailed("请填写名称")
    if len(name) > 100:
        raise ValidationFailed("名称不能超过 100 个字符")
    return name


def create_role(session: DbSession, *, code: str, name: str, description: str, data_scope: DataScope,
                permission_ids: Collection[int]) -> Role:
    """Create a custom role with a data scope and permission codes."""
    code = code.strip()
    if not ROLE_CODE.match(code):
        raise ValidationFailed("角色编码须以小写字母开头，只含小写字母、数字和下划线，2 到 50 个字符")
    if code in BUILTIN_ROLES or session.scalar(select(Role.id).where(Role.code == code)):
        raise Conflict(f"角色编码 {code} 已存在")
    role = Role(code=code, name=_clean_name(name), description=description.strip(), data_scope=data_scope,
                builtin=False)
    session.add(role)
    session.flush()
    _set_permissions(session, role, _permissions(session, permission_ids))
    return role


def update_role(session: DbSession, role: Role, *, name: str, description: str, data_scope: DataScope,
                permission_ids: Collection[int]) -> None:
    """Change a role's name, description, data scope and permissions."""
    if role.code == ADMIN_ROLE and data_scope != DataScope.ALL:
        raise ValidationFailed("系统管理员的数据范围固定为“全部”")
    role.name = _clean_name(name)
    role.description = description.strip()
    role.data_scope = data_scope
    session.flush()
    if role.code != ADMIN_ROLE:  # the admin role holds every permission whatever is ticked
        _set_permissions(session, role, _permissions(session, permission_ids))


def delete_role(session: DbSession, role: Role) -> None:
    """Delete a custom role that no user holds."""
    if role.builtin:
        raise Conflict(f"“{role.name}”是内置角色，不能删除")
    holders = holder_counts(session).get(role.id, 0)
    if holders:
        raise Conflict(f"还有 {holders} 名用户拥有角色“{role.name}”，请先撤销后再删除")
    audit.record(session, "role.permissions", role, before={"permissions": sorted(p.code for p in role.permissions)},
                 after={"permissions": []}, summary=f"删除角色“{role.name}”")
    session.delete(role)
    session.flush()


def create_permission(session: DbSession, *, code: str, name: str, kind: str, section: str,
                      description: str = "") -> Permission:
    """Add a custom permission code (客户化权限) that roles can be granted."""
    code = code.strip()
    if len(code) > 80 or not PERMISSION_CODE.match(code):
        raise ValidationFailed("权限编码格式为“模块.动作”，小写字母开头，只含小写字母、数字、下划线和点")
    if kind not in PERMISSION_KINDS:
        raise ValidationFailed("请选择权限类型")
    # A code also declared in code would be taken over by the next ``flask seed base``.
    if code in CATALOGUE or session.scalar(select(Permission.id).where(Permission.code == code)):
        raise Conflict(f"权限编码 {code} 已存在")
    permission = Permission(code=code, name=_clean_name(name), kind=kind, section=section.strip()[:50],
                            description=description.strip(), builtin=False)
    session.add(permission)
    session.flush()
    return permission


def update_permission(session: DbSession, permission: Permission, *, name: str, section: str,
                      description: str = "") -> None:
    """Rename a custom permission; built-in names come from the code that declares them."""
    if permission.builtin:
        raise Conflict("内置权限的名称由系统维护，不能修改")
    permission.name = _clean_name(name)
    permission.section = section.strip()[:50]
    permission.description = description.strip()
    session.flush()


def delete_permission(session: DbSession, permission: Permission) -> None:
    """Delete a custom permission that no role grants."""
    if permission.builtin:
        raise Conflict("内置权限不能删除")
    granted = grant_counts(session).get(permission.id, 0)
    if granted:
        raise Conflict(f"还有 {granted} 个角色拥有权限“{permission.name}”，请先在角色中取消后再删除")
    session.delete(permission)
    session.flush()
