"""Surveys (问卷) with their questions as a validated JSON definition, one response per respondent and one
answer row per chosen option, text or rating, so results are GROUP BY queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.audit.models import Audited
from app.auth.models import User
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from app.org.models import Org
from rules.labelled_enum import LabelledStrEnum


class SurveyAudience(LabelledStrEnum):
    CUSTOMER = "customer", "客户"  # a seat fills it in during a call, from the customer 360 page
    STAFF = "staff", "员工"  # staff fill it in themselves (我的问卷)


class SurveyStatus(LabelledStrEnum):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"  # questions frozen, answers accepted
    CLOSED = "closed", "已关闭"  # no new answers


class Survey(Audited, Base):
    """A questionnaire; ``definition`` is the list of questions app.surveys.definition validated."""

    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  # nh3-cleaned (app.richtext)
    audience: Mapped[SurveyAudience] = mapped_column(str_enum(SurveyAudience, 10))
    status: Mapped[SurveyStatus] = mapped_column(str_enum(SurveyStatus, 10), default=SurveyStatus.DRAFT, index=True)
    definition: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[User] = relationship()
    org: Mapped[Org] = relationship()


class SurveyResponse(Base):
    """One filled-in questionnaire: for a customer (by the seat ``filled_by``) or by a staff member."""

    __tablename__ = "survey_response"
    # The database refuses a second response, so a double click or two tabs cannot write two.
    __table_args__ = (UniqueConstraint("survey_id", "customer_id", name="uq_survey_response_customer"),
                      UniqueConstraint("survey_id", "user_id", name="uq_survey_response_user"),
                      Index("ix_survey_response_survey_org_at", "survey_id", "org_id", "submitted_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the staff respondent
    filled_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"))  # the filler's org: results are scoped by it
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    survey: Mapped[Survey] = relationship()
    filled_by: Mapped[User] = relationship(foreign_keys=[filled_by_id])


class SurveyAnswer(Base):
    """One answer value: a chosen option (one row per option of a 多选), a text or a rating.

    ``survey_id``, ``org_id`` and ``submitted_at`` are copied from the response so results group one table.
    """

    __tablename__ = "survey_answer"
    __table_args__ = (Index("ix_survey_answer_question", "survey_id", "question_key", "option_key"),
                      Index("ix_survey_answer_org_at", "survey_id", "org_id", "submitted_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_response.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(20))
    option_key: Mapped[str | None] = mapped_column(String(20))
    text: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
