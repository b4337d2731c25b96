"""Rows of other domains that point at a customer, so merging (合并客户) can move them.

A domain whose table has a customer foreign key declares it once::

    links.register("交易", Trade.__table__.c.customer_id)

Merging then re-points those rows to the surviving customer in one UPDATE per table, and the
merge preview counts them. A customer foreign key that is not registered makes the merge fail
on the constraint rather than silently orphan rows. References that are not plain foreign keys
(e.g. a workflow business key "customer:42") connect to ``app.signals.customers_merged``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from app.database import DbSession


@dataclass(frozen=True)
class CustomerLink:
    label: str  # what the preview calls these rows, e.g. 跟进记录
    column: Any  # a Table column, e.g. FollowUp.__table__.c.customer_id


LINKS: list[CustomerLink] = []


def register(label: str, column: Any) -> None:
    """Declare a customer foreign-key column whose rows follow a merge to the survivor."""
    if any(link.column is column for link in LINKS):
        return
    LINKS.append(CustomerLink(label, column))


def count(session: DbSession, customer_ids: list[int]) -> list[tuple[str, int]]:
    """Count, per registered link, the rows pointing at these customers."""
    result = []
    for link in LINKS:
        n = session.scalar(select(func.count()).select_from(link.column.table).where(link.column.in_(customer_ids)))
        result.append((link.label, int(n or 0)))
    return result


def repoint(session: DbSession, from_ids: list[int], to_id: int) -> dict[str, int]:
    """Move every registered link's rows from the merged customers to the survivor."""
    moved = {}
    for link in LINKS:
        stmt = update(link.column.table).where(link.column.in_(from_ids)).values({link.column: to_id})
        result = session.execute(stmt)
        moved[link.label] = int(result.rowcount)  # type: ignore[attr-defined]
    return moved
