"""Question categories (问题分类), questions and their answers.

A question belongs to the org its asker sat in when asking: that org decides who sees it (app/qa/visibility.py).
``answer_count`` and ``first_answered_at`` are kept on the question by the same conditional UPDATE that admits
an answer, so lists and summaries never count answers row by row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock, labels
from app.audit.models import Audited
from app.auth.models import User
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from app.org.models import Org
from rules.labelled_enum import LabelledStrEnum


class QaCategory(Audited, Base):
    """A question category (问题分类), maintained by administrators."""

    __tablename__ = "qa_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class QuestionStatus(LabelledStrEnum):
    OPEN = "open", "待解答"
    ANSWERED = "answered", "已解答"  # has answers, none accepted yet
    ACCEPTED = "accepted", "已采纳"
    CLOSED = "closed", "已关闭"  # closed by the asker without accepting; takes no more answers


labels.register_enum("qa_question_status", QuestionStatus)
ANSWERABLE = (QuestionStatus.OPEN, QuestionStatus.ANSWERED)


class QaQuestion(Audited, Base):
    """A question a seat asks (提问)."""

    __tablename__ = "qa_question"
    __table_args__ = (Index("ix_qa_question_created", "created_at", "id"),
                      Index("ix_qa_question_status_created", "status", "created_at", "id"),
                      Index("ix_qa_question_asker_created", "asker_id", "created_at", "id"),
                      Index("ix_qa_question_category_created", "category_id", "created_at", "id"))
    __audit_exclude__ = frozenset({"body"})

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("qa_category.id"))
    asker_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)  # the asker's org: the data scope
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # sanitised with nh3 before it is stored
    status: Mapped[QuestionStatus] = mapped_column(str_enum(QuestionStatus, 10), default=QuestionStatus.OPEN)
    accepted_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("qa_answer.id", use_alter=True, name="fk_qa_question_accepted_answer"))
    answer_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    first_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    category: Mapped[QaCategory] = relationship()
    asker: Mapped[User] = relationship()
    org: Mapped[Org] = relationship()


class QaAnswer(Audited, Base):
    """An answer (回答) to a question; at most one per question is accepted (采纳)."""

    __tablename__ = "qa_answer"
    __table_args__ = (Index("ix_qa_answer_question_created", "question_id", "created_at"),
                      Index("ix_qa_answer_author_created", "author_id", "created_at"))
    __audit_exclude__ = frozenset({"body"})

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("qa_question.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)  # sanitised with nh3 before it is stored
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    promoted_article_id: Mapped[int | None] = mapped_column(ForeignKey("kb_article.id"))  # 转为知识草稿

    question: Mapped[QaQuestion] = relationship(foreign_keys=[question_id])
    author: Mapped[User] = relationship()
