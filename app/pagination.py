"""Pages of rows, both drawn by the ``pager`` macro in _macros.html.

- ``Page``: numbered pages with an exact total, shaped like Flask-SQLAlchemy's pagination, for lists bounded by
  design (a seat's own customers, one month's records) and multi-entity selects its paginate cannot page.
- ``KeysetPage``: 首页 / 上一页 / 下一页 / 末页 by the sort key ("seek" pagination) with a bounded count, for lists
  that grow to a million rows. A page is the ``per_page`` rows after (or before) the previous page's last (first)
  sort key — an index range read, as fast on the last page as on the first, where OFFSET sorts and skips every
  row before the page — and the count stops at ``COUNT_CAP`` ("共 10,000+ 条") instead of counting the whole scope.
  The cursor is the sort key in the query string (``?after=2026-06-01T02:00:00+00:00~1234``), so a page can be
  bookmarked; rows added or removed meanwhile shift no row onto two pages, unlike OFFSET.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from math import ceil
from typing import Any

from flask import request
from sqlalchemy import Select, TypeDecorator, func, literal, select, tuple_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import operators
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression
from sqlalchemy.sql.visitors import InternalTraversal

from app.extensions import db

COUNT_CAP = 10_000  # a keyset list counts at most this many rows; beyond it shows "共 10,000+ 条"
CURSOR_ARGS = ("page", "after", "before", "last")  # what the pager replaces in the query string
_SEPARATOR = "~"  # between a cursor's values: never part of an ISO timestamp or a number


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def page_number() -> int:
    """The ``?page=`` argument, 1 when missing or malformed."""
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


# --- keyset pages ------------------------------------------------------------------------------------------


@dataclass
class KeysetPage:
    items: list[Any]
    has_prev: bool
    has_next: bool
    prev_cursor: str | None  # ?before= for 上一页
    next_cursor: str | None  # ?after= for 下一页
    total: int | None  # None when the list is not counted; the count cap when ``more_than_cap``
    more_than_cap: bool

    keyset = True  # the pager macro draws 首页 / 上一页 / 下一页 / 末页 for this shape

    @property
    def total_label(self) -> str:
        if self.total is None:
            return ""
        return f"共 {self.total:,}+ 条" if self.more_than_cap else f"共 {self.total:,} 条"


@dataclass(frozen=True)
class _Key:
    column: ColumnElement[Any]
    descending: bool


def _sort_keys(order: Sequence[ColumnElement[Any]]) -> list[_Key]:
    """``(Customer.pool_changed_at.desc(), Customer.id.desc())`` as keys; one direction for all, the last one
    unique (the id), no NULLs — what a row-value comparison ``(a, id) < (:a, :id)`` pages correctly."""
    keys = []
    for clause in order:
        if isinstance(clause, UnaryExpression) and clause.modifier in (operators.desc_op, operators.asc_op):
            keys.append(_Key(clause.element, clause.modifier is operators.desc_op))
        elif isinstance(clause, UnaryExpression):
            raise ValueError(f"a keyset order takes plain .asc()/.desc() columns, not {clause}")
        else:
            keys.append(_Key(clause, False))
    if not keys or len({k.descending for k in keys}) != 1:
        raise ValueError("a keyset order needs columns sorted in one direction")
    return keys


def _encode(values: Sequence[Any]) -> str:
    return _SEPARATOR.join(v.isoformat() if isinstance(v, date) else str(v) for v in values)


def _decode(raw: str | None, keys: Sequence[_Key]) -> tuple[Any, ...] | None:
    """A cursor back into typed values; None for a missing or malformed one (the list starts over)."""
    if not raw:
        return None
    parts = raw.split(_SEPARATOR)
    if len(parts) != len(keys):
        return None
    values: list[Any] = []
    try:
        for part, key in zip(parts, keys, strict=True):
            column_type = key.column.type
            kind = (column_type.impl_instance if isinstance(column_type, TypeDecorator) else column_type).python_type
            if kind is datetime:
                value: Any = datetime.fromisoformat(part)
                if value.tzinfo is None:
                    return None
            elif kind is date:
                value = date.fromisoformat(part)
            elif kind is int:
                value = int(part)
            else:
                value = kind(part)
            values.append(value)
    except (ValueError, NotImplementedError):
        return None
    return tuple(values)


def _cursor_of(item: Any, keys: Sequence[_Key]) -> str:
    return _encode([getattr(item, str(k.column.key)) for k in keys])


def _beyond(keys: Sequence[_Key], cursor: tuple[Any, ...], forward: bool) -> ColumnElement[bool]:
    """Rows after the cursor in the list's order (``forward``) or before it."""
    columns = [k.column for k in keys]
    values = tuple_(*[literal(v, k.column.type) for v, k in zip(cursor, keys, strict=True)])
    ascending = forward != keys[0].descending
    return tuple_(*columns) > values if ascending else tuple_(*columns) < values


class _Sorted(ColumnElement[Any]):
    """A sort column SQLite may not read from an index (``ORDER BY +created_at``): it then finds the rows by the
    filter's best index and sorts them. Elsewhere the column as it is."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(_Sorted)
def _sorted_default(element: _Sorted, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(_Sorted, "sqlite")
def _sorted_sqlite(element: _Sorted, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + str(compiler.process(element.column, **kw))


def _ordered(keys: Sequence[_Key], reverse: bool, sort: bool = False) -> list[ColumnElement[Any]]:
    columns = [_Sorted(k.column) if sort and index == 0 else k.column for index, k in enumerate(keys)]
    return [column.asc() if k.descending == reverse else column.desc() for column, k in zip(columns, keys, strict=True)]


def _bounded_count(stmt: Select[Any], keys: Sequence[_Key], cap: int) -> int:
    """How many rows ``stmt`` returns, counting no further than ``cap`` + 1 (and reading only the id, which
    an index holds, rather than whole rows)."""
    limited = stmt.with_only_columns(keys[-1].column).limit(cap + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(limited)) or 0


def keyset_page(stmt: Select[Any], order: Sequence[ColumnElement[Any]], per_page: int, *,
                total: int | None = None, counted: bool = True, walk_index: str | None = None,
                count_cap: int | None = None, sort_few: bool = False) -> KeysetPage:
    """The page of ``stmt`` (one entity per row) sorted by ``order`` that the query string asks for:
    ``?after=<cursor>`` (下一页), ``?before=<cursor>`` (上一页), ``?last=1`` (末页) or the first page.

    ``total``: the exact row count when the caller has it already (the inbox's tab counts); ``counted=False``
    for a list whose count would cost more than it tells (follow-ups through their customers' scope);
    ``count_cap``: count no further than this (default COUNT_CAP) — a search counts to a lower cap, so that a
    common word over a whole city stops early.
    ``walk_index``: on SQLite, the index that reads the rows in ``order`` (``"rowid"`` for the primary key),
    walked when the list has more than COUNT_CAP rows — left to itself SQLite gathers a city's customers by
    their org index and sorts them all (1.4 s), where walking the order finds a page in the first few
    hundred rows. PostgreSQL's planner makes that choice from its statistics.
    ``sort_few``: the other way round — when the list is counted at no more than COUNT_CAP rows, SQLite finds
    them by the filter's index and sorts them rather than walking the order's index past everyone else's rows
    (the inbox of a finance user of one department walked 24,000 open finance tasks of others: 35 ms, 1 ms
    sorted)."""
    keys = _sort_keys(order)
    cap = COUNT_CAP if count_cap is None else count_cap
    stmt = stmt.order_by(None)
    exact = total is not None
    if total is None and counted:
        total = _bounded_count(stmt, keys, cap)
    if walk_index and (total is None or total > cap):
        hint = "NOT INDEXED" if walk_index == "rowid" else f"INDEXED BY {walk_index}"
        stmt = stmt.with_hint(keys[0].column.table, hint, dialect_name="sqlite")
    sort = sort_few and total is not None and total <= cap
    after, before = _decode(request.args.get("after"), keys), _decode(request.args.get("before"), keys)
    rows: list[Any] = []
    if after is not None:
        rows = _rows(stmt.where(_beyond(keys, after, forward=True)), keys, per_page + 1, sort=sort)
        if rows:
            return _page(keys, rows[:per_page], True, len(rows) > per_page, total, exact, cap)
    elif before is not None:
        rows = _rows(stmt.where(_beyond(keys, before, forward=False)), keys, per_page + 1, reverse=True, sort=sort)
        if len(rows) > per_page:
            return _page(keys, rows[:per_page][::-1], True, True, total, exact, cap)
    if (after is not None and not rows) or (before is None and request.args.get("last") == "1"):
        # 末页 (or past the end, its rows removed meanwhile): with a known total, the rows forward paging
        # leaves for it, so 上一页 from there meets the pages counted from the start
        size = (total % per_page or per_page) if total is not None and (exact or total <= cap) else per_page
        rows = _rows(stmt, keys, size + 1, reverse=True, sort=sort)
        return _page(keys, rows[:size][::-1], len(rows) > size, False, total, exact, cap)
    # the first page — also for 上一页 back at the start: a full page rather than the few rows before the cursor
    rows = _rows(stmt, keys, per_page + 1, sort=sort)
    if total is None and len(rows) <= per_page:
        total, exact = len(rows), True
    return _page(keys, rows[:per_page], False, len(rows) > per_page, total, exact, cap)


def _rows(stmt: Select[Any], keys: Sequence[_Key], limit: int, reverse: bool = False, sort: bool = False
          ) -> list[Any]:
    return list(db.session.scalars(stmt.order_by(*_ordered(keys, reverse, sort)).limit(limit)))


def _page(keys: Sequence[_Key], items: list[Any], has_prev: bool, has_next: bool, total: int | None,
          exact: bool, cap: int) -> KeysetPage:
    capped = total is not None and not exact and total > cap
    return KeysetPage(items=items, has_prev=has_prev, has_next=has_next,
                      prev_cursor=_cursor_of(items[0], keys) if items else None,
                      next_cursor=_cursor_of(items[-1], keys) if items else None,
                      total=cap if capped else total, more_than_cap=capped)
