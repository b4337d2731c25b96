"""Which customers a search word finds (组合查询), through the trigram-indexed customer_search table.

A word matches a customer when it equals the customer number (客户编号), a merged number (合并前编号) or the
grade (客户等级); or when it is contained — ASCII letters in any case — in the name, ID number, tags,
remark, import number (导入编号) or an address; or when its digits (separators and +86 removed, at least
three) are contained in a phone number. (One deliberate difference from the old predicate, which matched
the ID number against ``word.upper()``: a character whose Python upper case is ASCII, such as ß → SS or
the ligature ﬀ → FF, is no longer expanded for the ID number.)

customer_search holds one row per customer with that text already folded (``body``) and the phones
(``phones``); database triggers keep it equal to the view customer_search_source on every write (migration
16a0000000001). Words of three or more characters are looked up in a trigram index — SQLite FTS5
(customer_search_fts) or PostgreSQL pg_trgm — so a million customers cost a few index probes. A trigram
index cannot look up a one- or two-character word (王, 李明): a character index (SQLite FTS5 over each
body's distinct non-ASCII characters, PostgreSQL GIN over ``string_to_array(body, NULL)``) finds the
customers whose body holds every Chinese (or other non-ASCII letter) character of the word, and the LIKE
then checks the word itself. A short word of ASCII letters, digits or punctuation only (a, 12, -) has no
such character and is checked row by row among the customers the other filters leave.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, ForeignKey, Select, Text, func, literal, or_, select, text, union
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app.customers.models import Customer, CustomerAlias
from app.extensions import Base, db

# OUTSIDE_MODELS and include_in_schema_comparison are imported from here by migrations/env.py and tests.
from app.fulltext import OUTSIDE_MODELS, fold, include_in_schema_comparison, is_ideograph  # noqa: F401
from rules import phones as phone_rules

TRIGRAM = 3  # the shortest word a trigram index can look up
NARROW = 5_000  # customers left by the other filters at or below which every word is checked row by row
DENSE = 20_000  # index hits above which a word is common enough to be found by walking the list instead
COUNT_CAP = 1_000  # a searched list counts this far ("共 1,000+ 条"): a common word stops early
_LIKE_SPECIAL = re.compile(r"([\\%_])")


class CustomerSearch(Base):
    """The searchable text of one customer; written only by the triggers of migration 16a0000000001."""

    __tablename__ = "customer_search"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True,
                                             autoincrement=False)
    body: Mapped[str] = mapped_column(Text)  # name, ID number, tags, remark, import number, addresses
    phones: Mapped[str] = mapped_column(Text)


class TrigramContains(FunctionElement[bool]):
    """``customer_search.<column>`` contains the (folded) needle, looked up in the trigram index.

    Untyped on purpose: a Boolean-typed function would be compared with ``= 1`` on SQLite, which hides
    the ``IN (… MATCH …)`` from the planner and scans customer_search."""

    inherit_cache = True
    name = "trigram_contains"


@compiles(TrigramContains, "sqlite")
def _contains_sqlite(element: TrigramContains, compiler: SQLCompiler, **kw: Any) -> str:
    _column, fts_query, _pattern = list(element.clauses)
    return ("customer_search.customer_id IN (SELECT rowid FROM customer_search_fts "  # noqa: S608 (bound value)
            f"WHERE customer_search_fts MATCH {compiler.process(fts_query, **kw)})")


@compiles(TrigramContains, "postgresql")
def _contains_postgresql(element: TrigramContains, compiler: SQLCompiler, **kw: Any) -> str:
    column, _fts_query, pattern = list(element.clauses)
    return f"{compiler.process(column, **kw)} LIKE {compiler.process(pattern, **kw)}"


class CharsContained(FunctionElement[bool]):
    """``customer_search.body`` holds every one of the given characters, looked up in the character index
    (untyped for the reason given at TrigramContains)."""

    inherit_cache = True
    name = "chars_contained"


@compiles(CharsContained, "sqlite")
def _chars_sqlite(element: CharsContained, compiler: SQLCompiler, **kw: Any) -> str:
    fts_query = list(element.clauses)[0]
    return ("customer_search.customer_id IN (SELECT rowid FROM customer_search_chars "  # noqa: S608 (bound value)
            f"WHERE customer_search_chars MATCH {compiler.process(fts_query, **kw)})")


@compiles(CharsContained, "postgresql")
def _chars_postgresql(element: CharsContained, compiler: SQLCompiler, **kw: Any) -> str:
    characters = ", ".join(compiler.process(c, **kw) for c in list(element.clauses)[1:])
    return f"string_to_array(customer_search.body, NULL) @> ARRAY[{characters}]::text[]"


def indexed_characters(needle: str) -> list[str]:
    """The characters of a word the character index can look up: non-ASCII letters of the kind that are a
    token on their own (Chinese characters, kana …), which both indexes hold one by one."""
    return sorted({ch for ch in needle if is_ideograph(ch)})


def _chars_query(characters: list[str]) -> str:
    return " ".join(f'"{ch}"' for ch in characters)


def _chars_contained(characters: list[str]) -> ColumnElement[bool]:
    return CharsContained(literal(_chars_query(characters)), *[literal(ch) for ch in characters])


def _fts_query(column: str, needle: str) -> str:
    # FTS5: a quoted phrase of three or more characters matches exactly that substring with the trigram tokenizer
    return f'{column} : "{needle.replace(chr(34), chr(34) * 2)}"'


def _like_pattern(needle: str) -> str:
    # pg_trgm: LIKE with backslash escapes, which the index reads
    return "%" + _LIKE_SPECIAL.sub(r"\\\1", needle) + "%"


def _trigram_contains(column: Any, needle: str) -> ColumnElement[bool]:
    return TrigramContains(column, literal(_fts_query(column.key, needle)), literal(_like_pattern(needle)))


def word_conditions(stmt: Select[Any], terms: list[str]) -> list[ColumnElement[bool]]:
    """The condition of each search word on the customers of ``stmt`` (scope and other filters applied),
    each taking the cheaper of two ways to the same customers:

    - looked up in the index (``term_condition``): the ids of every customer the word finds, collected
      first — quick while they are few;
    - checked row by row (``row_condition``): the list is walked in its order and each customer's one search
      row compared — quick when the scope is small (a seat's customers) or the word common (王 over a city,
      where the first page fills within a few hundred customers and the count stops at COUNT_CAP).

    Both find the same customers; a few bounded probes (LIMIT NARROW + 1, DENSE + 1) choose."""
    if not terms:
        return []
    narrow = _at_most(stmt.with_only_columns(Customer.id).order_by(None), NARROW)
    return [row_condition(term) if narrow or _dense(term) else term_condition(term) for term in terms]


def _at_most(stmt: Select[Any], limit: int) -> bool:
    return (db.session.scalar(select(func.count()).select_from(stmt.limit(limit + 1).subquery())) or 0) <= limit


def _dense(term: str) -> bool:
    """More than DENSE customers hold the word by the index it would be looked up in (or it has no index).

    SQLite counts the index's first DENSE + 1 hits (an FTS5 doclist read, about a millisecond); PostgreSQL
    asks its planner, whose statistics of the trigram and character indexes estimate the hits within a
    factor of two or so in a tenth of a millisecond, where counting them reads the table."""
    needle, digits = fold(term), phone_rules.clean(term)
    probes = [("body", needle)] if len(needle) >= TRIGRAM else []
    if digits.isdigit() and len(digits) >= TRIGRAM:
        probes.append(("phones", digits))
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    if probes:
        if postgresql:
            hits = sum(_estimate(f"{column} LIKE :p", {"p": _like_pattern(value)}) for column, value in probes)
        else:
            hits = sum(_counted("customer_search_fts", _fts_query(column, value)) for column, value in probes)
        return hits > DENSE
    characters = indexed_characters(needle)
    if not characters:
        return True
    if postgresql:  # the rarest character bounds the hits (the planner would multiply, as if independent)
        return min(_estimate("string_to_array(body, NULL) @> ARRAY[:c]::text[]", {"c": c})
                   for c in characters) > DENSE
    return _counted("customer_search_chars", _chars_query(characters)) > DENSE


def _counted(fts_table: str, query: str) -> int:
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {fts_table} WHERE {fts_table} MATCH :q LIMIT :n)"  # noqa: S608
    return db.session.scalar(text(sql), {"q": query, "n": DENSE + 1}) or 0


def _estimate(condition: str, params: dict[str, Any]) -> int:
    plan = db.session.scalar(text(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM customer_search WHERE {condition}"),  # noqa: S608
                             params)
    return int(plan[0]["Plan"]["Plan Rows"])


def row_condition(term: str) -> ColumnElement[bool]:
    """The customers one search word finds, checked per customer on its search row.

    The row is read by a correlated scalar subquery, not ``EXISTS``: PostgreSQL turns an ``EXISTS`` inside an
    OR into a hashed subplan that checks every customer's row first (1,000,000 ``LIKE``) — exactly what
    checking row by row is to avoid."""
    upper, needle, digits = term.upper(), fold(term), phone_rules.clean(term)
    contained = CustomerSearch.body.contains(needle, autoescape=True)
    if digits.isdigit() and len(digits) >= TRIGRAM:
        contained = or_(contained, CustomerSearch.phones.contains(digits, autoescape=True))
    own_row = select(contained).where(CustomerSearch.customer_id == Customer.id).scalar_subquery()
    return or_(Customer.number == upper, Customer.grade == upper,
               Customer.id.in_(select(CustomerAlias.customer_id).where(CustomerAlias.number == upper)), own_row)


def term_condition(term: str) -> ColumnElement[bool]:
    """The customers one search word finds, looked up in the indexes (see the module docstring)."""
    upper = term.upper()
    needle = fold(term)
    digits = phone_rules.clean(term)
    by_number = select(Customer.id).where(Customer.number == upper)
    by_alias = select(CustomerAlias.customer_id).where(CustomerAlias.number == upper)
    by_grade = select(Customer.id).where(Customer.grade == upper)
    indexed: list[ColumnElement[bool]] = []
    if len(needle) >= TRIGRAM:
        indexed.append(_trigram_contains(CustomerSearch.body, needle))
    if digits.isdigit() and len(digits) >= TRIGRAM:
        indexed.append(_trigram_contains(CustomerSearch.phones, digits))
    if len(needle) >= TRIGRAM:
        # Every way to match is an index look-up: collect the ids once.
        hits = union(by_number, by_alias, by_grade, select(CustomerSearch.customer_id).where(or_(*indexed)))
        return Customer.id.in_(hits)
    characters = indexed_characters(needle)
    if characters:
        # A short word with a Chinese character: the character index narrows and the LIKE decides, unless the
        # word is that one character, which the index answers exactly.
        by_characters = select(CustomerSearch.customer_id).where(_chars_contained(characters))
        if characters != [needle]:
            by_characters = by_characters.where(CustomerSearch.body.contains(needle, autoescape=True))
        return Customer.id.in_(union(by_number, by_alias, by_grade, by_characters))
    return row_condition(term)  # a short word without one: no index to look it up in
