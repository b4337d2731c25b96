"""Column types and engine settings shared by every model.

SQLite is the embedded default. Three settings make it safe under concurrent web workers and the
scheduler: WAL (readers never block the writer), foreign keys on, and a busy timeout. Write
transactions start with ``BEGIN IMMEDIATE`` so the write lock is taken up front and waited for;
a deferred transaction that reads first and writes later fails at once with "database is
locked" when another writer committed in between, and the busy timeout cannot help it.
Requests with safe methods (GET/HEAD) read in deferred transactions so pages stay responsive
while a long write runs; their rare writes go through :func:`separate_write`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TypeAlias, cast

from flask import current_app
from sqlalchemy import Connection, DateTime, Table, event
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import TypeDecorator

from app.extensions import db

# What services accept: a plain Session (jobs, tests) or Flask-SQLAlchemy's scoped ``db.session``.
DbSession: TypeAlias = Session | scoped_session[Any]

write_intent: ContextVar[bool] = ContextVar("write_intent", default=True)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC; returned as an aware UTC datetime on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use app.clock.now()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event below issue BEGIN itself instead of pysqlite's implicit one.
    dbapi_connection.isolation_level = None
    try:
        timeout_ms = int(current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
    except (RuntimeError, KeyError):
        timeout_ms = 30_000
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={timeout_ms:d}")
    cursor.close()


@event.listens_for(Engine, "connect")
def _configure_postgresql(dbapi_connection: Any, _record: Any) -> None:
    # JIT compilation pays off for long analytical queries; on these short list and search queries a row
    # estimate five orders of magnitude too high switched it on and it cost 1.1 s of a 1.15 s count (issue 16).
    if not type(dbapi_connection).__module__.startswith("psycopg"):
        return
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    dbapi_connection.commit()


def _sqlite_table_hint(_compiler: Any, _table: Any, text: str | None) -> str | None:
    return text


# SQLAlchemy's SQLite compiler drops table hints (``select.with_hint(table, "INDEXED BY ix", "sqlite")``); render
# them as written, after the table name, where SQLite reads INDEXED BY / NOT INDEXED (app.pagination uses them).
SQLiteCompiler.get_from_hint_text = _sqlite_table_hint  # type: ignore[method-assign,assignment]


@event.listens_for(Engine, "begin")
def _begin_sqlite(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


@contextmanager
def separate_write() -> Iterator[Connection]:
    """Run a small write in its own committed transaction, e.g. from a GET request."""
    token = write_intent.set(True)
    try:
        with db.engine.begin() as conn:
            yield conn
    finally:
        write_intent.reset(token)


def table_of(model: type[Any]) -> Table:
    """The Core table of a mapped class, for bulk writes without the ORM's per-row bookkeeping."""
    return cast(Table, model.__table__)


def is_postgres() -> bool:
    """Tell whether the bound database is PostgreSQL (SKIP LOCKED, advisory locks)."""
    return db.engine.dialect.name == "postgresql"


def str_enum(enum_cls: type[Any], length: int = 20) -> SAEnum:
    """Store a StrEnum by value in a VARCHAR (no native enum type to migrate on PostgreSQL)."""
    return SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def write_soon(stmt: Executable) -> None:
    """Execute a small write: in the request's own transaction when it writes anyway, else separately.

    A write request already holds SQLite's write lock, so a second connection would wait for it.
    """
    if write_intent.get():
        db.session.execute(stmt)
    else:
        with separate_write() as conn:
            conn.execute(stmt)
