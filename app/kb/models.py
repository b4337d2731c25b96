"""Knowledge base (知识库): a category tree, articles with reviewed versions and their attachments, and the
search rows of the live versions.

An article keeps every version. A version is written as a draft, goes through the 知识库审核 process and,
once approved, becomes the article's live version; editing a live article writes a new draft version while
the old one stays live until the new one is approved.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock, labels
from app.audit.models import Audited
from app.auth.models import User
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from rules.labelled_enum import LabelledStrEnum


class KbCategory(Audited, Base):
    """A knowledge category (知识分类); categories nest."""

    __tablename__ = "kb_category"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_kb_category_parent_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("kb_category.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    parent: Mapped[KbCategory | None] = relationship(remote_side="KbCategory.id")


class VersionStatus(LabelledStrEnum):
    DRAFT = "draft", "草稿"
    IN_REVIEW = "in_review", "审核中"
    RETURNED = "returned", "已退回"  # back with the reviewer's comments; the author edits and submits again
    REJECTED = "rejected", "已驳回"  # final: this version never goes live
    PUBLISHED = "published", "已发布"  # the article's live version
    SUPERSEDED = "superseded", "已被新版本取代"
    WITHDRAWN = "withdrawn", "已下架"


labels.register_enum("kb_version_status", VersionStatus)


class KbArticle(Audited, Base):
    """A knowledge article (知识点); what readers see is its live version."""

    __tablename__ = "kb_article"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("kb_category.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    live_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_article_version.id", use_alter=True, name="fk_kb_article_live_version"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    category: Mapped[KbCategory] = relationship()
    author: Mapped[User] = relationship()
    live_version: Mapped[KbArticleVersion | None] = relationship(foreign_keys=[live_version_id], post_update=True)


class KbArticleVersion(Audited, Base):
    """One version of an article: title, sanitised body, its review."""

    __tablename__ = "kb_article_version"
    __table_args__ = (UniqueConstraint("article_id", "number", name="uq_kb_article_version_number"),
                      Index("ix_kb_article_version_status", "status"))
    __audit_exclude__ = frozenset({"body_html", "body_text"})

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_article.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … per article
    title: Mapped[str] = mapped_column(String(200))
    body_html: Mapped[str] = mapped_column(Text, default="")  # sanitised with nh3 before it is stored
    body_text: Mapped[str] = mapped_column(Text, default="")  # the body without markup, for search
    template_id: Mapped[int | None] = mapped_column(ForeignKey("notice_template.id"))  # 内容模板 it started from
    status: Mapped[VersionStatus] = mapped_column(str_enum(VersionStatus, 12), default=VersionStatus.DRAFT)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    process_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))  # its review
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(60), default="")  # e.g. "qa_answer:12" when promoted from 业务问答
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    article: Mapped[KbArticle] = relationship(foreign_keys=[article_id])
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    attachments: Mapped[list[KbAttachment]] = relationship(back_populates="version", order_by="KbAttachment.id")


class KbAttachment(Base):
    """A file of a version (Word, Excel, PDF, image, video). Bytes live on disk under the file store, named by
    their sha256; a new version copies the rows, not the bytes."""

    __tablename__ = "kb_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("kb_article_version.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))  # from the allow-list, never the browser's claim
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text, default="")  # extracted text (docx, xlsx, pdf, txt), for search
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    version: Mapped[KbArticleVersion] = relationship(back_populates="attachments")


class KbSearchRow(Base):
    """What search reads: one row per article with a live version, rewritten when a version goes live or the
    article is withdrawn. ``terms`` is the text the full-text index holds (see app/kb/search.py)."""

    __tablename__ = "kb_search"

    article_id: Mapped[int] = mapped_column(ForeignKey("kb_article.id", ondelete="CASCADE"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("kb_article_version.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("kb_category.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    attachment_text: Mapped[str] = mapped_column(Text, default="")
    terms: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
