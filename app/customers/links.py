"""Rows of other domains that point at a customer, so merging (合并客户) can move them.

A domain whose table has a customer foreign key declares it once::

    links.register("交易", Trade.__table__.c.customer_id)

Merging then re-points those rows to the surviving customer in one UPDATE per table, and the
merge preview counts them. A link whose rows are unique per customer and some key (one questionnaire
response per customer and survey) names that key: the survivor's row wins, then the oldest merged one, and the
others are deleted before the move; a table of one row per customer names its customer column as the key.
A customer foreign key that is not registered makes the merge fail
on the constraint rather than silently orphan rows. References that are not plain foreign keys
(e.g. a workflow business key "customer:42") connect to ``app.signals.customers_merged``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, true, update

from app.database import DbSession


@dataclass(frozen=True)
class CustomerLink:
    label: str  # what the preview calls these rows, e.g. 跟进记录
    column: Any  # a Table column, e.g. FollowUp.__table__.c.customer_id
    unique_with: Any = None  # a column of the same table that with the customer is unique, e.g. survey_id


LINKS: list[CustomerLink] = []


def register(label: str, column: Any, unique_with: Any = None) -> None:
    """Declare a customer foreign-key column whose rows follow a merge to the survivor."""
    if any(link.column is column for link in LINKS):
        return
    LINKS.append(CustomerLink(label, column, unique_with))


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
        if link.unique_with is not None:
            _drop_clashes(session, link, from_ids, to_id)
        stmt = update(link.column.table).where(link.column.in_(from_ids)).values({link.column: to_id})
        result = session.execute(stmt)
        moved[link.label] = int(result.rowcount)  # type: ignore[attr-defined]
    return moved


def _drop_clashes(session: DbSession, link: CustomerLink, from_ids: list[int], to_id: int) -> None:
    """Delete the merged customers' rows that would clash on (customer, key) once moved: a row whose key the
    survivor already has, or that an older row of the merged customers has."""
    table = link.column.table
    other = table.alias("other")
    [key] = table.primary_key.columns
    # A table of one row per customer (a member) names its customer column itself: any row of the survivor clashes.
    same_key = true() if link.unique_with is link.column else other.c[link.unique_with.name] == link.unique_with
    kept_elsewhere = select(other.c[key.name]).where(same_key, or_(
        other.c[link.column.name] == to_id,
        and_(other.c[link.column.name].in_(from_ids), other.c[key.name] < key))).exists()
    session.execute(delete(table).where(link.column.in_(from_ids), kept_elsewhere))
