"""问答汇总: questions asked, answered and accepted and the average time to the first answer per category and
month — the month of Asia/Shanghai, also for a question asked in the first hours of a month (still the previous
month in UTC); one GROUP BY on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import time_machine
from sqlalchemy import select

from app.extensions import db
from app.qa import services, summary
from app.qa.models import QaAnswer, QaQuestion
from tests.conftest import user_named

pytestmark = pytest.mark.db_sensitive


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _ask(category_id: int, title: str, at: str) -> QaQuestion:
    with time_machine.travel(_at(at), tick=False):
        question = services.ask(db.session, user_named("seat01"), category_id=category_id, title=title, body="")
        db.session.commit()
    return question


def _answer(question: QaQuestion, who: str, at: str) -> QaAnswer:
    with time_machine.travel(_at(at), tick=False):
        reply = services.answer(db.session, question, user_named(who), "答复")
        db.session.commit()
    return reply


@pytest.fixture
def boundary(app):
    """Questions of one category around the May/June boundary (Asia/Shanghai, UTC+8)."""
    category = services.save_category(db.session, None, name="汇总测试", sort=99)
    db.session.commit()
    may = _ask(category.id, "五月最后半小时", "2026-05-31T23:30:00+08:00")  # 15:30 UTC: May either way
    june_dawn = _ask(category.id, "六月第一个早晨", "2026-06-01T07:00:00+08:00")  # 23:00 UTC on 31 May
    _answer(june_dawn, "head01", "2026-06-01T08:00:00+08:00")  # 1 hour
    june = _ask(category.id, "六月中旬", "2026-06-10T09:00:00+08:00")
    reply = _answer(june, "head01", "2026-06-10T12:00:00+08:00")  # 3 hours
    _answer(june, "seat02", "2026-06-11T09:00:00+08:00")  # a later answer does not change the first-answer time
    with time_machine.travel(_at("2026-06-11T10:00:00+08:00"), tick=False):
        services.accept(db.session, june, reply, user_named("seat01"))
        db.session.commit()
    del may
    return category


def test_counts_per_category_and_shanghai_month(boundary):
    rows = summary.figures(db.session, user_named("head01"), "2026-05", "2026-06", boundary.id)
    assert [(r.month, r.category, r.asked, r.answered, r.accepted, r.first_answer_hours) for r in rows] == [
        ("2026-05", "汇总测试", 1, 0, 0, None),
        ("2026-06", "汇总测试", 2, 2, 1, 2.0),
    ]
    total = summary.totals(rows, "category")
    assert [(t.category, t.asked, t.answered, t.accepted, t.first_answer_hours) for t in total] == [
        ("汇总测试", 3, 2, 1, 2.0)]
    only_june = summary.figures(db.session, user_named("head01"), "2026-06", "2026-06", boundary.id)
    assert [r.asked for r in only_june] == [2]


def test_the_summary_page_shows_the_table_and_a_csp_safe_chart(boundary, login_as):
    page = login_as("head01").get(f"/qa/summary?start=2026-05&end=2026-06&category={boundary.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    table = html.split('id="qa-summary-table"')[1].split("</table>")[0]
    assert "<td>2026-06</td><td>汇总测试</td><td class=\"text-end\">2</td>" in table
    option = json.loads(html.split('<script type="application/json" id="qa-by-month-option">')[1].split("</script>")[0])
    assert option["xAxis"]["data"] == ["2026-05", "2026-06"]
    assert [s["data"] for s in option["series"]] == [[1, 2], [0, 2], [0, 1]]
    assert "<script>" not in html.replace('<script type="application/json"', "")  # no inline script


def test_a_branch_sees_only_its_questions_and_bad_months_are_refused(boundary, login_as):
    question = db.session.scalar(select(QaQuestion).where(QaQuestion.title == "六月中旬"))
    question.org_id = db.session.execute(db.text("select id from org where code = 'HQ'")).scalar_one()
    db.session.commit()  # now asked at the company level, outside 上海分公司 — only its asker and admins see it
    head = summary.figures(db.session, user_named("head01"), "2026-06", "2026-06", boundary.id)
    admin = summary.figures(db.session, user_named("admin"), "2026-06", "2026-06", boundary.id)
    assert [r.asked for r in head] == [1] and [r.asked for r in admin] == [2]
    refused = login_as("head01").get("/qa/summary?start=2026-07&end=2026-06")
    assert refused.status_code == 422 and "开始月份不能晚于结束月份" in refused.get_data(as_text=True)
