"""Questionnaires: designer JSON saved and validated, publish freezes questions, filling for customers (scope)
and by staff with skip logic, double submit and closed surveys refused, results with filters, export, API."""

from __future__ import annotations

import io
import threading
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from app import clock
from app.auth.models import User
from app.customers.models import Customer
from app.errors import Conflict
from app.extensions import db
from app.surveys import services
from app.surveys.models import Survey, SurveyAnswer, SurveyResponse, SurveyStatus
from tests.conftest import audit_rows, user_named
from tests.customer_helpers import make_customer

QUESTIONS = [
    {"key": "q1", "kind": "single", "text": "<b>满意</b>吗？<script>alert(1)</script>", "required": True,
     "options": [{"key": "o1", "text": "满意", "jump": ""}, {"key": "o2", "text": "不满意", "jump": "q3"}]},
    {"key": "q2", "kind": "multiple", "text": "喜欢哪些产品", "required": True,
     "options": [{"key": "o1", "text": "固收"}, {"key": "o2", "text": "权益"}]},
    {"key": "q3", "kind": "rating", "text": "打分", "required": True, "max": 5},
    {"key": "q4", "kind": "text", "text": "建议", "required": False},
]


def _design(client, audience="customer", questions=None, **extra):
    return client.post("/surveys/save", headers=JSON, json={
        "title": "回访问卷", "audience": audience, "description": '<p onclick="x()">说明<script>bad()</script></p>',
        "questions": questions or QUESTIONS, **extra})


def _published(client, audience="customer") -> Survey:
    response = _design(client, audience)
    assert response.status_code == 200, response.get_data(as_text=True)
    survey_id = response.get_json()["id"]
    assert client.post(f"/surveys/{survey_id}/publish").status_code == 302
    db.session.commit()
    return db.session.get(Survey, survey_id)


def _customers(seat: str, count: int = 2) -> list[Customer]:
    user = user_named(seat)
    return list(db.session.scalars(select(Customer).where(Customer.service_seat_id == user.id)
                                   .order_by(Customer.id).limit(count)))


def _counts(survey: Survey) -> tuple[int, int]:
    db.session.commit()
    return (db.session.scalar(select(func.count()).select_from(SurveyResponse).where(
        SurveyResponse.survey_id == survey.id)),
        db.session.scalar(select(func.count()).select_from(SurveyAnswer).where(SurveyAnswer.survey_id == survey.id)))


JSON = {"Accept": "application/json"}
FULL = {"q_q1": "o1", "q_q2": ["o1", "o2"], "q_q3": "4", "q_q4": "=HYPERLINK(\"http://x\")"}


def test_designer_saves_a_clean_draft_and_refuses_bad_definitions(login_as):
    head = login_as("head01")
    survey_id = _design(head).get_json()["id"]
    db.session.commit()
    survey = db.session.get(Survey, survey_id)
    assert survey.status == SurveyStatus.DRAFT and survey.definition[0]["text"] == "满意吗？"
    assert "script" not in survey.description and "onclick" not in survey.description
    preview = head.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert "满意吗？" in preview and "bad()" not in preview and "alert(1)" not in preview
    bad = dict(QUESTIONS[2], kind="matrix")
    refused = _design(head, questions=[QUESTIONS[0], QUESTIONS[1], bad])
    assert refused.status_code == 422 and "题型无效" in refused.get_json()["error"]["message"]
    earlier = [QUESTIONS[1], dict(QUESTIONS[0], key="q3", options=[{"key": "o1", "text": "是", "jump": "q2"},
                                                                     {"key": "o2", "text": "否"}])]
    assert "只能跳转到后面的题目" in _design(head, questions=earlier).get_json()["error"]["message"]
    assert "问卷对象" in _design(head, audience="x").get_json()["error"]["message"]
    assert db.session.scalar(select(func.count()).select_from(Survey).where(Survey.title == "回访问卷")) == 1
    assert login_as("seat01").post("/surveys/save", json={}).status_code == 403


def test_publish_freezes_questions_and_is_audited(login_as):
    head = login_as("head01")
    survey = _published(head)
    assert audit_rows("survey.publish", survey)
    refused = head.post("/surveys/save", headers=JSON, json={"id": survey.id, "title": "改", "audience": "customer",
                                               "questions": QUESTIONS})
    assert refused.status_code == 409 and "题目不能再修改" in refused.get_json()["error"]["message"]
    assert head.get(f"/surveys/{survey.id}/edit").status_code == 302


@pytest.mark.db_sensitive
def test_seat_fills_for_customers_with_skip_logic_and_sees_answers_on_360(login_as):
    survey = _published(login_as("head01"))
    seat = login_as("seat01")
    first, second = _customers("seat01")
    detail = seat.get(f"/customers/{first.id}").get_data(as_text=True)
    assert f"/surveys/{survey.id}/customers/{first.id}/fill" in detail
    url = f"/surveys/{survey.id}/customers/{first.id}/fill"
    missing = seat.post(url, data={"q_q1": "o1", "q_q3": "4"})
    assert missing.status_code == 422 and "请回答必答题“喜欢哪些产品”" in missing.get_data(as_text=True)
    assert _counts(survey) == (0, 0)
    assert seat.post(url, data=FULL).status_code == 302
    # 不满意 jumps to q3: the required q2 is skipped, its stray value dropped
    skip = seat.post(f"/surveys/{survey.id}/customers/{second.id}/fill", data={"q_q1": "o2", "q_q2": "o1", "q_q3": "2"})
    assert skip.status_code == 302
    assert _counts(survey) == (2, 7)
    assert 'id="survey-done"' in seat.get(url).get_data(as_text=True)
    again = seat.post(url, data=FULL)
    assert again.status_code == 409 and "已提交过" in again.get_data(as_text=True)
    assert _counts(survey) == (2, 7)
    page = seat.get(f"/customers/{first.id}").get_data(as_text=True)
    assert "固收、权益" in page and "4 / 5 分" in page and f"/surveys/{survey.id}/customers/{first.id}/fill" not in page


def test_out_of_scope_customer_and_draft_are_not_found(login_as):
    head = login_as("head01")
    survey = _published(head)
    other = _customers("seat11", 1)[0]
    seat = login_as("seat01")
    assert seat.get(f"/surveys/{survey.id}/customers/{other.id}/fill").status_code == 404
    assert seat.post(f"/surveys/{survey.id}/customers/{other.id}/fill", data=FULL).status_code == 404
    draft = _design(head).get_json()["id"]
    mine = _customers("seat01", 1)[0]
    assert seat.get(f"/surveys/{draft}/customers/{mine.id}/fill").status_code == 404
    assert _counts(survey) == (0, 0)


def test_concurrent_double_submit_writes_one_response(app, login_as):
    survey = _published(login_as("head01"))
    customer = _customers("seat01", 1)[0]
    seat_id, survey_id, customer_id = user_named("seat01").id, survey.id, customer.id
    barrier = threading.Barrier(2)
    outcomes: list[Any] = [None, None]

    def submit(index: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                services.submit(db.session, db.session.get(User, seat_id), db.session.get(Survey, survey_id),
                                {"q1": ["o1"], "q2": ["o1"], "q3": ["3"]},
                                customer=db.session.get(Customer, customer_id))
                db.session.commit()
                outcomes[index] = "ok"
            except Exception as exc:  # noqa: BLE001  (the outcome is what the test checks)
                db.session.rollback()
                outcomes[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("ok") == 1, outcomes
    [loser] = [o for o in outcomes if o != "ok"]
    assert isinstance(loser, Conflict) and "已提交过" in loser.message
    assert _counts(survey) == (1, 3)


def test_closed_survey_takes_no_answers(login_as):
    head = login_as("head01")
    survey = _published(head)
    assert head.post(f"/surveys/{survey.id}/close").status_code == 302
    customer = _customers("seat01", 1)[0]
    seat = login_as("seat01")
    url = f"/surveys/{survey.id}/customers/{customer.id}/fill"
    assert "问卷已关闭" in seat.get(url).get_data(as_text=True)
    refused = seat.post(url, data=FULL)
    assert refused.status_code == 409 and "问卷已关闭" in refused.get_data(as_text=True)
    assert _counts(survey) == (0, 0)
    assert audit_rows("survey.close", survey)


def test_staff_fill_their_own_survey_once(login_as):
    survey = _published(login_as("admin"), audience="staff")
    seat = login_as("seat02")
    assert f"/surveys/{survey.id}/fill" in seat.get("/surveys/mine").get_data(as_text=True)
    assert seat.post(f"/surveys/{survey.id}/fill", data=FULL).status_code == 302
    assert "已提交" in seat.get("/surveys/mine").get_data(as_text=True)
    assert "已提交过" in seat.post(f"/surveys/{survey.id}/fill", data=FULL).get_data(as_text=True)
    db.session.commit()
    response = db.session.scalar(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id))
    assert response.user_id == user_named("seat02").id and response.customer_id is None


@pytest.mark.db_sensitive
def test_results_counts_percentages_filters_scope_export_and_api(login_as, api_as):
    survey = _published(login_as("admin"))
    seat01 = login_as("seat01")
    a, b = _customers("seat01")
    seat01.post(f"/surveys/{survey.id}/customers/{a.id}/fill", data=FULL)
    seat01.post(f"/surveys/{survey.id}/customers/{b.id}/fill", data={"q_q1": "o2", "q_q3": "2"})
    c = _customers("seat11", 1)[0]
    assert login_as("seat11").post(f"/surveys/{survey.id}/customers/{c.id}/fill",
                                   data={"q_q1": "o1", "q_q2": "o1", "q_q3": "5"}).status_code == 302
    # seat11's answer was given ten days ago (the clock is pinned, so this date is fixed)
    old = clock.now() - timedelta(days=10)
    db.session.execute(update(SurveyResponse).where(SurveyResponse.customer_id == c.id).values(submitted_at=old))
    db.session.execute(update(SurveyAnswer).where(SurveyAnswer.response_id.in_(
        select(SurveyResponse.id).where(SurveyResponse.customer_id == c.id))).values(submitted_at=old))
    db.session.commit()

    admin = login_as("admin")
    figures = api_as("admin").get(f"/api/v1/surveys/{survey.id}/results").get_json()
    assert figures["responses"] == 3
    q1, q2, q3, q4 = figures["questions"]
    assert [(r["count"], r["percent"]) for r in q1["rows"]] == [(2, 66.7), (1, 33.3)]
    assert q2["answered"] == 2 and [(r["count"], r["percent"]) for r in q2["rows"]] == [(2, 100.0), (1, 50.0)]
    assert [r["count"] for r in q3["rows"]] == [0, 1, 0, 1, 1] and q3["average"] == pytest.approx(3.67)
    assert q4["texts"][0]["text"] == '=HYPERLINK("http://x")'
    today = clock.today().isoformat()
    recent = api_as("admin").get(f"/api/v1/surveys/{survey.id}/results?date_from={today}").get_json()
    assert recent["responses"] == 2
    org_of_seat11 = user_named("seat11").org_id
    by_org = api_as("admin").get(f"/api/v1/surveys/{survey.id}/results?org_id={org_of_seat11}").get_json()
    assert by_org["responses"] == 1
    # head01's scope is 理财一部 and below: seat11's answer is not theirs to see
    head_view = api_as("head01").get(f"/api/v1/surveys/{survey.id}/results").get_json()
    assert head_view["responses"] == 2
    assert api_as("seat01").get(f"/api/v1/surveys/{survey.id}/results").status_code == 403

    page = admin.get(f"/surveys/{survey.id}/results").get_data(as_text=True)
    assert 'data-chart="chart-q1"' in page and "66.7%" in page
    export = admin.get(f"/surveys/{survey.id}/results.xlsx?date_from={today}")
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "答案" and len(rows) == 1 + 5 + 2
    assert "'=HYPERLINK(\"http://x\")" in [r[-1] for r in rows]
    assert {r[2] for r in rows[1:]} == {f"客户：{a.name}", f"客户：{b.name}"}


@pytest.mark.db_sensitive
def test_a_merge_moves_answers_to_the_survivor_and_keeps_its_own_where_both_answered(login_as):
    head, seat = login_as("head01"), login_as("seat01")
    both, only_merged = _published(head), _published(head)
    survivor = make_customer("问卷合并", seat="seat01", phones=["13566660001"])
    merged = make_customer("问卷合并", seat="seat01", phones=["13566660002"])
    survivor_id, merged_id = survivor.id, merged.id
    fills = ((both, survivor_id, "5"), (both, merged_id, "1"), (only_merged, merged_id, "3"))
    for survey, customer_id, rating in fills:
        answers = {**FULL, "q_q3": rating}
        assert seat.post(f"/surveys/{survey.id}/customers/{customer_id}/fill", data=answers).status_code == 302
    response = head.post("/customers/merge/", data={"survivor": survivor_id, "merged": [merged_id]})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.commit()
    kept = {r.survey_id: r for r in db.session.scalars(select(SurveyResponse).where(
        SurveyResponse.customer_id == survivor_id))}
    assert set(kept) == {both.id, only_merged.id}
    ratings = dict(db.session.execute(select(SurveyAnswer.survey_id, SurveyAnswer.rating).where(
        SurveyAnswer.response_id.in_([r.id for r in kept.values()]), SurveyAnswer.rating.is_not(None))).all())
    assert ratings == {both.id: 5, only_merged.id: 3}  # the survivor's own answer stays; the duplicate's is gone
    assert _counts(both) == (1, 5) and _counts(only_merged) == (1, 5)
