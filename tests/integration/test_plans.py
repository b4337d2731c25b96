"""Dispatch plans (工作计划): who publishes which kind where, splitting within the parent, actuals from the daily
facts, the seat's 今日目标 on the home page, and the API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select

from app import clock
from app.database import write_intent
from app.errors import ValidationFailed
from app.extensions import db
from app.hr import days
from app.hr.models import PublicHoliday
from app.org.models import Org
from app.plans import periods, services
from app.plans.models import Plan, PlanStatus
from app.plans.periods import PeriodKind
from app.quotas import facts
from app.quotas.metrics import Metric
from tests.conftest import audit_rows, user_named
from tests.race import at_once

pytestmark = pytest.mark.date_sensitive


def _org(code: str) -> Org:
    db.session.commit()
    org = db.session.scalar(select(Org).where(Org.code == code))
    assert org is not None
    return org


def _plans() -> list[Plan]:
    db.session.commit()
    return list(db.session.scalars(select(Plan).order_by(Plan.id)))


def _department_plan() -> Plan:
    """The demo's monthly plan of 理财一部 (manager01), split by head01 to seat01 and seat02."""
    db.session.commit()
    plan = db.session.scalar(select(Plan).where(Plan.target_org_id == _org("SH-LC1").id,
                                                Plan.kind == PeriodKind.MONTH))
    assert plan is not None
    return plan


def _post_plan(client, *, kind: str = "month", target: str, action: str = "publish", day: date | None = None,
               **amounts: int | str):
    day = day or clock.today()
    data = {"kind": kind, "month": periods.value(PeriodKind.MONTH, day), "week": periods.value(PeriodKind.WEEK, day),
            "day": day.isoformat(), "target": target, "note": "冲刺", "action": action}
    data.update({name: str(value) for name, value in amounts.items()})
    return client.post("/plans/new", data=data)


def _split(client, plan: Plan, **rows: dict[str, int | str]):
    """Post the split form: rows by username (seat) or org code, each {metric: amount}."""
    data = {}
    for name, amounts in rows.items():
        key = f"user:{user_named(name).id}" if name.startswith("seat") else f"org:{_org(name).id}"
        data.update({f"amount-{key}-{metric}": str(amount) for metric, amount in amounts.items()})
    return client.post(f"/plans/{plan.id}/split", data=data)


def _amounts(plan_id: int) -> dict[str, int]:
    db.session.commit()
    plan = db.session.get(Plan, plan_id)
    db.session.refresh(plan)
    return {metric.value: amount for metric, amount in plan.amounts.items()}


def test_the_city_manager_publishes_a_monthly_plan_the_department_sees_it(login_as):
    before = len(_plans())
    response = _post_plan(login_as("manager01"), target=f"org:{_org('SH-LC2').id}", valid_call=600, intent=40)
    assert response.status_code == 302, response.get_data(as_text=True)
    plan = _plans()[-1]
    assert len(_plans()) == before + 1
    assert (plan.kind, plan.status, plan.publisher.username) == (PeriodKind.MONTH, PlanStatus.PUBLISHED, "manager01")
    assert plan.period_start == clock.today().replace(day=1) and plan.period_end.month == clock.today().month
    assert {m.value: a for m, a in plan.amounts.items()} == {"intent": 40, "valid_call": 600}
    page = login_as("head11").get(f"/plans/{plan.id}").get_data(as_text=True)
    seat11 = user_named("seat11").id  # the demo's follow-ups count: the department's only seat
    done = facts.totals(db.session, [seat11], plan.period_start, plan.period_end)[seat11][Metric.VALID_CALL]
    assert "理财二部" in page and "有效电话" in page and f"<strong>{done}</strong> / 600" in page and "已下达" in page
    listing = login_as("seat11").get("/plans/?kind=month").get_data(as_text=True)
    assert f'data-plan="{plan.id}"' in listing  # a seat sees its department's plan
    for username in ("head01", "seat01"):
        assert login_as(username).get(f"/plans/{plan.id}").status_code == 404, username
    assert f'data-plan="{plan.id}"' not in login_as("head01").get("/plans/").get_data(as_text=True)


def test_a_draft_is_the_publishers_until_published(login_as):
    manager = login_as("manager01")
    assert _post_plan(manager, target=f"org:{_org('SH-LC2').id}", action="draft", visit=10).status_code == 302
    plan = _plans()[-1]
    assert plan.status == PlanStatus.DRAFT
    assert login_as("head11").get(f"/plans/{plan.id}").status_code == 404
    assert manager.post(f"/plans/{plan.id}/publish").status_code == 302
    assert login_as("head11").get(f"/plans/{plan.id}").status_code == 200
    assert manager.post(f"/plans/{plan.id}/delete").status_code == 409  # published plans are revised, not deleted


@pytest.mark.parametrize(("username", "kind", "target", "message", "status"), [
    ("head01", "month", "org:SH-LC1-A", "您没有下达月计划的权限", 403),
    ("manager01", "day", "user:seat01", "您没有下达日计划的权限", 403),
    ("head01", "week", "org:SH-LC2", "计划对象须为您管理范围内的部门或小组", 422),
    ("head01", "day", "user:seat11", "计划对象须为您管理范围内的在职坐席", 422),
    ("head01", "day", "user:finance01", "计划对象须为您管理范围内的在职坐席", 422),
    ("manager01", "month", "org:SH-LC1", "的" + "{period}月计划已存在", 409),
])
def test_who_may_publish_what_and_where(login_as, username, kind, target, message, status):
    before = len(_plans())
    what, _, name = target.partition(":")
    ident = user_named(name).id if what == "user" else _org(name).id
    response = _post_plan(login_as(username), kind=kind, target=f"{what}:{ident}", valid_call=100)
    expected = message.format(period=periods.label(PeriodKind.MONTH, clock.today()))
    assert response.status_code == status and expected in response.get_data(as_text=True)
    assert len(_plans()) == before


@pytest.mark.parametrize(("amounts", "message"), [
    ({}, "请至少填写一项指标的目标"),
    ({"valid_call": "-5"}, "目标应在 0 至 1000000 之间"),
    ({"valid_call": "很多"}, "有效电话目标"),
])
def test_bad_targets_are_refused_with_nothing_written(login_as, amounts, message):
    before = len(_plans())
    response = _post_plan(login_as("manager01"), target=f"org:{_org('SH-LC2').id}", **amounts)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert len(_plans()) == before


def test_an_ended_period_cannot_be_planned(login_as):
    last_month = clock.today().replace(day=1) - timedelta(days=1)
    response = _post_plan(login_as("manager01"), target=f"org:{_org('SH-LC2').id}", day=last_month, intent=5)
    assert response.status_code == 422 and "已经结束" in response.get_data(as_text=True)
    assert login_as("seat01").get("/plans/new").status_code == 403


def test_a_head_splits_within_the_parent_and_is_refused_beyond_it(login_as):
    parent = _department_plan()
    children = {c.target_user.username: c.id for c in parent.children}
    head = login_as("head01")
    form = head.get(f"/plans/{parent.id}/split").get_data(as_text=True)
    assert "理财一部A组" in form and "张坐席" in form and "周财务" not in form  # groups and seats, no finance

    ok = _split(head, parent, seat01={"valid_call": 450, "intent": 30}, seat02={"valid_call": 350, "intent": 30})
    assert ok.status_code == 302, ok.get_data(as_text=True)
    assert _amounts(children["seat01"]) == {"intent": 30, "valid_call": 450}

    over = _split(head, parent, seat01={"valid_call": 500}, seat02={"valid_call": 400})
    body = over.get_data(as_text=True)
    assert over.status_code == 422 and "拆分超出上级计划：有效电话合计 900，超过上级目标 800" in body
    assert _amounts(children["seat01"]) == {"intent": 30, "valid_call": 450}  # nothing written
    assert 'value="500"' in body  # what was typed is kept

    group = _split(head, parent, seat01={"valid_call": 450}, seat02={"valid_call": 350},
                   **{"SH-LC1-A": {"valid_call": 100}})
    assert group.status_code == 422 and "有效电话合计 900" in group.get_data(as_text=True)

    lower = login_as("manager01").post(f"/plans/{parent.id}/edit", data={"valid_call": "700", "intent": "60"})
    assert lower.status_code == 422 and "下级计划的有效电话合计 800" in lower.get_data(as_text=True)
    assert _amounts(parent.id)["valid_call"] == 800


def test_even_split_suggestion_uses_the_share_calculator(login_as):
    parent = _department_plan()
    form = login_as("head01").get(f"/plans/{parent.id}/split?even=seats").get_data(as_text=True)
    seat01, seat02 = user_named("seat01").id, user_named("seat02").id
    assert f'name="amount-user:{seat01}-valid_call" value="400"' in form
    assert f'name="amount-user:{seat02}-valid_call" value="400"' in form
    assert f'name="amount-org:{_org("SH-LC1-A").id}-valid_call" value=""' in form


@pytest.mark.parametrize(("username", "status"), [("head11", 404), ("seat01", 403), ("manager01", 200)])
def test_only_heads_and_managers_in_scope_split(login_as, username, status):
    parent = _department_plan()
    assert login_as(username).get(f"/plans/{parent.id}/split").status_code == status


def test_a_split_empty_row_withdraws_that_child(login_as):
    parent = _department_plan()
    response = _split(login_as("head01"), parent, seat01={"valid_call": 400}, seat02={"valid_call": ""})
    assert response.status_code == 302
    assert sorted(c.target_user.username for c in db.session.get(Plan, parent.id).children) == ["seat01"]


@pytest.mark.db_sensitive
def _done_by_api(api, plan_id: int) -> tuple[dict[str, int], dict[int, dict[str, int]]]:
    body = api.get(f"/api/v1/plans/{plan_id}").get_json()
    children = {c["target_user_id"]: {p["metric"]: p["done"] for p in c["progress"]} for c in body["children"]}
    return {p["metric"]: p["done"] for p in body["progress"]}, children


def test_actuals_sum_the_active_seats_of_the_subtree_from_the_daily_facts(login_as, api_as):
    parent = _department_plan()
    seat01, seat02, finance01 = user_named("seat01"), user_named("seat02"), user_named("finance01")
    before, children_before = _done_by_api(api_as("head01"), parent.id)  # the demo's own follow-ups
    first = parent.period_start
    facts.add(db.session, seat01.id, first, Metric.VALID_CALL, 12)
    facts.add(db.session, seat02.id, clock.today(), Metric.VALID_CALL, 8)
    facts.add(db.session, seat02.id, clock.today(), Metric.INTENT, 3)
    facts.add(db.session, finance01.id, clock.today(), Metric.VALID_CALL, 99)  # not a seat: not counted
    facts.add(db.session, seat01.id, first - timedelta(days=1), Metric.VALID_CALL, 50)  # last month
    db.session.commit()
    after, children = _done_by_api(api_as("head01"), parent.id)
    assert (after["valid_call"] - before["valid_call"], after["intent"] - before["intent"]) == (20, 3)
    assert after["visit"] == before["visit"]
    assert children[seat01.id]["valid_call"] - children_before[seat01.id]["valid_call"] == 12
    assert children[seat02.id]["valid_call"] - children_before[seat02.id]["valid_call"] == 8
    page = login_as("head01").get(f"/plans/{parent.id}").get_data(as_text=True)
    percent = after["valid_call"] * 100 // 800
    assert f"<strong>{after['valid_call']}</strong> / 800 个 · {percent}%" in page


def test_the_seat_sees_today_s_target_on_the_home_page(login_as):
    today = clock.today()
    parent = _department_plan()
    seat01 = user_named("seat01")
    done_before = 0  # the demo's follow-ups before today, then ours
    if parent.period_start < today:
        yesterday = today - timedelta(days=1)
        done_before = facts.totals(db.session, [seat01.id], parent.period_start, yesterday)[seat01.id][
            Metric.VALID_CALL] + 40
        facts.add(db.session, seat01.id, parent.period_start, Metric.VALID_CALL, 40)
    done_today = facts.totals(db.session, [seat01.id], today, today)[seat01.id][Metric.VALID_CALL] + 5
    facts.add(db.session, seat01.id, today, Metric.VALID_CALL, 5)
    db.session.commit()
    off = {day for (_user, day) in days.excused(db.session, [seat01.id], today, parent.period_end)}
    if today in off:
        pytest.skip("today is a public holiday in the demo data: the target is 0 (tested below)")
    days_left = len(periods.working_days(today + timedelta(days=1), parent.period_end, off)) + 1
    expected = -(-(400 - done_before) // days_left)
    home = login_as("seat01").get("/").get_data(as_text=True)
    panel = home[home.index('id="panel-today-target"'):]
    row = panel[panel.index('data-metric="valid_call"'):panel.index("</tr>", panel.index('data-metric="valid_call"'))]
    assert f">{expected}</td>" in row and f">{done_today}</td>" in row
    assert f"月计划 400，此前已完成 {done_before}，剩余 {days_left} 个工作日（含今天）" in row

    assert _post_plan(login_as("head01"), kind="day", target=f"user:{seat01.id}", valid_call=25).status_code == 302
    home = login_as("seat01").get("/").get_data(as_text=True)
    panel = home[home.index('id="panel-today-target"'):]
    row = panel[panel.index('data-metric="valid_call"'):panel.index("</tr>", panel.index('data-metric="valid_call"'))]
    assert ">25</td>" in row and "日计划 25" in row
    assert "意向客户" in panel  # the other metrics still come from the monthly plan
    head_home = login_as("head01").get("/").get_data(as_text=True)
    assert "理财一部 · " in head_home[head_home.index('id="panel-today-target"'):]  # his department's progress


def test_a_public_holiday_today_sets_no_target_and_later_ones_leave_fewer_days(api_as):
    today = clock.today()
    parent = _department_plan()
    db.session.add(PublicHoliday(name="公司庆典", start_date=today, end_date=today))
    db.session.commit()
    items = {i["metric"]: i for i in api_as("seat01").get("/api/v1/plans/today").get_json()["items"]}
    assert items["valid_call"]["target"] == 0 and "今日公休" in items["valid_call"]["basis"]
    db.session.execute(delete(PublicHoliday))
    db.session.commit()
    before = {i["metric"]: i for i in api_as("seat01").get("/api/v1/plans/today").get_json()["items"]}
    off = {day for (_user, day) in days.excused(db.session, [user_named("seat01").id], today, parent.period_end)}
    later = periods.working_days(today + timedelta(days=1), parent.period_end, off)
    if not later:
        pytest.skip("no working day left after today in this month")
    db.session.add(PublicHoliday(name="调休", start_date=later[0], end_date=later[0]))
    db.session.commit()
    after = {i["metric"]: i for i in api_as("seat01").get("/api/v1/plans/today").get_json()["items"]}
    assert f"剩余 {len(later)} 个工作日" in after["valid_call"]["basis"]
    assert f"剩余 {len(later) + 1} 个工作日" in before["valid_call"]["basis"]


def test_plans_api_create_split_and_today(api_as):
    manager = api_as("manager01")
    created = manager.post("/api/v1/plans", json={
        "kind": "week", "period": clock.today().isoformat(), "target_org_id": _org("SH-LC2").id,
        "targets": {"valid_call": 150, "invitation": 6}, "publish": True})
    assert created.status_code == 201, created.get_json()
    plan = created.get_json()
    monday = clock.today() - timedelta(days=clock.today().weekday())
    assert plan["period_start"] == monday.isoformat() and plan["status"] == "published"
    seat11 = user_named("seat11")
    over = api_as("head11").post(f"/api/v1/plans/{plan['id']}/split", json={
        "children": [{"target_user_id": seat11.id, "targets": {"valid_call": 151}}]})
    assert over.status_code == 422 and "有效电话合计 151，超过上级目标 150" in over.get_json()["error"]["message"]
    unknown = api_as("head11").post(f"/api/v1/plans/{plan['id']}/split", json={
        "children": [{"target_user_id": seat11.id, "targets": {"visit": 1}}]})
    assert unknown.status_code == 422 and "上级计划没有“见客”目标" in unknown.get_json()["error"]["message"]
    split = api_as("head11").post(f"/api/v1/plans/{plan['id']}/split", json={
        "children": [{"target_user_id": seat11.id, "targets": {"valid_call": 150, "invitation": 6}}]})
    assert split.status_code == 200 and split.get_json()["children"][0]["target_user_id"] == seat11.id
    assert api_as("head01").get(f"/api/v1/plans/{plan['id']}").status_code == 404
    assert api_as("head01").post("/api/v1/plans", json={
        "kind": "month", "period": clock.today().isoformat()[:7], "target_org_id": _org("SH-LC1-A").id,
        "targets": {"intent": 1}}).status_code == 403
    today = api_as("seat11").get("/api/v1/plans/today").get_json()
    assert today["date"] == clock.today().isoformat()
    assert {item["metric"] for item in today["items"]} >= {"valid_call", "invitation"}
    listing = api_as("seat11").get("/api/v1/plans?kind=week").get_json()
    assert plan["id"] in [p["id"] for p in listing["items"]]


def test_the_list_filters_by_kind_month_and_status(login_as):
    parent = _department_plan()
    head = login_as("head01")
    row = f'data-plan="{parent.id}"'
    assert row in head.get("/plans/").get_data(as_text=True)
    assert row in head.get(f"/plans/?kind=month&month={clock.today():%Y-%m}&status=published").get_data(as_text=True)
    next_month = periods.bounds(PeriodKind.MONTH, clock.today())[1] + timedelta(days=1)
    for query in ("kind=day", f"month={next_month:%Y-%m}", "status=draft"):
        assert row not in head.get(f"/plans/?{query}").get_data(as_text=True), query


def test_only_the_publisher_revises_a_plan(login_as):
    parent = _department_plan()
    refused = login_as("head01").post(f"/plans/{parent.id}/edit", data={"valid_call": "900", "intent": "60"})
    assert refused.status_code == 403 and _amounts(parent.id)["valid_call"] == 800
    manager = login_as("manager01")
    dropped = manager.post(f"/plans/{parent.id}/edit", data={"valid_call": "900", "intent": "60"})
    assert dropped.status_code == 422 and "下级计划的见客合计 18" in dropped.get_data(as_text=True)
    full = {"intent": "60", "valid_call": "900", "visit": "20", "invitation": "30"}
    assert manager.post(f"/plans/{parent.id}/edit", data=full).status_code == 302
    assert _amounts(parent.id) == {key: int(value) for key, value in full.items()}
    changed = [r for r in audit_rows("update")
               if r.object_type == "plan_target" and r.object_id == f"{parent.id},valid_call"]
    assert [(r.actor_name, r.before, r.after) for r in changed] == [("王城经", {"amount": 800}, {"amount": 900})]


@pytest.mark.db_sensitive
def test_two_splits_of_one_plan_at_once_never_exceed_it(app, database_url, tmp_path):
    parent = _department_plan()
    shares = {child.target_user_id: dict(child.amounts) for child in parent.children}
    reserve = parent.amounts[Metric.VALID_CALL] - sum(a.get(Metric.VALID_CALL, 0) for a in shares.values())
    assert reserve > 0  # each split alone fits: it gives the whole reserve to one seat
    seats = [user_named("seat01").id, user_named("seat02").id]
    parent_id = parent.id

    def give_the_reserve(seat_id: int, _prepared: object) -> str:
        amounts = {metric.value: n for metric, n in shares[seat_id].items()}
        amounts["valid_call"] += reserve
        token = write_intent.set(True)  # as a POST does: on SQLite the write lock is taken up front
        try:
            services.split(db.session, db.session.get(Plan, parent_id), user_named("head01"),
                           [services.SplitRow(None, seat_id, amounts)])
            db.session.commit()
            return "saved"
        except ValidationFailed as refusal:
            db.session.rollback()
            return refusal.message
        finally:
            write_intent.reset(token)

    results = at_once(database_url, tmp_path / "race", seats, give_the_reserve)

    assert list(results.values()).count("saved") == 1
    assert any(r.startswith("拆分超出上级计划：有效电话合计") for r in results.values())
    db.session.commit()
    db.session.expire_all()
    parent = db.session.get(Plan, parent_id)
    assert sum(c.amounts.get(Metric.VALID_CALL, 0) for c in parent.children) == parent.amounts[Metric.VALID_CALL]
