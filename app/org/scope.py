"""Data scope (数据权限): the one helper every list, detail, export and API query goes through.

A user's scope for a permission is the widest data scope among the roles granting it:
仅本人 (own records), 本部门 (own org node), 本部门及下级 (own org subtree), 本分公司 (the branch
subtree the user sits in) or 全部. A user always sees records they own, whatever the scope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, String, bindparam, false, func, or_, select, true

from app.auth.models import DataScope, Permission, Role, User, role_permissions
from app.auth.permissions import ADMIN_ROLE, current_permissions, permissions_of
from app.database import DbSession
from app.errors import NotFound
from app.org.models import Org, OrgKind

T = TypeVar("T")


@dataclass(frozen=True)
class Scope:
    user_id: int
    level: DataScope
    org_id: int
    subtree_path: str  # path prefix covered at DEPARTMENT_TREE / BRANCH; "" otherwise
    # The subtree's org ids, read once: ``org_id IN (3, 11, …)`` lets PostgreSQL estimate a scope from its
    # statistics, where ``IN (SELECT … path LIKE …)`` was guessed at half the table (issue 16). Empty: not read.
    subtree_org_ids: tuple[int, ...] = ()
    # Every permission code the user holds: rules that narrow the scope by what else the user may do read it
    # (which pools' customers a user sees: app.customers.visibility). Empty: not read.
    permissions: frozenset[str] = frozenset()

    @property
    def is_all(self) -> bool:
        return self.level == DataScope.ALL


_orgs: Any = Org.__table__
# The path of the 分公司 an org belongs to: its deepest branch ancestor (bind ``p_ancestors``). Built once, so
# statements built once can embed it (see :data:`BRANCH_ORG_IDS`).
_BRANCH_PATH = (select(_orgs.c.path).where(_orgs.c.id.in_(bindparam("p_ancestors", expanding=True)),
                                           _orgs.c.kind == OrgKind.BRANCH.value)
                .order_by(_orgs.c.path.desc()).limit(1))


def branch_path(session: DbSession, org: Org) -> str:
    """Path of the 分公司 an org belongs to; orgs above every branch get the whole company."""
    # A user above any branch (at the company) sees the whole company at branch scope.
    return session.scalar(_BRANCH_PATH, {"p_ancestors": org.ancestor_ids}) or f"/{org.ancestor_ids[0]}/"


def _roles_granting(user: User, permission: str | None, session: DbSession) -> list[Role]:
    roles = list(user.roles)
    if permission is None or any(role.code == ADMIN_ROLE for role in roles):
        return roles
    granting = set(
        session.scalars(
            select(role_permissions.c.role_id)
            .join(Permission, Permission.id == role_permissions.c.permission_id)
            .where(Permission.code == permission, role_permissions.c.role_id.in_([r.id for r in roles]))
        )
    )
    return [role for role in roles if role.id in granting]


def scope_of(session: DbSession, user: User, permission: str | None = None) -> Scope:
    """Return the data scope the user has for ``permission`` (or across all roles when None)."""

    def build() -> Scope:
        roles = _roles_granting(user, permission, session)
        level = max((DataScope(role.data_scope) for role in roles), key=lambda s: s.rank, default=DataScope.SELF)
        subtree = _subtree_path(session, level, user.org)
        held = current_permissions() if has_request_context() and _is_current(user) else permissions_of(session, user)
        return Scope(user.id, level, user.org.id, subtree, _subtree_org_ids(session, subtree), held)

    return _cached((user.id, permission), build)


def _cached(key: tuple[int, str | None], build: Callable[[], Scope]) -> Scope:
    """A scope built once per request (a list checks many rows against the same user's scope)."""
    if not has_request_context():
        return build()
    cache: dict[tuple[int, str | None], Scope] = g.setdefault("_scopes", {})
    if key not in cache:
        cache[key] = build()
    return cache[key]


def _subtree_path(session: DbSession, level: DataScope, org: Org) -> str:
    """The org path a tree-shaped scope covers: the user's department tree or their branch; "" otherwise."""
    if level == DataScope.DEPARTMENT_TREE:
        return org.path
    if level == DataScope.BRANCH:
        return branch_path(session, org)
    return ""


def _subtree_org_ids(session: DbSession, subtree: str) -> tuple[int, ...]:
    if not subtree:
        return ()
    return tuple(session.scalars(select(Org.id).where(Org.path.startswith(subtree)).order_by(Org.id)))


def _is_current(user: User) -> bool:
    return bool(current_user.is_authenticated) and current_user.id == user.id


def org_condition(scope: Scope, org_col: Any, owner_col: Any = None) -> ColumnElement[bool]:
    """Return the WHERE condition limiting rows with ``org_col`` (and ``owner_col``) to the scope."""
    owned = owner_col == scope.user_id if owner_col is not None else false()
    if scope.level == DataScope.ALL:
        return true()
    if scope.level == DataScope.SELF:
        return owned
    if scope.level == DataScope.DEPARTMENT:
        return or_(org_col == scope.org_id, owned)
    if scope.subtree_org_ids:
        return or_(org_col.in_(scope.subtree_org_ids), owned)
    subtree = select(Org.id).where(Org.path.startswith(scope.subtree_path)).scalar_subquery()
    return or_(org_col.in_(subtree), owned)


def apply(stmt: Select[Any], scope: Scope, org_col: Any, owner_col: Any = None) -> Select[Any]:
    """Restrict a SELECT to the rows the scope covers."""
    return stmt.where(org_condition(scope, org_col, owner_col))


def covers(session: DbSession, scope: Scope, org_id: int | None, owner_id: int | None = None) -> bool:
    """Tell whether one record (its org and owner) lies inside the scope."""
    if scope.level == DataScope.ALL or (owner_id is not None and owner_id == scope.user_id):
        return True
    if org_id is None or scope.level == DataScope.SELF:
        return False
    if scope.level == DataScope.DEPARTMENT:
        return org_id == scope.org_id
    if scope.subtree_org_ids:  # read with the scope: no query per record (a list checks one per row)
        return org_id in scope.subtree_org_ids
    path = session.scalar(select(Org.path).where(Org.id == org_id))
    return path is not None and path.startswith(scope.subtree_path)


def branch_org_ids(session: DbSession, user: User) -> Select[Any]:
    """Return a subquery of the org ids in the branch (分公司) the user sits in, e.g. for the public pool."""
    return select(Org.id).where(Org.path.startswith(branch_path(session, user.org)))


# The same org ids as :func:`branch_org_ids`, the branch found inside the statement using them, built once for
# statements built once (a claim pays neither a round trip nor statement construction for it): bind
# :func:`branch_params` of the user's org.
BRANCH_ORG_IDS = select(_orgs.c.id).where(_orgs.c.path.startswith(func.coalesce(
    _BRANCH_PATH.scalar_subquery(), bindparam("p_company", type_=String()))))


def branch_params(org: Org) -> dict[str, Any]:
    """The values :data:`BRANCH_ORG_IDS` needs for the branch ``org`` belongs to."""
    return {"p_ancestors": org.ancestor_ids, "p_company": f"/{org.ancestor_ids[0]}/"}


def org_ids(session: DbSession, scope: Scope) -> list[int]:
    """List the org ids inside the scope (for dropdowns such as "import into which org")."""
    if scope.level == DataScope.ALL:
        return list(session.scalars(select(Org.id)))
    if scope.level == DataScope.SELF:
        return []
    if scope.level == DataScope.DEPARTMENT:
        return [scope.org_id]
    return list(session.scalars(select(Org.id).where(Org.path.startswith(scope.subtree_path))))


def get_or_404(session: DbSession, model: type[T], ident: Any, scope: Scope, org_attr: str = "org_id",
               owner_attr: str | None = None) -> T:
    """Load one record by id only if the scope covers it; out-of-scope looks exactly like missing."""
    obj = session.get(model, ident)
    if obj is None:
        raise NotFound("记录不存在或您无权查看")
    owner_id = getattr(obj, owner_attr) if owner_attr else None
    if not covers(session, scope, getattr(obj, org_attr), owner_id):
        raise NotFound("记录不存在或您无权查看")
    return obj


def scope_for_role(session: DbSession, user: User, role: Role) -> Scope:
    """Return the scope one of the user's roles gives (task candidates are checked role by role)."""

    def build() -> Scope:
        level = DataScope(role.data_scope)
        subtree = _subtree_path(session, level, user.org)
        # the subtree's ids, so an inbox query reads ``org_id IN (4, 5)``, which both planners can estimate
        return Scope(user.id, level, user.org.id, subtree, _subtree_org_ids(session, subtree))

    return _cached((user.id, f"role:{role.code}"), build)
