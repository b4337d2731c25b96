"""问卷结果: counts and percentages per question from GROUP BY queries over the answer rows, filtered by org
(the org and everything below it) and submission date, limited to the responses in the viewer's data scope;
the ECharts options of each question; the raw answers for the .xlsx export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select

from app import clock
from app.auth.models import User
from app.customers.models import Customer
from app.database import DbSession
from app.org import scope as data_scope
from app.org.models import Org
from app.surveys.access import RESULTS
from app.surveys.models import Survey, SurveyAnswer, SurveyResponse

TEXTS_SHOWN = 20  # latest answers listed under a 文本 question
EXPORT_HEADERS = ["答卷编号", "提交时间", "对象", "填写人", "填写人组织", "题号", "题目", "答案"]


@dataclass(frozen=True)
class ResultFilter:
    org_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.SHANGHAI)


def _conditions(session: DbSession, user: User, f: ResultFilter, org_col: Any, at_col: Any
                ) -> list[ColumnElement[bool]]:
    scope = data_scope.scope_of(session, user, RESULTS)
    conditions = [data_scope.org_condition(scope, org_col)]
    if f.org_id:
        path = session.scalar(select(Org.path).where(Org.id == f.org_id)) or "-"
        conditions.append(org_col.in_(select(Org.id).where(Org.path.startswith(path))))
    if f.date_from:
        conditions.append(at_col >= _day_start(f.date_from))
    if f.date_to:
        conditions.append(at_col < _day_start(f.date_to + timedelta(days=1)))
    return conditions


def _percent(count: int, base: int) -> float:
    return round(count * 100.0 / base, 1) if base else 0.0


def summary(session: DbSession, user: User, survey: Survey, f: ResultFilter) -> dict[str, Any]:
    """Every question's figures for the responses in scope matching the filter."""
    answer_where = [SurveyAnswer.survey_id == survey.id,
                    *_conditions(session, user, f, SurveyAnswer.org_id, SurveyAnswer.submitted_at)]
    responses = session.scalar(select(func.count()).select_from(SurveyResponse).where(
        SurveyResponse.survey_id == survey.id,
        *_conditions(session, user, f, SurveyResponse.org_id, SurveyResponse.submitted_at))) or 0
    counts: dict[tuple[str, str], int] = {}
    answered: dict[str, int] = {}  # respondents per question: one answer row each, but for 多选
    for key, option, rating, count in session.execute(
            select(SurveyAnswer.question_key, SurveyAnswer.option_key, SurveyAnswer.rating, func.count())
            .where(*answer_where, SurveyAnswer.text.is_(None))
            .group_by(SurveyAnswer.question_key, SurveyAnswer.option_key, SurveyAnswer.rating)):
        counts[(key, option if option is not None else str(rating))] = count
        answered[key] = answered.get(key, 0) + count
    several = [q["key"] for q in survey.definition if q["kind"] in ("multiple", "text")]
    if several:  # a 多选 answer has a row per option; 文本 rows are not in the counts above
        answered.update({key: count for key, count in session.execute(
            select(SurveyAnswer.question_key, func.count(SurveyAnswer.response_id.distinct()))
            .where(*answer_where, SurveyAnswer.question_key.in_(several)).group_by(SurveyAnswer.question_key))})
    questions = []
    for number, question in enumerate(survey.definition, start=1):
        key, base = question["key"], answered.get(question["key"], 0)
        item: dict[str, Any] = {"number": number, "key": key, "kind": question["kind"], "text": question["text"],
                                "answered": base, "rows": [], "texts": []}
        if question["kind"] == "rating":
            values = range(1, question["max"] + 1)
            item["rows"] = [{"key": str(v), "label": f"{v} 分", "count": counts.get((key, str(v)), 0)} for v in values]
            total = sum(int(r["key"]) * r["count"] for r in item["rows"])
            item["average"] = round(total / base, 2) if base else None
        elif question["kind"] == "text":
            item["texts"] = [{"text": text, "at": at} for text, at in session.execute(
                select(SurveyAnswer.text, SurveyAnswer.submitted_at)
                .where(*answer_where, SurveyAnswer.question_key == key)
                .order_by(SurveyAnswer.submitted_at.desc(), SurveyAnswer.id.desc()).limit(TEXTS_SHOWN))]
        else:
            item["rows"] = [{"key": o["key"], "label": o["text"], "count": counts.get((key, o["key"]), 0)}
                            for o in question["options"]]
        for row in item["rows"]:
            row["percent"] = _percent(row["count"], base)
        if item["rows"]:
            item["chart"] = chart_option(item)
        questions.append(item)
    return {"survey_id": survey.id, "title": survey.title, "responses": responses, "questions": questions}


def chart_option(item: dict[str, Any]) -> dict[str, Any]:
    """The ECharts option of one question: a pie for 单选, bars for 多选 and the 评分 distribution."""
    labels = [r["label"] for r in item["rows"]]
    counts = [r["count"] for r in item["rows"]]
    if item["kind"] == "single":
        return {"tooltip": {"trigger": "item", "formatter": "{b}：{c}（{d}%）"}, "legend": {"bottom": 0},
                "series": [{"type": "pie", "radius": ["35%", "65%"], "name": item["text"],
                            "label": {"formatter": "{b}\n{c}（{d}%）"},
                            "data": [{"name": n, "value": c} for n, c in zip(labels, counts, strict=True)]}]}
    return {"tooltip": {"trigger": "axis"}, "grid": {"left": 40, "right": 20, "top": 20, "bottom": 40},
            "xAxis": {"type": "category", "data": labels, "axisLabel": {"interval": 0}},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [{"type": "bar", "name": "人数", "data": counts, "label": {"show": True, "position": "top"}}]}


def export_rows(session: DbSession, user: User, survey: Survey, f: ResultFilter) -> Iterator[list[Any]]:
    """One row per answer value, in submission order, for the .xlsx of raw answers."""
    questions = {q["key"]: (number, q) for number, q in enumerate(survey.definition, start=1)}
    options = {(q["key"], o["key"]): o["text"] for q in survey.definition for o in q.get("options", [])}
    filler, respondent = User.__table__.alias("filler"), User.__table__.alias("respondent")
    stmt = (select(SurveyResponse.id, SurveyResponse.submitted_at, Customer.name, respondent.c.name, filler.c.name,
                   Org.name, SurveyAnswer.question_key, SurveyAnswer.option_key, SurveyAnswer.text,
                   SurveyAnswer.rating)
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .join(filler, filler.c.id == SurveyResponse.filled_by_id)
            .join(Org, Org.id == SurveyResponse.org_id)
            .outerjoin(Customer, Customer.id == SurveyResponse.customer_id)
            .outerjoin(respondent, respondent.c.id == SurveyResponse.user_id)
            .where(SurveyAnswer.survey_id == survey.id,
                   *_conditions(session, user, f, SurveyAnswer.org_id, SurveyAnswer.submitted_at))
            .order_by(SurveyResponse.submitted_at, SurveyResponse.id, SurveyAnswer.id))
    for rid, at, customer, staff, filled_by, org, key, option, text, rating in session.execute(stmt):
        number, question = questions.get(key, (0, {"text": key}))
        answer = options.get((key, option), option) if option is not None else (text if text is not None else rating)
        yield [rid, at, f"客户：{customer}" if customer else f"员工：{staff}", filled_by, org, number,
               question["text"], answer]
