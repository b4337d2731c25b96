"""客户评级: the nightly job grades every customer set-based, writes a history row only where the grade changed,
the 客户 360 page shows the grade with the fired rows in Chinese, bad rule tables are refused at publish and at
run time with nothing written, and the data scope holds on screens and the API."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import clock
from app.customers.models import Customer, Pool
from app.designer import rule_tables
from app.extensions import db
from app.followups.models import FollowUp, FollowUpKind
from app.grading import services
from app.grading.models import BAND_TABLE, SCORE_TABLE, CustomerGradeHistory, CustomerGrading, GradingRun
from app.workflow import deploy, dmn_tables
from app.workflow.models import DecisionTable
from scheduler.customer_grading import grade_customers
from tests.conftest import audit_rows, user_named
from tests.customer_helpers import fresh, make_customer

# Set-based SQL, database guards and dates in SQL: these run on PostgreSQL too.
pytestmark = pytest.mark.db_sensitive

RULES = Path(__file__).resolve().parents[2] / "rules"
BANDS_XML = (RULES / "customer_grade_bands.dmn").read_text(encoding="utf-8")
SCORE_XML = (RULES / "customer_grading.dmn").read_text(encoding="utf-8")
JSON = {"Accept": "application/json"}


def _grading(customer_id: int) -> CustomerGrading:
    fresh()
    row = db.session.get(CustomerGrading, customer_id)
    assert row is not None
    return row


def _history(customer_id: int) -> list[CustomerGradeHistory]:
    fresh()
    return list(db.session.scalars(select(CustomerGradeHistory).where(CustomerGradeHistory.customer_id == customer_id)
                                   .order_by(CustomerGradeHistory.id)))


def _valid_calls(customer: Customer, count: int, seat: str = "seat01") -> None:
    seat_user = user_named(seat)
    for n in range(count):
        db.session.add(FollowUp(customer_id=customer.id, user_id=seat_user.id, kind=FollowUpKind.CALL,
                                at=clock.now() - timedelta(days=n + 1), connected=True, valid=True,
                                duration_seconds=120))
    db.session.commit()


def _force_table(key: str, xml: str) -> None:
    """A table version in the database that did not pass publishing (an old import, a manual fix)."""
    db.session.add(DecisionTable(key=key, version=99, name=key, decision_ids=[key], xml=xml,
                                 sha256=hashlib.sha256(xml.encode()).hexdigest(), comment="直接写入"))
    db.session.commit()


def test_the_job_grades_every_customer_and_records_only_changes(app):
    customer = make_customer("评级新客户", seat="seat01")
    summary = grade_customers(db.session, clock.now())
    db.session.commit()
    alive = db.session.scalar(select(func.count()).select_from(Customer).where(Customer.pool != Pool.DELETED))
    assert f"已评级 {alive} 位客户" in summary
    assert db.session.scalar(select(func.count()).select_from(CustomerGrading)) == alive
    row = _grading(customer.id)
    assert (row.score, row.grade, row.fired, row.activity) == (0, "C", "", 0)
    assert [(h.old_grade, h.new_grade) for h in _history(customer.id)] == [("", "C")]  # 未评级 → C
    assert db.session.get(Customer, customer.id).grade == "C"

    _valid_calls(customer, 6)  # 近 90 天有效联系 6 次: +20, still C
    again = services.grade_customers(db.session, clock.now())
    db.session.commit()
    assert again.changed_count == 0
    assert db.session.scalar(select(func.count()).select_from(CustomerGradeHistory)
                             .where(CustomerGradeHistory.run_id == again.id)) == 0
    row = _grading(customer.id)
    assert (row.score, row.grade, row.fired_numbers, row.activity) == (20, "C", [15], 6)
    assert len(_history(customer.id)) == 1  # no history row when the grade did not change

    customer.created_at = clock.now() - timedelta(days=6 * 366)  # 成为客户 5 年及以上: +15 → 35, B
    db.session.commit()
    third = services.grade_customers(db.session, clock.now())
    db.session.commit()
    assert third.changed_count == 1
    last = _history(customer.id)[-1]
    assert (last.old_grade, last.new_grade, last.score, last.run_id) == ("C", "B", 35, third.id)
    assert db.session.get(Customer, customer.id).grade == "B"
    assert audit_rows("grading.run")[-1].summary.endswith("其中 1 位等级变化")


def test_the_stored_scores_agree_with_the_engine(app):
    services.grade_customers(db.session, clock.now())
    db.session.commit()
    table, bands = dmn_tables.load(db.session, SCORE_TABLE), dmn_tables.load(db.session, BAND_TABLE)
    rows = list(db.session.scalars(select(CustomerGrading).order_by(CustomerGrading.score.desc()).limit(30)))
    assert {row.grade for row in rows} >= {"A", "B"}  # the demo has graded customers of several grades
    for row in rows:
        decision = dmn_tables.evaluate(table, {"holding": row.holding, "collection_rate": row.collection_rate,
                                               "years": row.years, "products": row.products,
                                               "activity": row.activity})
        assert (row.score, row.fired_numbers) == (decision.outputs["score"], [r.number for r in decision.rules])
        assert row.grade == dmn_tables.evaluate(bands, {"score": row.score}).outputs["grade"]


def test_the_360_page_shows_the_grade_with_reasons_in_chinese(login_as):
    top = db.session.scalar(select(CustomerGrading).order_by(CustomerGrading.score.desc()).limit(1))
    customer = db.session.get(Customer, top.customer_id)
    seat = db.session.get(type(user_named("admin")), customer.service_seat_id).username
    html = login_as(seat).get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "客户等级" in html and f"价值评分 <strong id=\"grading-score\">{top.score}</strong>" in html
    assert "持有金额 100 万至 500 万元" in html and "+24" in html and "等级变更记录" in html
    assert "A 类" in html


def test_the_overview_counts_per_grade_and_lists_in_scope(login_as):
    html = login_as("admin").get("/grading/").get_data(as_text=True)
    assert "各等级客户数" in html and "grading-chart" in html and "立即评级" in html
    seat01 = login_as("seat01")
    page = seat01.get("/grading/?grade=B").get_data(as_text=True)
    assert "立即评级" not in page
    others = db.session.scalars(select(Customer.number)
                                .join(CustomerGrading, CustomerGrading.customer_id == Customer.id)
                                .where(Customer.service_seat_id != user_named("seat01").id)).all()
    assert others and not any(number in page for number in others)
    assert seat01.post("/grading/run").status_code == 403


def test_run_now_by_the_admin_says_what_it_did(login_as):
    before = db.session.scalar(select(func.count()).select_from(GradingRun))
    client = login_as("admin")
    response = client.post("/grading/run", follow_redirects=True)
    assert response.status_code == 200 and "评级完成：已评级" in response.get_data(as_text=True)
    fresh()
    assert db.session.scalar(select(func.count()).select_from(GradingRun)) == before + 1


def test_a_band_table_with_an_unknown_grade_is_refused_at_publish(app):
    admin = user_named("admin")
    bad = BANDS_XML.replace('"C"', '"D"')
    with pytest.raises(deploy.DeploymentRefused) as refused:
        rule_tables.publish(db.session, BAND_TABLE, bad, "加一档", admin)
    assert "第 3 行的结果“D”不是基础数据“客户等级”中的等级（可用：A、B、C）" in str(refused.value.problems)
    fresh()
    assert dmn_tables.latest(db.session, BAND_TABLE) is None
    assert rule_tables.publish(db.session, BAND_TABLE, BANDS_XML.replace("&gt;= 60", "&gt;= 65"), "调高 A 档",
                               admin).created


def test_a_scoring_table_that_cannot_run_in_sql_is_refused_at_publish(app):
    bad = SCORE_XML.replace("<text>&gt;= 6</text>", "<text>abs(?) &gt;= 6</text>")
    assert rule_tables.validate(bad) == []  # the engine could run it …
    with pytest.raises(deploy.DeploymentRefused) as refused:
        rule_tables.publish(db.session, SCORE_TABLE, bad, "改写", user_named("admin"))
    assert "第 15 行“近 90 天有效联系次数”的条件“abs(?) >= 6”无法批量计算" in str(refused.value.problems)


@pytest.mark.parametrize(("key", "xml", "message"), [
    (BAND_TABLE, BANDS_XML.replace('"B"', '"VIP"'), "客户等级分档表：第 2 行的结果“VIP”不是基础数据“客户等级”中的等级"),
    (SCORE_TABLE, SCORE_XML.replace("<text>30</text>", "<text>\"很多\"</text>"), "第 1 行的得分“很多”不是整数"),
    (SCORE_TABLE, SCORE_XML.replace("<text>&gt;= 6</text>", "<text>abs(?) &gt;= 6</text>"), "无法批量计算"),
])
def test_a_bad_table_in_force_refuses_the_run_with_nothing_written(login_as, api_as, key, xml, message):
    services.grade_customers(db.session, clock.now())
    db.session.commit()
    runs = db.session.scalar(select(func.count()).select_from(GradingRun))
    graded = dict(db.session.execute(select(CustomerGrading.customer_id, CustomerGrading.computed_at)).all())
    _force_table(key, xml)
    page = login_as("admin").post("/grading/run", follow_redirects=True).get_data(as_text=True)
    assert "评级规则有误，未做任何评级" in page and message in page
    response = api_as("admin").post("/api/v1/grading/runs")
    assert response.status_code == 422 and message in response.get_json()["error"]["message"]
    fresh()
    assert db.session.scalar(select(func.count()).select_from(GradingRun)) == runs
    assert dict(db.session.execute(select(CustomerGrading.customer_id, CustomerGrading.computed_at)).all()) == graded


def test_the_api_reports_grades_in_scope(api_as):
    admin = api_as("admin")
    run = admin.post("/api/v1/grading/runs")
    assert run.status_code == 201 and run.get_json()["trigger"] == "manual"
    summary = admin.get("/api/v1/grading/summary").get_json()
    assert {c["label"] for c in summary["counts"]} == {"A 类", "B 类", "C 类", "未评级"}
    listing = admin.get("/api/v1/grading/customers?grade=B&per_page=5").get_json()
    assert listing["total"] > 0 and all(item["grade"] == "B" for item in listing["items"])
    assert admin.get("/api/v1/grading/customers?grade=Z").status_code == 422
    mine = db.session.scalar(select(Customer).where(Customer.service_seat_id == user_named("seat01").id,
                                                    Customer.grade != "").limit(1))
    other = db.session.scalar(select(Customer).where(Customer.service_seat_id == user_named("seat11").id).limit(1))
    seat01 = api_as("seat01")
    detail = seat01.get(f"/api/v1/customers/{mine.id}/grading").get_json()
    assert detail["grade"] == mine.grade and detail["grade_label"].endswith("类")
    assert all(reason["description"] for reason in detail["reasons"])
    assert seat01.get(f"/api/v1/customers/{other.id}/grading").status_code == 404
    assert seat01.post("/api/v1/grading/runs").status_code == 403
    assert api_as("kb01").get("/api/v1/grading/summary").status_code == 403


def test_mining_conditions_select_by_grade_and_value_score(app):
    from app.mining import conditions

    services.grade_customers(db.session, clock.now())
    db.session.commit()
    admin = user_named("admin")
    scope = services.customer_services.customer_scope(db.session, admin)
    spec = conditions.validate(db.session, {"op": "and", "items": [
        {"field": "value_score", "cmp": "between", "value": {"from": 30, "to": None}},
        {"field": "grade", "cmp": "in", "value": ["B"]}]})
    assert "价值评分 ≥ 30 分" in conditions.describe(db.session, spec)
    found = set(db.session.scalars(conditions.customer_ids(db.session, spec, scope, clock.now())))
    expected = set(db.session.scalars(select(CustomerGrading.customer_id).join(
        Customer, Customer.id == CustomerGrading.customer_id).where(CustomerGrading.score >= 30,
                                                                     Customer.grade == "B")))
    assert found == expected and found
