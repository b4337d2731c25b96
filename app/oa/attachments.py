"""Application attachments (附件): a size limit, an allow-list of file types checked against the file's
own bytes (never the browser's claim), a safe file name, and at most a handful per application.

Files are served back only through the application's visibility check, always as downloads with the
content type of the allow-list entry.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from app import files
from app.admin import params
from app.auth.models import User
from app.database import DbSession
from app.errors import NotFound, ValidationFailed
from app.files import FileKind, safe_filename
from app.oa.applications import ensure_editable
from app.oa.models import Application, ApplicationAttachment

MAX_MB = params.define("oa.attachment_max_mb", "int", 10, "申请附件大小上限（MB）", "单个附件的最大大小",
                       section="日常管理", minimum=1)
MAX_PER_APPLICATION = 10

EXTENSIONS = frozenset({"pdf", "png", "jpg", "jpeg", "gif", "doc", "xls", "ppt", "docx", "xlsx", "pptx", "txt",
                        "csv"})
ALLOWED_TEXT = files.allowed_text(EXTENSIONS)


def file_kind(filename: str, data: bytes) -> FileKind:
    """The allow-list entry the file's extension names, if its bytes are really that kind (app/files.py)."""
    return files.sniff(filename, data, EXTENSIONS)


def add(session: DbSession, application: Application, actor: User, filename: str, data: bytes
        ) -> ApplicationAttachment:
    """Attach a file to a draft after checking its size, type and the per-application count."""
    ensure_editable(application, actor)
    filename = safe_filename(filename)
    limit_mb = params.get_int(MAX_MB, session)
    if not data:
        raise ValidationFailed(f"附件“{filename}”是空文件")
    if len(data) > limit_mb * 1024 * 1024:
        raise ValidationFailed(f"附件“{filename}”超过 {limit_mb} MB 的大小上限")
    kind = file_kind(filename, data)
    count = session.scalar(select(func.count()).select_from(ApplicationAttachment)
                           .where(ApplicationAttachment.application_id == application.id)) or 0
    if count >= MAX_PER_APPLICATION:
        raise ValidationFailed(f"每个申请最多 {MAX_PER_APPLICATION} 个附件")
    attachment = ApplicationAttachment(application_id=application.id, filename=filename,
                                       content_type=kind.content_type, size=len(data),
                                       sha256=hashlib.sha256(data).hexdigest(), content=data,
                                       uploaded_by_id=actor.id)
    session.add(attachment)
    session.flush()
    return attachment


def get(session: DbSession, application: Application, attachment_id: int) -> ApplicationAttachment:
    """One attachment of an application the caller has already been allowed to see."""
    attachment = session.get(ApplicationAttachment, attachment_id)
    if attachment is None or attachment.application_id != application.id:
        raise NotFound("附件不存在或您无权查看")
    return attachment


def remove(session: DbSession, application: Application, actor: User, attachment_id: int) -> None:
    """Delete an attachment of a draft."""
    ensure_editable(application, actor)
    session.delete(get(session, application, attachment_id))
    session.flush()
