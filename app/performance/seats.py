"""Which seats and orgs a viewer may see on performance pages, cockpits and reports — the data scope of
the permission that opened the page: a seat itself, a head his departments' seats, the city manager and
leadership everyone."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.customers import services as customer_services
from app.database import DbSession
from app.errors import NotFound
from app.org import scope as data_scope
from app.org.models import Org


def seats(session: DbSession, viewer: User, permission: str, org_id: int | None = None) -> list[User]:
    """The active seats in the viewer's scope for ``permission``, by 工号; with ``org_id``, those of that org
    and below (an org outside the scope is "not found", like a missing one)."""
    scope = data_scope.scope_of(session, viewer, permission)
    found = customer_services.seat_choices(session, scope)
    if org_id is None:
        return found
    org = session.get(Org, org_id)
    if org is None or not data_scope.covers(session, scope, org.id):
        raise NotFound("组织不存在或不在您的数据范围内")
    return [seat for seat in found if seat.org.path.startswith(org.path)]


def orgs(session: DbSession, viewer: User, permission: str) -> list[Org]:
    """The orgs a viewer may narrow a page to: those in his scope for ``permission``, in tree order."""
    ids = data_scope.org_ids(session, data_scope.scope_of(session, viewer, permission))
    return list(session.scalars(select(Org).where(Org.id.in_(ids)).order_by(Org.path))) if ids else []
