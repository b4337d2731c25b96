"""业绩查询 (staff performance): figures per seat against an oracle counted in Python over the ORM rows, the
export and the API agree with the page, each viewer sees only his data scope, bad input gets a Chinese message;
and the daily facts now count every call, 来访 and 沙龙 (incrementally and when rebuilt)."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.followups.models import FollowUp, FollowUpKind
from app.performance import deals, staff
from app.performance.metrics import PerfMetric
from app.performance.period import this_month
from app.quotas import calendar, facts
from app.quotas.calendar import DayStatus
from app.quotas.models import DailyFact, IntentMark
from app.trades.models import Trade, TradeStatus
from tests.customer_helpers import fresh, make_customer, user


def _counts(username: str) -> dict[str, int]:
    fresh()
    seat = user(username)
    row = db.session.get(DailyFact, (seat.id, clock.today()))
    return {name: getattr(row, name) if row else 0 for name in facts.FACT_COLUMNS}


def _log(client, customer_id: int, **data: object) -> None:
    assert client.post(f"/followups/customers/{customer_id}", data=data).status_code in (200, 302)


@pytest.mark.db_sensitive
def test_facts_count_every_call_incoming_visit_and_salon_and_the_rebuild_agrees(login_as):
    customer = make_customer("业绩甲", seat="seat01", phones=["13722240001"], type_="new")
    before = _counts("seat01")
    client = login_as("seat01")
    _log(client, customer.id, kind="call", phone="13722240001", connected="y", duration_seconds=90, result="interested")
    _log(client, customer.id, kind="call", phone="13722240001", connected="y", duration_seconds=10, result="refused")
    _log(client, customer.id, kind="incoming_visit", content="来访")
    _log(client, customer.id, kind="visit", content="面谈")
    _log(client, customer.id, kind="salon", content="参加沙龙")
    after = _counts("seat01")
    added = {name: after[name] - before[name] for name in facts.FACT_COLUMNS}
    assert added == {"intent": 0, "valid_call": 1, "visit": 2, "invitation": 0, "call": 2, "incoming_visit": 1,
                     "salon": 1}
    start = clock.today() - timedelta(days=6)
    facts.rebuild(db.session, start, clock.today())
    db.session.commit()
    assert _counts("seat01") == after


def _oracle(seat_ids: list[int], start, end) -> dict[int, dict[PerfMetric, object]]:
    """Every figure counted in Python over the ORM rows (follow-ups, intent marks, trades, calendar days)."""
    counts: dict[int, Counter] = {seat_id: Counter() for seat_id in seat_ids}
    for follow_up in db.session.scalars(select(FollowUp).where(FollowUp.user_id.in_(seat_ids))):
        if not start <= clock.local(follow_up.at).date() <= end:
            continue
        c = counts[follow_up.user_id]
        c[PerfMetric.CALLS] += follow_up.kind == FollowUpKind.CALL
        c[PerfMetric.VALID_CALLS] += follow_up.kind == FollowUpKind.CALL and follow_up.valid
        c[PerfMetric.VISITS] += follow_up.kind in (FollowUpKind.VISIT, FollowUpKind.INCOMING_VISIT)
        c[PerfMetric.INCOMING_VISITS] += follow_up.kind == FollowUpKind.INCOMING_VISIT
        c[PerfMetric.SALONS] += follow_up.kind == FollowUpKind.SALON
        c[PerfMetric.INVITATIONS] += follow_up.kind == FollowUpKind.INVITATION
    deal_days: dict[int, list] = {}  # customer → its deals' arrival days (any seat)
    threshold = deals.big_threshold(db.session)
    amount: Counter = Counter()
    for trade in db.session.scalars(select(Trade)):
        counting = (trade.arrival_confirmed and trade.arrival_date
                    and trade.status not in (TradeStatus.REFUNDED, TradeStatus.FAILED))
        if counting:
            deal_days.setdefault(trade.customer_id, []).append(trade.arrival_date)
        if counting and trade.seat_id in counts and start <= trade.arrival_date <= end:
            counts[trade.seat_id][PerfMetric.DEALS] += 1
            counts[trade.seat_id]["big"] += trade.arrival_amount >= threshold
            amount[trade.seat_id] += trade.arrival_amount
    for mark in db.session.scalars(select(IntentMark).where(IntentMark.user_id.in_(seat_ids))):
        if start <= mark.day <= end:
            counts[mark.user_id][PerfMetric.INTENTS] += 1
            later = deal_days.get(mark.customer_id, [])
            counts[mark.user_id]["converted"] += any(mark.day <= day <= end for day in later)
    people = [db.session.get(type(user("seat01")), seat_id) for seat_id in seat_ids]
    days = calendar.calendars(db.session, people, start, min(end, clock.today())) if start <= clock.today() else {}
    result = {}
    for seat_id in seat_ids:
        c = counts[seat_id]
        working = [d for d in days.get(seat_id, []) if d.status in (DayStatus.COMPLETE, DayStatus.INCOMPLETE)]
        complete = sum(1 for d in working if d.status == DayStatus.COMPLETE)

        def pct(part, whole):
            return round(part * 100 / whole + 1e-9, 1) if whole else None

        result[seat_id] = {**{m: c[m] for m in (PerfMetric.CALLS, PerfMetric.VALID_CALLS, PerfMetric.VISITS,
                                                PerfMetric.INCOMING_VISITS, PerfMetric.SALONS, PerfMetric.INVITATIONS,
                                                PerfMetric.INTENTS, PerfMetric.DEALS)},
                           PerfMetric.AMOUNT: Decimal(amount[seat_id]).quantize(Decimal("0.01")),
                           PerfMetric.BIG_RATIO: pct(c["big"], c[PerfMetric.DEALS]),
                           PerfMetric.CALL_CONVERSION: pct(c[PerfMetric.INTENTS], c[PerfMetric.CALLS]),
                           PerfMetric.DEAL_CONVERSION: pct(c["converted"], c[PerfMetric.INTENTS]),
                           PerfMetric.QUOTA_COMPLETION: pct(complete, len(working))}
    return result


def _page_cells(html: str, marker: str) -> dict[str, str]:
    row = re.search(rf'<tr {marker}>(.*?)</tr>', html, re.S)
    assert row, marker
    return dict(re.findall(r'data-metric="(\w+)">([^<]*)</td>', row.group(1)))


@pytest.mark.date_sensitive
@pytest.mark.db_sensitive
def test_head01_sees_his_seats_this_month_as_counted_from_the_rows_and_the_export_agrees(login_as, api_as):
    month = this_month()
    seat01, seat02 = user("seat01"), user("seat02")
    customer = make_customer("业绩乙", seat="seat01", phones=["13722240002"], type_="new")
    client = login_as("seat01")
    _log(client, customer.id, kind="call", phone="13722240002", connected="y", duration_seconds=90,
         result="interested", new_type="intent")
    _log(client, customer.id, kind="salon", content="沙龙")
    fresh()
    expected = _oracle([seat01.id, seat02.id], month.start, month.end)
    assert expected[seat01.id][PerfMetric.CALLS] > 0 and expected[seat01.id][PerfMetric.SALONS] > 0

    head = login_as("head01")
    page = head.get("/performance/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "业绩查询" in html and 'data-chart="perf-line"' in html and 'data-chart="perf-funnel"' in html
    body = api_as("head01").get("/api/v1/performance/staff").get_json()
    shown = {seat["user_id"]: seat for seat in body["seats"]}
    assert {seat01.id, seat02.id} <= set(shown)
    assert all(user("seat11").id != seat_id for seat_id in shown)
    for seat_id in (seat01.id, seat02.id):
        got = shown[seat_id]["figures"]
        for metric, value in expected[seat_id].items():
            want = str(value) if metric == PerfMetric.AMOUNT else value
            assert got[metric.value] == want, (seat_id, metric)
        cells = _page_cells(html, f'data-seat="{seat_id}"')
        assert cells == {m.value: staff.display(m, expected[seat_id][m]) for m in PerfMetric}

    workbook = load_workbook(io.BytesIO(head.get("/performance/export.xlsx").data), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("工号", "姓名", "部门", "电话量（次）")
    by_name = {row[1]: row for row in rows[1:]}
    for seat in (seat01, seat02):
        exported = by_name[seat.name]
        assert exported[0] == seat.work_no
        for index, metric in enumerate(staff.METRICS):
            value = expected[seat.id][metric]
            assert (Decimal(str(exported[3 + index])) if metric == PerfMetric.AMOUNT else exported[3 + index]) == \
                value, (seat.name, metric)  # no ratio: an empty cell
    total_cells = _page_cells(html, 'data-row="total"')
    assert by_name["合计"][3] == body["total"]["calls"] == int(total_cells["calls"])
    assert body["total"]["calls"] == sum(s["figures"]["calls"] for s in body["seats"])
    assert body["average"]["calls"] == round(body["total"]["calls"] / len(body["seats"]) + 1e-9, 1)
    assert body["funnel"][0] == {"label": "电话", "value": body["total"]["calls"]}
    assert len(body["series"]) == month.days
    assert sum(point["value"] or 0 for point in body["series"]) == body["total"]["calls"]
    assert all(point["value"] is None for point in body["series"] if point["start"] > clock.today().isoformat())


def test_the_charts_draw_the_chosen_metric_with_an_average_line_and_drill_down(login_as):
    head = login_as("head01")
    html = head.get("/performance/?grain=week&metric=valid_calls").get_data(as_text=True)
    line = re.search(r'id="perf-line-option">(.*?)</script>', html, re.S)
    assert line and '"average"' in line.group(1) and '"markLine"' in line.group(1)
    assert "工作量（有效电话）" in html
    seat01 = user("seat01")
    assert f"seat_id={seat01.id}" in re.search(r'id="perf-bars-option">(.*?)</script>', html, re.S).group(1)
    alone = head.get(f"/performance/?seat_id={seat01.id}").get_data(as_text=True)
    assert f'data-seat="{seat01.id}"' in alone and f'data-seat="{user("seat02").id}"' not in alone


def test_a_seat_sees_only_itself_and_nobody_sees_outside_his_scope(login_as, api_as):
    seat01, seat02, seat11 = user("seat01"), user("seat02"), user("seat11")
    body = api_as("seat01").get("/api/v1/performance/staff").get_json()
    assert [s["user_id"] for s in body["seats"]] == [seat01.id]
    seat = login_as("seat01")
    html = seat.get("/performance/").get_data(as_text=True)
    assert f'data-seat="{seat01.id}"' in html and f'data-seat="{seat02.id}"' not in html
    assert seat.get(f"/performance/?seat_id={seat02.id}").status_code == 404
    assert api_as("seat01").get(f"/api/v1/performance/staff?seat_id={seat02.id}").status_code == 404
    head = login_as("head01")
    assert head.get(f"/performance/?seat_id={seat11.id}").status_code == 404
    assert head.get(f"/performance/export.xlsx?seat_id={seat11.id}").status_code == 404
    assert head.get(f"/performance/?org_id={seat11.org_id}").status_code == 404
    manager = api_as("manager01").get("/api/v1/performance/staff").get_json()
    assert {seat01.id, seat02.id, seat11.id} <= {s["user_id"] for s in manager["seats"]}
    assert login_as("finance01").get("/performance/").status_code == 403


@pytest.mark.parametrize(("query", "message"), [
    ("grain=year", "统计周期应为"), ("grain=month&value=2026-13", "月份格式应为 YYYY-MM"),
    ("grain=range&start=2026-06-10&end=2026-06-01", "结束日期不能早于开始日期"),
    ("grain=range&start=2024-01-01&end=2026-06-01", "统计区间最长"), ("metric=profit", "指标不存在"),
])
def test_bad_periods_and_metrics_get_a_chinese_message(login_as, api_as, query, message):
    page = login_as("head01").get(f"/performance/?{query}")
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    answer = api_as("head01").get(f"/api/v1/performance/staff?{query}") if "metric=profit" not in query else None
    if answer is not None:
        assert answer.status_code == 422 and message in answer.get_json()["error"]["message"]


@pytest.mark.date_sensitive
@pytest.mark.db_sensitive
def test_a_year_long_range_charts_by_month_with_completion_in_percent(api_as):
    today = clock.today()
    start = today - timedelta(days=400)
    body = api_as("head01").get(f"/api/v1/performance/staff?grain=range&start={start}&end={today}"
                                "&metric=quota_completion").get_json()
    assert body["period"]["grain"] == "range" and len(body["series"]) in (14, 15)
    assert all(p["value"] is None or 0 <= p["value"] <= 100 for p in body["series"])
