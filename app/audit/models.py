"""Append-only audit log (日志): who changed what, when, from which address.

Rows are only ever inserted: the ORM never updates them, and database triggers created by the
migration refuse UPDATE and DELETE on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.database import UTCDateTime
from app.extensions import Base


class Audited:
    """Mixin: inserts, updates and deletes of this model are written to the audit log at flush."""

    __audit_exclude__: ClassVar[frozenset[str]] = frozenset()


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: the log outlives rows
    actor_name: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(60), default="", index=True)
    object_id: Mapped[str] = mapped_column(String(60), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ip: Mapped[str] = mapped_column(String(64), default="")
