"""查询&报表: each report's figures against counting the ORM rows in Python, the page against its .xlsx exports to
the cent, the data scope (a seat his own, a head his departments; out of scope is 404), and refusals in Chinese."""

from __future__ import annotations

import html
import io
import re
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from app import clock
from app.customers.models import Customer
from app.extensions import db
from app.followups import services as followups
from app.followups.models import FollowUp
from app.org.models import Org
from app.performance import period as periods
from app.pools.models import MOVE_REASON_LABELS, PoolHistory
from app.reports import framework
from app.reports.catalog import REPORTS
from app.trades.models import STATUS_LABELS, InterestLine, InterestPayment, Trade, TradeStatus
from tests.conftest import user_named
from tests.customer_helpers import make_customer

CENT = Decimal("0.01")
# Who opens each report in the export test (ledgers are not the city manager's daily fare, but he holds them).
VIEWER = {"trades": "head01", "followups": "head01", "pools": "head01", "acquisition": "head01",
          "interest": "finance01", "settlements": "finance01", "incomes": "manager01"}
# Detail columns whose sum is a summary measure (same label in both).
MONEY_COLUMNS = {"trades": ["意向金额"], "interest": ["本金", "利息"], "settlements": ["本金", "利息", "合计"],
                 "incomes": ["金额"]}


def _window() -> tuple[Any, Any]:
    """A custom range holding all of the small demo (its rows lie within a year or so of today)."""
    today = clock.today()
    return today - timedelta(days=700), today + timedelta(days=30)


def _range(**extra: str) -> dict[str, str]:
    start, end = _window()
    return {"grain": "range", "start": start.isoformat(), "end": end.isoformat(), **extra}


def _cells(row_html: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row_html, re.S)]


def summary_of(page: str) -> tuple[list[list[str]], list[str]]:
    """The summary table of a report page: its group rows and the 合计 row, as displayed."""
    table = re.search(r'<table[^>]*id="report-summary".*?</table>', page, re.S)
    assert table, "no summary table"
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(0), re.S)
    rows = [_cells(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)] if body else []
    total = _cells(re.search(r'<tr[^>]*id="report-total"[^>]*>(.*?)</tr>', table.group(0), re.S).group(1))
    return [row for row in rows if len(row) > 1], total


def detail_total(page: str) -> int:
    match = re.search(r"共 (\d+) 条", page)
    return int(match.group(1)) if match else 0


def number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def workbook(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    book.close()
    return rows


def cents(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def _local_day(moment: Any) -> Any:
    return clock.local(moment).date()


def _in_scope_of_head(org_id: int | None, owner_ids: tuple[int | None, ...], head: Any) -> bool:
    path = db.session.scalar(select(Org.path).where(Org.id == org_id)) if org_id else None
    return (path is not None and path.startswith(head.org.path)) or head.id in owner_ids


# --- figures against an oracle ------------------------------------------------------------------------------------


@pytest.mark.db_sensitive
def test_trades_by_status_agree_with_counting_the_heads_trades(app, login_as):
    head = user_named("head01")
    start, end = _window()
    expected: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 4)
    for trade in db.session.scalars(select(Trade)):
        if not (start <= _local_day(trade.created_at) <= end and _in_scope_of_head(trade.org_id, (trade.seat_id,),
                                                                                     head)):
            continue
        deal = (trade.arrival_confirmed and trade.arrival_date is not None
                and trade.status not in (TradeStatus.REFUNDED, TradeStatus.FAILED))
        figures = expected[STATUS_LABELS[trade.status]]
        figures[0] += 1
        figures[1] += trade.intended_amount
        figures[2] += 1 if deal else 0
        figures[3] += trade.arrival_amount if deal else 0
    assert expected, "the demo gives head01's departments trades"
    everyone = db.session.scalar(select(func.count(Trade.id)))
    assert sum(f[0] for f in expected.values()) < everyone, "some trades lie outside head01's scope"

    page = login_as("head01").get("/reports/trades/", query_string=_range(by="status")).get_data(as_text=True)
    rows, total = summary_of(page)
    found = {row[0]: [number(cell) for cell in row[1:]] for row in rows}
    assert found == {name: [figures[0], figures[1].quantize(CENT), figures[2], figures[3].quantize(CENT)]
                     for name, figures in expected.items()}
    assert [number(cell) for cell in total[1:]] == [sum(f[i] for f in expected.values()) for i in range(4)]
    assert detail_total(page) == sum(f[0] for f in expected.values())


@pytest.mark.db_sensitive
def test_pool_movements_by_reason_agree_with_the_history_rows(app, login_as):
    start, end = _window()
    rows = [h for h in db.session.scalars(select(PoolHistory)) if start <= _local_day(h.at) <= end]
    expected = Counter(MOVE_REASON_LABELS[h.reason] for h in rows)
    by_rule = sum(1 for h in rows if h.actor_id is None)
    page = login_as("admin").get("/reports/pools/", query_string=_range(by="reason")).get_data(as_text=True)
    groups, total = summary_of(page)
    assert {row[0]: int(row[1]) for row in groups} == dict(expected)
    assert total[1:] == [str(len(rows)), str(len({h.customer_id for h in rows})), str(by_rule)]

    rule_only = login_as("admin").get("/reports/pools/", query_string=_range(mover="rule")).get_data(as_text=True)
    assert summary_of(rule_only)[1][1] == str(by_rule)


@pytest.mark.db_sensitive
def test_interest_ledger_agrees_with_the_lines(app, login_as):
    start, end = _window()
    lines = [line for line in db.session.scalars(select(InterestLine))
             if start <= db.session.get(InterestPayment, line.payment_id).payment_date <= end]
    assert lines, "the demo posts interest"
    page = login_as("admin").get("/reports/interest/", query_string=_range(by="project")).get_data(as_text=True)
    total = summary_of(page)[1]
    assert [number(cell) for cell in total[1:]] == [len(lines), sum(line.principal for line in lines),
                                                    sum(line.amount for line in lines)]


@pytest.mark.db_sensitive
def test_acquisition_by_source_counts_the_new_customers(app, login_as):
    start, end = _window()
    created = [c for c in db.session.scalars(select(Customer)) if start <= _local_day(c.created_at) <= end]
    page = login_as("admin").get("/reports/acquisition/", query_string=_range(by="source")).get_data(as_text=True)
    groups, total = summary_of(page)
    assert int(total[1]) == len(created)
    assert sorted(int(row[1]) for row in groups) == sorted(Counter(c.source for c in created).values())
    batch = next(c.import_batch for c in created if c.import_batch)
    page = login_as("admin").get("/reports/acquisition/", query_string=_range(batch=batch)).get_data(as_text=True)
    assert int(summary_of(page)[1][1]) == sum(1 for c in created if c.import_batch == batch)


# --- the page and its exports ---------------------------------------------------------------------------------


@pytest.mark.db_sensitive  # months by Asia/Shanghai day and sums in fen differ in SQL between the two
@pytest.mark.parametrize("key", list(REPORTS))
def test_every_report_exports_what_the_page_shows_to_the_cent(app, login_as, key):
    client = login_as(VIEWER[key])
    report = REPORTS[key]
    for dimension in report.dimensions:
        page = client.get(f"/reports/{key}/", query_string=_range(by=dimension.key)).get_data(as_text=True)
        groups, total = summary_of(page)
        sheet = workbook(client.get(f"/reports/{key}/", query_string=_range(by=dimension.key, export="summary")))
        assert list(sheet[0]) == [dimension.label, *[m.label for m in report.measures]]
        exported = [[str(row[0]), *[cents(v) if m.money else int(v) for m, v in zip(report.measures, row[1:],
                                                                                     strict=True)]]
                    for row in sheet[1:]]
        shown = [[row[0], *[number(cell) for cell in row[1:]]] for row in [*groups, total]]
        assert exported == shown, dimension.key
    assert int(total[1]) > 0, f"{VIEWER[key]} sees rows in {key}"

    detail = workbook(client.get(f"/reports/{key}/", query_string=_range(export="detail")))
    assert list(detail[0]) == [column.label for column in report.columns]
    assert len(detail) - 1 == detail_total(page)
    labels = [m.label for m in report.measures]
    for name in MONEY_COLUMNS.get(key, []):
        index = list(detail[0]).index(name)
        assert sum((cents(row[index]) for row in detail[1:]), Decimal(0)) == number(total[1 + labels.index(name)])


def test_a_detail_export_over_the_cap_is_refused_with_a_message(app, login_as, monkeypatch):
    monkeypatch.setattr(framework, "EXPORT_MAX_ROWS", 1)
    client = login_as("admin")
    response = client.get("/reports/followups/", query_string=_range(export="detail"))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "超过导出上限 1 行" in page
    assert workbook(client.get("/reports/followups/", query_string=_range(export="summary")))


# --- data scope -----------------------------------------------------------------------------------------------


@pytest.mark.db_sensitive
def test_follow_ups_a_seat_sees_his_own_and_a_head_filters_by_seat(app, login_as):
    seat01, seat02, seat11 = user_named("seat01"), user_named("seat02"), user_named("seat11")
    customer = make_customer("报表跟进", seat="seat01")
    followups.log_follow_up(db.session, db.session.get(Customer, customer.id), seat01,
                            followups.FollowUpInput(kind="visit", result="interested", content="面谈"))
    db.session.commit()
    start, end = _window()

    def count(user_id: int) -> int:
        return sum(1 for f in db.session.scalars(select(FollowUp).where(FollowUp.user_id == user_id))
                   if start <= _local_day(f.at) <= end)

    own = login_as("seat01")
    assert int(summary_of(own.get("/reports/followups/", query_string=_range()).get_data(as_text=True))[1][1]) \
        == count(seat01.id)
    assert own.get("/reports/followups/", query_string=_range(seat=str(seat02.id))).status_code == 404

    head = login_as("head01")
    page = head.get("/reports/followups/", query_string=_range(seat=str(seat01.id), by="kind")).get_data(as_text=True)
    groups, total = summary_of(page)
    assert int(total[1]) == count(seat01.id)
    assert "见客" in [row[0] for row in groups]
    assert head.get("/reports/followups/", query_string=_range(seat=str(seat11.id))).status_code == 404
    whole = int(summary_of(head.get("/reports/followups/", query_string=_range()).get_data(as_text=True))[1][1])
    assert whole >= count(seat01.id) + count(seat02.id)
    assert login_as("manager01").get("/reports/followups/", query_string=_range(seat=str(seat11.id))).status_code \
        == 200


def test_an_org_outside_the_scope_is_not_found(app, login_as):
    seat11 = user_named("seat11")
    head = login_as("head01")
    for key in ("trades", "followups", "pools", "acquisition"):
        assert head.get(f"/reports/{key}/", query_string=_range(org=str(seat11.org_id))).status_code == 404, key
    assert login_as("finance01").get("/reports/interest/", query_string=_range(org="99999")).status_code == 404


@pytest.mark.parametrize(("username", "key", "status"), [
    ("seat01", "pools", 403), ("seat01", "acquisition", 403), ("seat01", "interest", 403),
    ("head01", "settlements", 403), ("finance01", "followups", 403), ("service01", "incomes", 200),
    ("finance01", "trades", 200), ("seat01", "trades", 200), ("manager01", "settlements", 200),
])
def test_who_may_open_which_report(app, login_as, username, key, status):
    assert login_as(username).get(f"/reports/{key}/").status_code == status


def test_a_seat_sees_only_his_own_trades(app, login_as):
    seat01 = user_named("seat01")
    start, end = _window()
    own = sum(1 for t in db.session.scalars(select(Trade).where(Trade.seat_id == seat01.id))
              if start <= _local_day(t.created_at) <= end)
    page = login_as("seat01").get("/reports/trades/", query_string=_range()).get_data(as_text=True)
    assert int(summary_of(page)[1][1]) == own
    assert detail_total(page) == own


# --- refusals ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "status", "message"), [
    ({"grain": "year"}, 422, "统计周期应为"),
    ({"grain": "range", "start": "2026-06-10", "end": "2026-06-01"}, 422, "结束日期不能早于开始日期"),
    ({"grain": "month", "value": "2026-13"}, 422, "月份格式应为 YYYY-MM"),
    ({"grain": "month", "value": "9999-12"}, 422, "统计期间应在 1900 年至 2999 年之间"),
    ({"status": "bogus"}, 422, "状态的取值无效"),
    ({"by": "bogus"}, 422, "汇总维度无效"),
    ({"project": "99999"}, 422, "项目的取值无效"),
    ({"seat": "99999"}, 404, "坐席不存在或不在您的数据范围内"),
])
def test_bad_filters_are_refused_in_chinese(app, login_as, args, status, message):
    response = login_as("head01").get("/reports/trades/", query_string=args)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


@pytest.mark.date_sensitive
def test_without_a_period_a_report_shows_this_month(app, login_as):
    period = periods.this_month()
    start, end = period.start, period.end
    trades = [t for t in db.session.scalars(select(Trade)) if start <= _local_day(t.created_at) <= end]
    page = login_as("admin").get("/reports/trades/").get_data(as_text=True)
    assert period.label in page
    assert int(summary_of(page)[1][1]) == len(trades)


# --- API ----------------------------------------------------------------------------------------------------------


def test_the_api_answers_the_figures_of_the_page(app, login_as, api_as):
    page = login_as("head01").get("/reports/trades/", query_string=_range(by="status")).get_data(as_text=True)
    groups, total = summary_of(page)
    body = api_as("head01").get("/api/v1/reports/trades", query_string=_range(by="status", per_page="5")).get_json()
    assert body["by"] == "status" and body["total_rows"] == detail_total(page) and len(body["items"]) == 5
    assert [[g["name"], *g["values"]] for g in body["groups"]] == [
        [row[0], *[cell.replace(",", "") if "." in cell else int(cell) for cell in row[1:]]] for row in groups]
    assert body["total"] == [cell.replace(",", "") if "." in cell else int(cell) for cell in total[1:]]


def test_the_api_keeps_the_scope_and_refuses_bad_periods(app, api_as):
    seat02 = user_named("seat02")
    seat = api_as("seat01")
    assert seat.get("/api/v1/reports/followups", query_string={"seat": str(seat02.id)}).status_code == 404
    assert seat.get("/api/v1/reports/pools").status_code == 403
    response = seat.get("/api/v1/reports/trades", query_string={"grain": "range", "start": "x"})
    assert response.status_code == 422 and "开始日期" in response.get_json()["error"]["message"]


def test_a_summary_cut_to_its_first_groups_still_totals_everything(app, login_as, monkeypatch):
    client = login_as("admin")
    whole = summary_of(client.get("/reports/trades/", query_string=_range(by="status")).get_data(as_text=True))
    assert len(whole[0]) > 1
    monkeypatch.setattr(framework, "MAX_GROUPS", 1)
    page = client.get("/reports/trades/", query_string=_range(by="status")).get_data(as_text=True)
    groups, total = summary_of(page)
    assert len(groups) == 1 and "仅显示前 1 组" in page
    assert total == whole[1]


def test_the_detail_pages_list_the_rows_of_the_export_in_its_order(app, login_as):
    client = login_as("admin")
    exported = workbook(client.get("/reports/followups/", query_string=_range(export="detail")))[1:]
    assert len(exported) > framework.PER_PAGE, "the demo has more than one page of follow-ups"
    shown = []
    for number_ in (1, 2):
        page = client.get("/reports/followups/", query_string=_range(page=str(number_))).get_data(as_text=True)
        body = re.search(r'<table[^>]*id="report-detail".*?<tbody>(.*?)</tbody>', page, re.S).group(1)
        shown += [_cells(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S) if "<td" in row]
    shown = [row for row in shown if len(row) > 1]
    assert len(shown) == len(exported)
    assert [row[3] for row in shown] == [row[3] for row in exported]  # 客户编号, row by row
    assert [row[0] for row in shown] == [row[0].strftime("%Y-%m-%d %H:%M") for row in exported]  # local times
