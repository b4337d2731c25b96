"""Rankings screens, export, home panel and API: company-wide boards any holder of the permission sees, the
export agreeing with the page, the month and org filters refusing bad input in Chinese."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.auth.models import User, UserStatus
from app.extensions import db
from app.performance import period
from app.trades.models import Trade, TradeStatus
from tests.conftest import user_named

pytestmark = pytest.mark.date_sensitive


def counted_amounts() -> dict[int, Decimal]:
    """This month's 交易金额 per active seat, counted over every trade."""
    month = period.this_month()
    seats = {u.id for u in db.session.scalars(select(User).where(User.status == UserStatus.ACTIVE))
             if "seat" in u.role_codes}
    found = dict.fromkeys(seats, Decimal("0.00"))
    for trade in db.session.scalars(select(Trade)):
        if (trade.seat_id in seats and trade.arrival_confirmed and trade.arrival_date
                and month.start <= trade.arrival_date <= month.end
                and trade.status not in (TradeStatus.REFUNDED, TradeStatus.FAILED)):
            found[trade.seat_id] += trade.arrival_amount
    return found


def page_values(html: str, metric: str) -> dict[int, str]:
    table = html.split(f'id="board-{metric}"', 1)[1].split("</table>", 1)[0]
    return {int(seat): value for seat, value in re.findall(
        r'data-seat="(\d+)".*?data-value="([^"]*)"', table, flags=re.S)}


@pytest.mark.parametrize("username", ["seat01", "seat11", "head01", "manager01", "admin"])
def test_every_holder_sees_the_whole_company_board(login_as, username):
    response = login_as(username).get("/performance/rankings/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "业绩排名" in html and "金榜" in html and "银榜" in html and "新员工纪录" in html
    expected = counted_amounts()
    shown = page_values(html, "amount")
    assert {seat: Decimal(value) for seat, value in shown.items()} == {
        seat: amount for seat, amount in expected.items() if seat in shown}
    assert len(shown) == min(len(expected), 20)
    assert 'data-chart="ranking-amount"' in html


def test_a_role_without_the_permission_is_refused(login_as):
    assert login_as("finance01").get("/performance/rankings/").status_code == 403
    assert login_as("finance01").get("/performance/rankings/export").status_code == 403


def test_bad_month_and_unknown_org_are_refused(login_as):
    client = login_as("head01")
    response = client.get("/performance/rankings/?month=2026-13")
    assert response.status_code == 422
    assert "月份格式应为 YYYY-MM" in response.get_data(as_text=True)
    assert client.get("/performance/rankings/?org_id=999999").status_code == 404


def test_the_org_filter_narrows_the_board_to_that_department(login_as):
    department = user_named("seat01").org
    html = login_as("seat11").get(f"/performance/rankings/?org_id={department.id}").get_data(as_text=True)
    ids = set(page_values(html, "deals"))
    assert ids == {user_named("seat01").id, user_named("seat02").id}


def test_export_lists_every_seat_with_the_page_figures(login_as):
    client = login_as("head01")
    html = client.get("/performance/rankings/").get_data(as_text=True)
    response = client.get("/performance/rankings/export")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("工号", "姓名", "部门", "交易金额（元）", "交易金额排名", "成单量（单）", "成单量排名",
                       "邀约量（次）", "邀约量排名")
    by_work_no = {row[0]: row for row in rows[1:]}
    expected = counted_amounts()
    assert len(by_work_no) == len(expected)
    for seat_id, value in page_values(html, "amount").items():
        work_no = db.session.get(User, seat_id).work_no
        assert Decimal(str(by_work_no[work_no][3])) == Decimal(value)
    for seat_id, value in page_values(html, "deals").items():
        assert by_work_no[db.session.get(User, seat_id).work_no][5] == int(value)


def test_home_panel_shows_the_gold_and_silver_boards_and_my_rank(login_as):
    html = login_as("seat01").get("/").get_data(as_text=True)
    assert 'id="panel-rankings"' in html and "金榜" in html and "银榜" in html
    assert "我的排名" in html
    manager = login_as("manager01").get("/").get_data(as_text=True)
    assert 'id="panel-rankings"' in manager and "我的排名" not in manager
    top = max(counted_amounts().items(), key=lambda item: (item[1], -item[0]))
    if top[1]:
        panel = manager.split('id="panel-board-amount"', 1)[1].split("</ol>", 1)[0]
        assert f"{top[1]:,.2f}" in panel


def test_api_gives_the_boards_and_the_callers_place(api_as):
    api = api_as("seat01")
    body = api.get("/api/v1/performance/rankings").get_json()
    assert body["month"] == period.this_month().value
    assert [b["metric"] for b in body["boards"]] == ["amount", "deals", "invitations"]
    amount = body["boards"][0]
    expected = counted_amounts()
    assert amount["total"] == len(expected)
    assert {e["user_id"]: Decimal(e["value"]) for e in amount["entries"]} == expected
    assert amount["me"]["rank"] == next(e["rank"] for e in amount["entries"] if e["user_id"] == user_named("seat01").id)
    single = api.get("/api/v1/performance/rankings?metric=deals&limit=1").get_json()
    assert len(single["boards"]) == 1 and len(single["boards"][0]["entries"]) == 1
    assert api.get("/api/v1/performance/rankings?metric=calls").status_code == 422
    assert api.get("/api/v1/performance/rankings?month=June").status_code == 422
    assert api.get("/api/v1/performance/rankings?org_id=999999").status_code == 404
    assert api_as("finance01").get("/api/v1/performance/rankings").status_code == 403
