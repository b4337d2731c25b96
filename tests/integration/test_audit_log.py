"""The audit log is append-only in the database itself, whatever code (or person with SQL) tries."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from app.audit import services as audit
from app.audit.models import AuditLog
from app.database import is_postgres
from app.extensions import db


@pytest.fixture
def logged_row(app):
    audit.record(db.session, "test.event", summary="原始记录")
    db.session.commit()
    return db.session.scalar(select(AuditLog.id).where(AuditLog.action == "test.event"))


def summary(row_id: int) -> str | None:
    db.session.rollback()
    return db.session.scalar(select(AuditLog.summary).where(AuditLog.id == row_id))


@pytest.mark.db_sensitive
def test_update_is_refused(logged_row):
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(update(AuditLog).where(AuditLog.id == logged_row).values(summary="篡改"))
    assert summary(logged_row) == "原始记录"


@pytest.mark.db_sensitive
def test_delete_is_refused(logged_row):
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(delete(AuditLog).where(AuditLog.id == logged_row))
    assert summary(logged_row) == "原始记录"


@pytest.mark.db_sensitive
def test_orm_changes_are_refused_too(logged_row):
    row = db.session.get(AuditLog, logged_row)
    db.session.delete(row)
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.flush()
    assert summary(logged_row) == "原始记录"


@pytest.mark.db_sensitive
def test_truncate_is_refused_on_postgresql(logged_row):
    if not is_postgres():
        pytest.skip("SQLite has no TRUNCATE; DELETE without WHERE is covered above")
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("TRUNCATE audit_log"))
    assert summary(logged_row) == "原始记录"


@pytest.mark.db_sensitive
def test_appending_still_works_after_a_refusal(logged_row):
    with pytest.raises(DBAPIError):
        db.session.execute(update(AuditLog).values(summary="x"))
    db.session.rollback()
    audit.record(db.session, "test.event", summary="第二条")
    db.session.commit()
    assert db.session.scalars(select(AuditLog.summary).where(AuditLog.action == "test.event")
                              .order_by(AuditLog.id)).all() == ["原始记录", "第二条"]
