"""Questionnaire operations: drafts and their questions, publish (questions frozen), close, and submitting
a response for a customer or by a staff member — each refusal a Chinese message with nothing written."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select, insert, select
from sqlalchemy.exc import IntegrityError

from app import clock, richtext
from app.audit import services as audit
from app.auth.models import User
from app.customers import services as customer_services
from app.customers.models import Customer
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.org import scope as data_scope
from app.surveys import definition
from app.surveys.access import MANAGE
from app.surveys.models import Survey, SurveyAnswer, SurveyAudience, SurveyResponse, SurveyStatus


def manage_listing(session: DbSession, user: User) -> Select[Any]:
    """Surveys of orgs in the manager's scope (and their own), newest first."""
    scope = data_scope.scope_of(session, user, MANAGE)
    return data_scope.apply(select(Survey), scope, Survey.org_id, Survey.owner_id).order_by(Survey.id.desc())


def get_managed(session: DbSession, user: User, survey_id: int) -> Survey:
    return data_scope.get_or_404(session, Survey, survey_id, data_scope.scope_of(session, user, MANAGE),
                                 owner_attr="owner_id")


def get_survey(session: DbSession, survey_id: int) -> Survey:
    survey = session.get(Survey, survey_id)
    if survey is None:
        raise NotFound("问卷不存在")
    return survey


def _check_period(opens_at: datetime | None, closes_at: datetime | None) -> None:
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValidationFailed("截止时间须晚于开始时间")


def save_draft(session: DbSession, user: User, survey: Survey | None, data: Mapping[str, Any]) -> Survey:
    """Create or update a draft from the designer's JSON (title, description, audience, period, questions)."""
    if survey is not None and survey.status != SurveyStatus.DRAFT:
        raise Conflict("问卷已发布，题目不能再修改")
    title = richtext.to_text(str(data.get("title") or "")).strip()[:200]
    if not title:
        raise ValidationFailed("请填写问卷标题")
    try:
        audience = SurveyAudience(str(data.get("audience") or ""))
    except ValueError:
        raise ValidationFailed("请选择问卷对象（客户或员工）") from None
    opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
    _check_period(opens_at, closes_at)
    questions = definition.validate(data.get("questions"))
    if survey is None:
        survey = Survey(owner_id=user.id, org_id=user.org_id, status=SurveyStatus.DRAFT)
        session.add(survey)
    survey.title, survey.audience, survey.definition = title, audience, questions
    survey.description = richtext.clean(str(data.get("description") or ""))
    survey.opens_at, survey.closes_at = opens_at, closes_at
    session.flush()
    return survey


def publish(session: DbSession, survey: Survey) -> None:
    """Publish a draft: its questions are frozen from now on."""
    if survey.status != SurveyStatus.DRAFT:
        raise Conflict("只有草稿可以发布")
    definition.validate(survey.definition)
    survey.status, survey.published_at = SurveyStatus.PUBLISHED, clock.now()
    session.flush()
    audit.record(session, "survey.publish", survey, summary=survey.title)


def close(session: DbSession, survey: Survey) -> None:
    """Close a published survey: no new answers."""
    if survey.status != SurveyStatus.PUBLISHED:
        raise Conflict("只有已发布的问卷可以关闭")
    survey.status, survey.closed_at = SurveyStatus.CLOSED, clock.now()
    session.flush()
    audit.record(session, "survey.close", survey, summary=survey.title)


def is_open(survey: Survey, now: datetime) -> bool:
    """Tell whether the survey takes answers now (published, inside its period)."""
    return (survey.status == SurveyStatus.PUBLISHED and (survey.opens_at is None or survey.opens_at <= now)
            and (survey.closes_at is None or now < survey.closes_at))


def _open_filter(stmt: Select[Any], audience: SurveyAudience, now: datetime) -> Select[Any]:
    return stmt.where(Survey.audience == audience, Survey.status == SurveyStatus.PUBLISHED,
                      (Survey.opens_at.is_(None)) | (Survey.opens_at <= now),
                      (Survey.closes_at.is_(None)) | (Survey.closes_at > now))


def open_surveys(session: DbSession, audience: SurveyAudience, now: datetime) -> list[Survey]:
    return list(session.scalars(_open_filter(select(Survey), audience, now).order_by(Survey.id.desc())))


def staff_answered(session: DbSession, user: User) -> dict[int, datetime]:
    """survey id → when this staff member submitted it."""
    return {survey_id: at for survey_id, at in session.execute(
        select(SurveyResponse.survey_id, SurveyResponse.submitted_at).where(SurveyResponse.user_id == user.id))}


def customer_responses(session: DbSession, customer_id: int) -> list[SurveyResponse]:
    return list(session.scalars(select(SurveyResponse).where(SurveyResponse.customer_id == customer_id)
                                .order_by(SurveyResponse.submitted_at.desc())))


def response_answers(session: DbSession, response_ids: list[int]) -> dict[int, dict[str, list[SurveyAnswer]]]:
    """response id → question key → its answer rows."""
    result: dict[int, dict[str, list[SurveyAnswer]]] = {}
    if response_ids:
        for row in session.scalars(select(SurveyAnswer).where(SurveyAnswer.response_id.in_(response_ids))
                                   .order_by(SurveyAnswer.id)):
            result.setdefault(row.response_id, {}).setdefault(row.question_key, []).append(row)
    return result


def customer_for_fill(session: DbSession, user: User, survey: Survey, customer_id: int) -> Customer:
    """The customer a seat fills a customer survey for; outside the seat's scope is "not found"."""
    if survey.audience != SurveyAudience.CUSTOMER:
        raise NotFound("问卷不存在")
    return customer_services.get_customer(session, customer_services.customer_scope(session, user), customer_id)


def submitted(session: DbSession, user: User, survey: Survey, customer: Customer | None) -> bool:
    """Tell whether this customer (or this staff member) already answered the survey."""
    who = (SurveyResponse.customer_id == customer.id) if customer else (SurveyResponse.user_id == user.id)
    return session.scalar(select(SurveyResponse.id).where(SurveyResponse.survey_id == survey.id, who)) is not None


def submit(session: DbSession, user: User, survey: Survey, form: Mapping[str, list[str]], *,
           customer: Customer | None = None) -> SurveyResponse:
    """Store one response (for ``customer`` or by ``user`` on a staff survey) after checking every answer."""
    now = clock.now()
    if survey.status == SurveyStatus.DRAFT:
        raise NotFound("问卷不存在")
    if not is_open(survey, now):
        raise Conflict("问卷已关闭，不能再提交")
    if (customer is None) != (survey.audience == SurveyAudience.STAFF):
        raise NotFound("问卷不存在")
    if submitted(session, user, survey, customer):
        raise Conflict("已提交过该问卷，不能重复提交")
    answers = definition.parse_answers(survey.definition, form)
    response = SurveyResponse(survey_id=survey.id, customer_id=customer.id if customer else None,
                              user_id=None if customer else user.id, filled_by_id=user.id, org_id=user.org_id,
                              submitted_at=now)
    try:
        with session.begin_nested():
            session.add(response)
            session.flush()
    except IntegrityError:  # the same respondent submitted at the same moment in another request
        raise Conflict("已提交过该问卷，不能重复提交") from None
    rows = [_answer_row(survey, response, key, value) for key, values in answers.items() for value in values]
    if rows:
        session.execute(insert(SurveyAnswer), rows)
    return response


def _answer_row(survey: Survey, response: SurveyResponse, key: str, value: Any) -> dict[str, Any]:
    kind = next(q["kind"] for q in survey.definition if q["key"] == key)
    return {"response_id": response.id, "survey_id": survey.id, "question_key": key, "org_id": response.org_id,
            "submitted_at": response.submitted_at,
            "option_key": value if kind in definition.CHOICE_KINDS else None,
            "text": value if kind == "text" else None, "rating": value if kind == "rating" else None}


def results_listing() -> Select[Any]:
    """Published and closed surveys (a draft has no answers), newest first."""
    return select(Survey).where(Survey.status != SurveyStatus.DRAFT).order_by(Survey.id.desc())
