"""Attachments of knowledge versions (知识附件): Word, Excel, PDF, images and video, checked by their bytes
(app/files.py), capped in size by system parameters, their text extracted for search, their bytes kept once
on disk under the file store named by sha256 (written to a temporary file, then renamed into place).

The store is ``LICAI_KB_FILE_DIR`` (config ``KB_FILE_DIR``), by default ``instance/files/kb``; a file lives at
``<store>/<sha256[:2]>/<sha256>``. A new version copies the rows, never the bytes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from app import files
from app.admin import params
from app.auth.models import User
from app.database import DbSession
from app.errors import NotFound, ValidationFailed
from app.kb.models import KbArticleVersion, KbAttachment

DOCUMENTS = frozenset({"doc", "docx", "xls", "xlsx", "pdf", "png", "jpg", "jpeg", "gif", "txt"})
EXTENSIONS = DOCUMENTS | files.VIDEO
ALLOWED_TEXT = files.allowed_text(EXTENSIONS)
MAX_PER_VERSION = 20
DOCUMENT_MAX_MB = params.define("kb.attachment_max_mb", "int", 20, "知识附件大小上限（MB）",
                                "Word、Excel、PDF、图片等单个附件的最大大小", section="知识库", minimum=1)
VIDEO_MAX_MB = params.define("kb.video_max_mb", "int", 200, "知识视频大小上限（MB）",
                             "单个视频附件（mp4、webm）的最大大小；还受上传大小上限 LICAI_MAX_UPLOAD_MB 限制",
                             section="知识库", minimum=1)


def store_dir() -> Path:
    configured = current_app.config.get("KB_FILE_DIR") or os.environ.get("LICAI_KB_FILE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "files" / "kb"


def path_of(sha256: str) -> Path:
    return store_dir() / sha256[:2] / sha256


def _write(sha256: str, data: bytes) -> None:
    """Put the bytes in the store once: a temporary file in the target directory, then an atomic rename."""
    target = path_of(sha256)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def check(session: DbSession, filename: str, data: bytes) -> files.FileKind:
    """Refuse an empty, oversize or disguised file with a Chinese message; nothing is written."""
    if not data:
        raise ValidationFailed(f"附件“{filename}”是空文件")
    video = files.extension(filename) in files.VIDEO
    limit_mb = params.get_int(VIDEO_MAX_MB if video else DOCUMENT_MAX_MB, session)
    if len(data) > limit_mb * 1024 * 1024:
        what = "视频" if video else "附件"
        raise ValidationFailed(f"{what}“{filename}”超过 {limit_mb} MB 的大小上限")
    return files.sniff(filename, data, EXTENSIONS)


def add(session: DbSession, version: KbArticleVersion, actor: User, filename: str, data: bytes) -> KbAttachment:
    """Attach a checked file to an editable version (the caller checked it may be edited by ``actor``)."""
    filename = files.safe_filename(filename)
    kind = check(session, filename, data)
    count = session.scalar(select(func.count()).select_from(KbAttachment)
                           .where(KbAttachment.version_id == version.id)) or 0
    if count >= MAX_PER_VERSION:
        raise ValidationFailed(f"每个版本最多 {MAX_PER_VERSION} 个附件")
    sha256 = hashlib.sha256(data).hexdigest()
    attachment = KbAttachment(version_id=version.id, filename=filename, content_type=kind.content_type,
                              size=len(data), sha256=sha256, text=files.extract_text(filename, data),
                              uploaded_by_id=actor.id)
    session.add(attachment)
    session.flush()
    _write(sha256, data)  # last: a refused file never reaches the disk
    return attachment


def copy_rows(session: DbSession, source: KbArticleVersion, target: KbArticleVersion) -> None:
    """A new version starts with the attachments of the version it was made from (rows only)."""
    for row in source.attachments:
        session.add(KbAttachment(version_id=target.id, filename=row.filename, content_type=row.content_type,
                                 size=row.size, sha256=row.sha256, text=row.text, uploaded_by_id=row.uploaded_by_id,
                                 uploaded_at=row.uploaded_at))
    session.flush()


def get(session: DbSession, version: KbArticleVersion, attachment_id: int) -> KbAttachment:
    """One attachment of a version the caller may already see."""
    attachment = session.get(KbAttachment, attachment_id)
    if attachment is None or attachment.version_id != version.id:
        raise NotFound("附件不存在或您无权查看")
    return attachment


def remove(session: DbSession, version: KbArticleVersion, attachment_id: int) -> None:
    """Drop an attachment row of an editable version; the bytes stay for the other versions using them."""
    session.delete(get(session, version, attachment_id))
    session.flush()


def read(attachment: KbAttachment) -> bytes:
    path = path_of(attachment.sha256)
    if not path.is_file():
        raise NotFound("附件文件已丢失，请联系管理员")
    return path.read_bytes()


def inline_allowed(attachment: KbAttachment) -> bool:
    """Images and video may be shown in the page (their allow-list types are never html or svg)."""
    kind = files.KINDS.get(files.extension(attachment.filename))
    return kind is not None and kind.inline and kind.content_type == attachment.content_type
