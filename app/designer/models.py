"""Drafts of diagrams and decision tables, task forms defined in the browser, the forms a deployed process
version was published with, and the files uploaded into task forms."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.audit.models import Audited
from app.auth.models import User
from app.database import UTCDateTime, str_enum
from app.extensions import Base


class DraftKind(StrEnum):
    BPMN = "bpmn"  # key: the BPMN process id
    DMN = "dmn"  # key: the decision-table key (file name without .dmn)


class DesignDraft(Base):
    """Work in progress on one process or decision table: saved by designers, deployed only on request."""

    __tablename__ = "design_draft"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DraftKind] = mapped_column(str_enum(DraftKind))
    key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200), default="")
    xml: Mapped[str] = mapped_column(Text)
    base_version: Mapped[int | None] = mapped_column(Integer)  # the published version it was opened from
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    author: Mapped[User | None] = relationship()


class TaskFormDefinition(Audited, Base):
    """A user-task form created in the browser (a form-js schema); ``forms.registry`` resolves it by key."""

    __tablename__ = "task_form_definition"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)  # the form-js schema (docs/form-schema.md)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    author: Mapped[User | None] = relationship()


class ProcessModelForm(Base):
    """The schema of a form as it was when a process version was deployed: the version's tasks keep it."""

    __tablename__ = "process_model_form"
    __table_args__ = (UniqueConstraint("model_id", "form_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("process_model.id", ondelete="CASCADE"))
    form_key: Mapped[str] = mapped_column(String(100))
    schema: Mapped[dict[str, Any]] = mapped_column(JSON)


class TaskFormFile(Base):
    """A file uploaded into a task form's 附件 field; the field's value is its id."""

    __tablename__ = "task_form_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_key: Mapped[str] = mapped_column(String(100))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_task.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))  # from the allow-list, never the browser's claim
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
