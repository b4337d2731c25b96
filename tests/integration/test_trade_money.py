"""理财项目付息维护, 清算维护 and 投资交易收益维护 through HTTP: income-stage projects only, ACT/365 interest,
a second finance user reviews and posts, settlement closes the trades, submitted income records are final."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import clock
from app.errors import Conflict
from app.extensions import db
from app.products.models import ProjectStage
from app.trades.models import IncomeStatus, InterestPayment, PayoutStatus, Settlement, TradeIncome, TradeStatus
from tests.integration.trading import earning_project, make_project, reload


def _latest(model):
    db.session.rollback()
    return db.session.scalars(select(model).order_by(model.id.desc()).limit(1)).one()


def test_interest_is_computed_on_act_365_reviewed_by_another_finance_user_and_posted(login_as):
    project, (small, large) = earning_project(100)
    finance01, finance02 = login_as("finance01"), login_as("finance02")
    page = finance01.get("/trades/payouts/interest").get_data(as_text=True)
    assert project.name in page and 'id="interest-form"' in page
    period_end = clock.today() - timedelta(days=10)  # 90 days after the value date
    response = finance01.post("/trades/payouts/interest", data={
        "project_id": str(project.id), "period_end": period_end.isoformat(), "payment_date": period_end.isoformat(),
        "remark": "第一期"})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    payment = _latest(InterestPayment)
    assert payment.status == PayoutStatus.DRAFT and payment.day_basis == "ACT/365"
    lines = {line.trade_id: line for line in payment.lines}
    assert lines[small.id].days == 90
    # 1,000,000 × 6.5 % × 90 / 365 = 16,027.40; 2,000,000 → 32,054.79
    assert lines[small.id].amount == Decimal("16027.40") and lines[large.id].amount == Decimal("32054.79")
    assert payment.total == Decimal("48082.19")

    refused = finance01.post(f"/trades/payouts/interest/{payment.id}/post", headers={"Referer": "/"},
                             follow_redirects=True)
    assert "须由另一位财务人员复核入账" in refused.get_data(as_text=True)
    assert finance02.post(f"/trades/payouts/interest/{payment.id}/post").status_code == 302
    payment = _latest(InterestPayment)
    assert payment.status == PayoutStatus.POSTED
    assert reload(small.id).interest_paid_to == period_end
    income = db.session.scalars(select(TradeIncome).where(TradeIncome.trade_id == small.id)).one()
    assert income.status == IncomeStatus.SUBMITTED and income.amount == Decimal("16027.40")
    assert income.kind == "interest" and income.source == "interest"

    # The next payment starts where this one ended; nothing is accrued twice.
    again = finance01.post("/trades/payouts/interest", data={
        "project_id": str(project.id), "period_end": period_end.isoformat(), "payment_date": period_end.isoformat()})
    assert again.status_code == 422 and "没有需要付息的交易" in again.get_data(as_text=True)


def test_without_an_earning_project_in_scope_there_is_nothing_to_compute(login_as):
    finance11 = login_as("finance11")  # 理财二部: the demo's earning trades are 理财一部's
    for path, form_id in (("/trades/payouts/interest", "interest-form"), ("/trades/payouts/settlements",
                                                                          "settlement-form")):
        page = finance11.get(path).get_data(as_text=True)
        assert "没有处于收益阶段" in page and f'id="{form_id}"' not in page


def test_only_projects_in_the_income_stage_can_be_paid_or_settled(login_as):
    raising = make_project()
    finance01 = login_as("finance01")
    assert raising.name not in finance01.get("/trades/payouts/interest").get_data(as_text=True)
    response = finance01.post("/trades/payouts/interest", data={
        "project_id": str(raising.id), "period_end": clock.today().isoformat(),
        "payment_date": clock.today().isoformat()})
    assert response.status_code == 422  # not a choice
    response = finance01.post("/trades/payouts/settlements", data={
        "project_id": str(raising.id), "settlement_date": clock.today().isoformat()})
    assert response.status_code == 422


def test_settlement_returns_principal_and_final_interest_and_closes_the_trades(login_as):
    project, trades = earning_project(30, amounts=("1000000",))
    finance01, finance02 = login_as("finance01"), login_as("finance02")
    response = finance01.post("/trades/payouts/settlements", data={
        "project_id": str(project.id), "settlement_date": clock.today().isoformat(), "remark": "到期"})
    assert response.status_code == 302
    settlement = _latest(Settlement)
    [line] = settlement.lines
    # 1,000,000 × 6.5 % × 30 / 365 = 5,342.47
    assert line.days == 30 and line.interest == Decimal("5342.47") and line.total == Decimal("1005342.47")
    assert finance02.post(f"/trades/payouts/settlements/{settlement.id}/post").status_code == 302
    trade = reload(trades[0].id)
    assert trade.status == TradeStatus.SETTLED and trade.settled_on == clock.today()
    kinds = sorted(db.session.scalars(select(TradeIncome.kind).where(TradeIncome.trade_id == trade.id)))
    assert kinds == ["interest", "principal"]
    # All trades closed: the project can be completed.
    service = login_as("service01")
    assert service.post(f"/products/projects/{project.id}/stage", data={"outcome": "complete"}).status_code == 302
    db.session.rollback()
    assert project.stage == ProjectStage.COMPLETED


def test_a_project_with_open_trades_cannot_be_completed(login_as):
    project, _trades = earning_project(10, amounts=("1000000",))
    response = login_as("service01").post(f"/products/projects/{project.id}/stage", data={"outcome": "complete"})
    assert response.status_code == 422 and "收益阶段 1 笔" in response.get_data(as_text=True)


def test_a_stale_draft_cannot_be_posted_and_can_be_voided(login_as):
    project, _trades = earning_project(60, amounts=("1000000",))
    finance01, finance02 = login_as("finance01"), login_as("finance02")
    finance01.post("/trades/payouts/interest", data={"project_id": str(project.id),
                                                     "period_end": clock.today().isoformat(),
                                                     "payment_date": clock.today().isoformat()})
    payment = _latest(InterestPayment)
    finance01.post("/trades/payouts/settlements", data={"project_id": str(project.id),
                                                        "settlement_date": clock.today().isoformat()})
    settlement = _latest(Settlement)
    assert finance02.post(f"/trades/payouts/settlements/{settlement.id}/post").status_code == 302
    stale = finance02.post(f"/trades/payouts/interest/{payment.id}/post", headers={"Referer": "/"},
                           follow_redirects=True)
    assert "请作废后重新计算" in stale.get_data(as_text=True)
    assert finance01.post(f"/trades/payouts/interest/{payment.id}/cancel").status_code == 302
    assert _latest(InterestPayment).status == PayoutStatus.CANCELLED


def test_payouts_cover_only_trades_in_the_finance_scope(login_as):
    project, _lc1 = earning_project(40, amounts=("1000000",))
    finance11 = login_as("finance11")
    assert project.name not in finance11.get("/trades/payouts/interest").get_data(as_text=True)
    finance01 = login_as("finance01")
    finance01.post("/trades/payouts/interest", data={"project_id": str(project.id),
                                                     "period_end": clock.today().isoformat(),
                                                     "payment_date": clock.today().isoformat()})
    payment = _latest(InterestPayment)
    assert finance11.get(f"/trades/payouts/interest/{payment.id}").status_code == 404
    assert finance11.post(f"/trades/payouts/interest/{payment.id}/post").status_code == 404


def test_income_records_are_created_then_submitted_and_submitted_ones_never_change(login_as):
    _project, (trade, _other) = earning_project(20)
    service = login_as("service01")
    found = service.get(f"/trades/incomes/?q={trade.trade_no}").get_data(as_text=True)
    assert "新建收益记录" in found
    response = service.post(f"/trades/incomes/new/{trade.id}", data={
        "kind": "dividend", "income_date": clock.today().isoformat(), "amount": "1200.50", "remark": "分红"})
    assert response.status_code == 302
    income = _latest(TradeIncome)
    assert income.status == IncomeStatus.DRAFT and income.amount == Decimal("1200.50")
    assert service.post(f"/trades/incomes/{income.id}/edit", data={
        "kind": "dividend", "income_date": clock.today().isoformat(), "amount": "1300"}).status_code == 302
    assert _latest(TradeIncome).amount == Decimal("1300.00")
    assert service.post(f"/trades/incomes/{income.id}/submit").status_code == 302
    income = _latest(TradeIncome)
    assert income.status == IncomeStatus.SUBMITTED and income.submitted_at is not None

    edit = service.post(f"/trades/incomes/{income.id}/edit", data={
        "kind": "dividend", "income_date": clock.today().isoformat(), "amount": "1"})
    assert edit.status_code == 422 and "已提交的收益记录不能修改" in edit.get_data(as_text=True)
    assert service.post(f"/trades/incomes/{income.id}/delete").status_code == 409
    assert service.post(f"/trades/incomes/{income.id}/submit").status_code == 409
    # Not even code that skips the services can change it.
    income.amount = Decimal("1")
    with pytest.raises(Conflict, match="已提交的收益记录不能修改"):
        db.session.flush()
    db.session.rollback()
    assert _latest(TradeIncome).amount == Decimal("1300.00")


def test_income_records_only_for_trades_earning_income(login_as):
    project = make_project()
    from tests.integration.trading import service_trade

    trade = service_trade(project)
    response = login_as("service01").post(f"/trades/incomes/new/{trade.id}", data={
        "kind": "interest", "income_date": clock.today().isoformat(), "amount": "10"})
    assert response.status_code == 409 and "只有收益阶段或已清算的交易可以记录收益" in response.get_data(as_text=True)


def test_income_records_are_found_by_customer_number(login_as):
    _project, (trade, _other) = earning_project(15)
    service = login_as("service01")
    service.post(f"/trades/incomes/new/{trade.id}", data={
        "kind": "other", "income_date": clock.today().isoformat(), "amount": "88.00"})
    number = reload(trade.id).customer.number
    page = service.get(f"/trades/incomes/?q={number}").get_data(as_text=True)
    assert "88.00" in page and trade.trade_no in page
