"""会员综合管理: find members in the user's data scope (the customer's scope: the serving seat, or the serving
org inside the user's), and load one member with the customer behind it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import contains_eager

from app.auth.models import User
from app.customers import services as customer_services
from app.customers.models import Customer
from app.database import DbSession
from app.members.access import VIEW
from app.members.models import Member
from app.org import scope as data_scope
from app.org.scope import Scope

LIST_ORDER = (Member.points_balance.desc(), Member.id.desc())


def member_scope(session: DbSession, user: User, permission: str = VIEW) -> Scope:
    return data_scope.scope_of(session, user, permission)


@dataclass(frozen=True)
class MemberFilter:
    text: str = ""  # customer name or number
    level_code: str | None = None  # "" for 未定级
    min_points: int | None = None


def member_query(scope: Scope, f: MemberFilter | None = None) -> Select[Any]:
    """Members whose customer lies in the scope, filtered, most points first."""
    f = f or MemberFilter()
    stmt = customer_services.scoped(select(Member).join(Member.customer).options(contains_eager(Member.customer)),
                                    scope)
    if text := f.text.strip():
        stmt = stmt.where(or_(Customer.name.icontains(text, autoescape=True),
                              Customer.number.icontains(text, autoescape=True)))
    if f.level_code is not None:
        stmt = stmt.where(Member.level_code == f.level_code)
    if f.min_points is not None:
        stmt = stmt.where(Member.points_balance >= f.min_points)
    return stmt.order_by(*LIST_ORDER)


def scoped_customer_ids(scope: Scope) -> Select[Any]:
    """The ids of the customers in the scope (for adjustments and ledgers shown in lists)."""
    return customer_services.scoped(select(Customer.id), scope)


def get_member(session: DbSession, scope: Scope, customer_id: int) -> tuple[Customer, Member | None]:
    """A customer in the scope and its member row (None: not a member yet); out of scope looks missing."""
    customer = customer_services.get_customer(session, scope, customer_id)
    member = session.scalar(select(Member).where(Member.customer_id == customer.id))
    return customer, member
