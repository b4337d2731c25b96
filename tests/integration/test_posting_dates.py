"""One rule for every date that posts money: 到账时间, 收益日期, 计息截止日, 付息日 and 清算日 are never after today
(the pinned clock's business date); a future date is refused with the same Chinese message and nothing is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.trades.models import InterestPayment, Settlement, TradeIncome, TradeStatus
from tests.integration.trading import act, earning_project, make_project, reload, service_trade

pytestmark = pytest.mark.date_sensitive


def _refusal(what: str) -> str:
    return f"{what}不能晚于今天（{clock.today():%Y-%m-%d}）"


def _count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_future_arrival_date_is_refused_at_the_finance_review(login_as):
    trade = service_trade(make_project())
    tomorrow = clock.today() + timedelta(days=1)
    response = act(login_as("finance01"), trade, "pass", "已到账", expect=422, arrival_date=tomorrow.isoformat(),
                   arrival_amount=str(trade.intended_amount))
    assert _refusal("到账时间") in response.get_data(as_text=True)
    assert reload(trade.id).status == TradeStatus.FINANCE_AUDIT


@pytest.mark.parametrize(("field", "what"), [("payment_date", "付息日"), ("period_end", "计息截止日")])
def test_an_interest_payment_dated_in_the_future_is_refused(login_as, field, what):
    project, _trades = earning_project(60, amounts=("1000000",))
    dates = {"period_end": clock.today().isoformat(), "payment_date": clock.today().isoformat(),
             field: (clock.today() + timedelta(days=1)).isoformat()}
    if field == "period_end":
        dates["payment_date"] = dates["period_end"]  # not earlier than the period end, so the date rule speaks
    before = _count(InterestPayment)
    response = login_as("finance01").post("/trades/payouts/interest", data={"project_id": str(project.id), **dates})
    assert response.status_code == 422 and _refusal(what) in response.get_data(as_text=True)
    assert _count(InterestPayment) == before


def test_a_settlement_dated_in_the_future_is_refused(login_as):
    project, trades = earning_project(30, amounts=("1000000",))
    before = _count(Settlement)
    response = login_as("finance01").post("/trades/payouts/settlements", data={
        "project_id": str(project.id), "settlement_date": (clock.today() + timedelta(days=365)).isoformat()})
    assert response.status_code == 422 and _refusal("清算日") in response.get_data(as_text=True)
    assert _count(Settlement) == before and reload(trades[0].id).status == TradeStatus.INCOME


def test_an_income_record_dated_in_the_future_is_refused_and_today_is_accepted(login_as):
    _project, trades = earning_project(30, amounts=("1000000",))
    finance = login_as("service01")
    before = _count(TradeIncome)
    response = finance.post(f"/trades/incomes/new/{trades[0].id}", data={
        "kind": "dividend", "income_date": (clock.today() + timedelta(days=1)).isoformat(), "amount": "10"})
    assert response.status_code == 422 and _refusal("收益日期") in response.get_data(as_text=True)
    assert _count(TradeIncome) == before
    response = finance.post(f"/trades/incomes/new/{trades[0].id}", data={
        "kind": "dividend", "income_date": clock.today().isoformat(), "amount": "10"})
    assert response.status_code == 302 and _count(TradeIncome) == before + 1
