"""Who sees the customers of each information pool (信息池), masked or not, and who may follow them up.

The data scope (app.org.scope) says whose customers a user reaches; this one rule per pool narrows it. Every
customer list, detail, search, export and the follow-up actions read it through
:func:`app.customers.services.scoped` and :func:`app.customers.services.get_customer`, so 客户信息管理 with
所在池=公共信息池 shows exactly what the 公共信息池 page shows:

============== ============================== ======================== ==================================
pool           seen by (inside the data scope) phones and ID numbers    follow-up (记录跟进、预约)
============== ============================== ======================== ==================================
个人信息池      everyone in scope               in full                  yes
部门信息池      everyone in scope               in full                  yes
公共信息池      everyone in scope               masked, no addresses     no: extract or assign it first
城市经理公共池  holders of 城市经理公共池 only    in full                  yes
主管标红池      everyone in scope               in full                  yes
无效客户池      everyone in scope               in full                  yes
离职待交接      everyone in scope               in full                  yes
已删除          nobody (管理员: 已删除客户 page)  —                        no
============== ============================== ======================== ==================================

Out of sight looks exactly like missing (404).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement

from app.customers.models import Customer, Pool
from app.errors import ValidationFailed
from app.org.scope import Scope
from app.pools.access import POOLS_CITY
from rules import phones as phone_rules
from rules.identity import mask_id_number

NOBODY = "-"  # a permission no one holds: the pool's customers are out of every list


@dataclass(frozen=True)
class PoolRule:
    """What a pool's customers show and allow. ``permission``: needed besides the scope to see them at all."""

    permission: str | None = None
    masked: bool = False
    follow_up: bool = True


RULES: dict[Pool, PoolRule] = {
    Pool.PERSONAL: PoolRule(),
    Pool.DEPARTMENT: PoolRule(),
    Pool.PUBLIC: PoolRule(masked=True, follow_up=False),
    Pool.CITY: PoolRule(permission=POOLS_CITY),
    Pool.HEAD: PoolRule(),
    Pool.INVALID: PoolRule(),
    Pool.HANDOVER: PoolRule(),
    Pool.DELETED: PoolRule(permission=NOBODY, follow_up=False),
}

PUBLIC_NO_FOLLOW_UP = "公共信息池的客户须先提取（或由主管分配给坐席）后才能跟进"


def hidden_pools(scope: Scope) -> list[Pool]:
    """The pools whose customers the scope's user does not see at all."""
    return [pool for pool, rule in RULES.items() if rule.permission and rule.permission not in scope.permissions]


def condition(scope: Scope) -> ColumnElement[bool]:
    """WHERE condition leaving out the customers of pools the user may not see."""
    return Customer.pool.not_in(hidden_pools(scope))


def sees(scope: Scope, customer: Customer) -> bool:
    return customer.pool not in hidden_pools(scope)


def masked(pool: Pool) -> bool:
    """Whether customers of the pool show masked phones and ID numbers (and no addresses)."""
    return RULES[pool].masked


def phone_shown(pool: Pool, phone: str) -> str:
    return phone_rules.mask(phone) if masked(pool) else phone


def id_number_shown(pool: Pool, number: str | None) -> str | None:
    return mask_id_number(number) if masked(pool) and number else number


def check_change(customer: Customer) -> None:
    """Refuse changing a masked customer's record: the edit form would show what the mask hides."""
    if masked(customer.pool):
        raise ValidationFailed(f"{customer.pool.label}中的客户须先提取（或由主管分配给坐席）后才能修改资料")


def may_follow_up(customer: Customer) -> bool:
    return RULES[customer.pool].follow_up


def check_follow_up(customer: Customer) -> None:
    """Refuse a follow-up or appointment on a customer of a pool that allows none."""
    if not may_follow_up(customer):
        raise ValidationFailed(PUBLIC_NO_FOLLOW_UP if customer.pool == Pool.PUBLIC else "该客户不能跟进")


def alive() -> ColumnElement[bool]:
    """Customers not deleted: counts that are not lists (cockpits) leave the deleted ones out with it."""
    return Customer.pool != Pool.DELETED
