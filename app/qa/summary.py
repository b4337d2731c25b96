"""问答汇总: per question category and month (Asia/Shanghai) the questions asked, answered and accepted and
the average time to the first answer — one GROUP BY over the questions the user sees, the same SQL shape on
SQLite and PostgreSQL. A question counts in the month it was asked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select

from app import clock
from app.auth.models import User
from app.database import DbSession, is_postgres
from app.errors import ValidationFailed
from app.qa import services
from app.qa.models import QaCategory, QaQuestion
from app.reports.framework import month_of_moment

MAX_MONTHS = 36
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class SummaryRow:
    category: str
    month: str  # YYYY-MM; "" on a total row
    asked: int
    answered: int  # questions with at least one answer
    accepted: int
    first_answer_hours: float | None  # average over the answered questions
    order: int = 0  # the category's place in 问题分类维护

    @property
    def answered_rate(self) -> str:
        return f"{self.answered / self.asked:.0%}" if self.asked else "—"


def months(text_start: str, text_end: str) -> tuple[str, str]:
    """The month range asked for (YYYY-MM each); the last six months up to this one when not given."""
    today = clock.today()
    end = text_end if _MONTH.fullmatch(text_end or "") else f"{today:%Y-%m}"
    if _MONTH.fullmatch(text_start or ""):
        start = text_start
    else:
        year, month = divmod(int(end[:4]) * 12 + int(end[5:]) - 1 - 5, 12)
        start = f"{year:04d}-{month + 1:02d}"
    if start > end:
        raise ValidationFailed("开始月份不能晚于结束月份")
    if _index(end) - _index(start) >= MAX_MONTHS:
        raise ValidationFailed(f"汇总最多 {MAX_MONTHS} 个月")
    return start, end


def _index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:]) - 1


def _first_instant(index: int) -> datetime:
    """The first instant of a month (by its index) in Asia/Shanghai, as UTC."""
    year, month = divmod(index, 12)
    return datetime.combine(date(year, month + 1, 1), datetime.min.time(), tzinfo=clock.SHANGHAI).astimezone(UTC)


def _hours_between(later: Any, earlier: Any) -> ColumnElement[Any]:
    """SQL: hours from ``earlier`` to ``later`` (two stored UTC timestamps)."""
    if is_postgres():
        return func.extract("epoch", later - earlier) / 3600.0
    return (func.julianday(later) - func.julianday(earlier)) * 24.0


def figures(session: DbSession, user: User, start: str, end: str, category_id: int | None = None
            ) -> list[SummaryRow]:
    """One row per category and month with questions, in month then category order."""
    month = month_of_moment(QaQuestion.created_at).label("month")
    stmt = (select(QaCategory.name, QaCategory.sort, month, func.count(QaQuestion.id),
                   func.count(QaQuestion.first_answered_at), func.count(QaQuestion.accepted_answer_id),
                   func.avg(_hours_between(QaQuestion.first_answered_at, QaQuestion.created_at)))
            .join(QaCategory, QaCategory.id == QaQuestion.category_id)
            .where(services.visible(session, user), QaQuestion.created_at >= _first_instant(_index(start)),
                   QaQuestion.created_at < _first_instant(_index(end) + 1))
            .group_by(QaCategory.id, QaCategory.name, QaCategory.sort, month)
            .order_by(month, QaCategory.sort, QaCategory.id))
    if category_id:
        stmt = stmt.where(QaQuestion.category_id == category_id)
    return [SummaryRow(name, mon, asked, answered, accepted, None if hours is None else round(float(hours), 1), sort)
            for name, sort, mon, asked, answered, accepted, hours in session.execute(stmt)]


def totals(rows: list[SummaryRow], key: str) -> list[SummaryRow]:
    """Rows added up by ``key`` ("category" in the maintained order, or "month"); averages weighted by answered
    questions."""
    groups: dict[str, list[SummaryRow]] = {}
    for row in rows:
        groups.setdefault(getattr(row, key), []).append(row)
    result = []
    for name, members in groups.items():
        answered = sum(r.answered for r in members)
        weighted = sum((r.first_answer_hours or 0) * r.answered for r in members)
        result.append(SummaryRow(name if key == "category" else "", name if key == "month" else "",
                                 sum(r.asked for r in members), answered, sum(r.accepted for r in members),
                                 round(weighted / answered, 1) if answered else None, members[0].order))
    return sorted(result, key=lambda row: (row.order, row.category)) if key == "category" else result


def month_list(start: str, end: str) -> list[str]:
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(_index(start), _index(end) + 1)]


def chart_option(rows: list[SummaryRow], start: str, end: str) -> dict[str, Any]:
    """ECharts bars: per month the questions asked, answered and accepted."""
    labels = month_list(start, end)
    by_month = {row.month: row for row in totals(rows, "month")}

    def series(name: str, attribute: str) -> dict[str, Any]:
        return {"name": name, "type": "bar",
                "data": [getattr(by_month[m], attribute) if m in by_month else 0 for m in labels]}

    return {"tooltip": {"trigger": "axis"}, "legend": {"top": 0},
            "grid": {"left": 40, "right": 20, "top": 40, "bottom": 30},
            "xAxis": {"type": "category", "data": labels}, "yAxis": {"type": "value", "minInterval": 1},
            "series": [series("提问数", "asked"), series("已解答", "answered"), series("已采纳", "accepted")]}


def category_chart_option(rows: list[SummaryRow]) -> dict[str, Any]:
    """ECharts bars: per category the questions asked, answered and accepted over the whole range."""
    per_category = totals(rows, "category")
    names = [row.category for row in per_category]
    return {"tooltip": {"trigger": "axis"}, "legend": {"top": 0},
            "grid": {"left": 40, "right": 20, "top": 40, "bottom": 30},
            "xAxis": {"type": "category", "data": names}, "yAxis": {"type": "value", "minInterval": 1},
            "series": [{"name": label, "type": "bar", "data": [getattr(r, attribute) for r in per_category]}
                       for label, attribute in (("提问数", "asked"), ("已解答", "answered"), ("已采纳", "accepted"))]}
