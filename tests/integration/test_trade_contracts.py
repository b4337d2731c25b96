"""Contract numbers are captured where the contracts are confirmed (确认个人合同, 确认集体合同) and shown on the
trade page; the new-trade form shows the projects' LP and 虚拟LP figures and, without a 当前客户, how to get one."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from app.extensions import db
from app.trades.models import TradeStatus
from tests.integration.trading import (
    act,
    create_trade,
    customers_of,
    finance_pass,
    make_project,
    open_task,
    reload,
    service_trade,
    status,
)


def test_both_contract_numbers_are_required_to_pass_and_shown_on_the_trade_page(login_as):
    seat, service = login_as("seat01"), login_as("service01")
    project = make_project(lp_amount="1000000", lp_count=1)
    trade = create_trade(seat, customers_of("seat01")[0].id, project.id)
    finance_pass(login_as("finance01"), trade)
    act(service, trade, "pass", "核对无误")
    refused = act(service, trade, "pass", "合同已签", expect=422)
    assert "选择“通过”时必须填写个人合同编号" in refused.get_data(as_text=True)
    assert status(trade) == TradeStatus.PERSONAL_CONTRACT
    act(service, trade, "pass", "合同已签", contract_no="HT-P-001")
    assert service.post(f"/products/projects/{project.id}/stage", data={"outcome": "success"}).status_code == 302
    assert status(trade) == TradeStatus.COLLECTIVE_CONTRACT
    refused = act(service, trade, "pass", "集体合同已签", expect=422)
    text = refused.get_data(as_text=True)
    assert "选择“通过”时必须填写集体合同编号" in text
    assert "HT-P-001" in service.get(f"/tasks/{open_task(trade).id}").get_data(as_text=True)  # shown, read-only
    act(service, trade, "pass", "集体合同已签", collective_contract_no="JT-2026-07")
    trade = reload(trade.id)
    assert trade.status == TradeStatus.INCOME
    assert (trade.contract_no, trade.collective_contract_no) == ("HT-P-001", "JT-2026-07")
    page = seat.get(f"/trades/{trade.id}").get_data(as_text=True)
    assert '<dd class="col-7" id="contract-no">HT-P-001</dd>' in page
    assert '<dd class="col-7" id="collective-contract-no">JT-2026-07</dd>' in page
    exported = service.get(f"/trades/admin/monitor/export?q={trade.trade_no}")
    header, row = list(load_workbook(io.BytesIO(exported.data), read_only=True).active.iter_rows(values_only=True))
    numbers = dict(zip(header, row, strict=True))
    assert (numbers["个人合同编号"], numbers["集体合同编号"]) == ("HT-P-001", "JT-2026-07")


def test_refund_at_a_contract_step_needs_no_contract_number(login_as):
    project = make_project()
    trade = service_trade(project)
    finance_pass(login_as("finance01"), trade)
    service = login_as("service01")
    act(service, trade, "pass", "核对无误")
    act(service, trade, "refund", "客户放弃认购")
    assert status(trade) == TradeStatus.REFUNDED


def test_the_new_trade_form_shows_lp_and_virtual_lp_figures(login_as):
    project = make_project(lp_amount="3000000", lp_count=3)
    service_trade(project, amount="1000000")
    earlier = service_trade(project, amount="1200000", customer_index=1)
    finance_pass(login_as("finance01"), earlier)  # audited: counts in 虚拟LP募集额度 / 数量
    seat = login_as("seat01")
    assert seat.post(f"/customers/{customers_of('seat01')[2].id}/current").status_code == 302
    page = seat.get("/trades/new").get_data(as_text=True)
    row = page.split(f'<tr data-project="{project.id}">', 1)[1].split("</tr>", 1)[0]
    cells = [cell.split(">", 1)[1].split("<", 1)[0] for cell in row.split("<td")[1:]]
    assert cells == [project.name, "3,000,000.00", "1,200,000.00", "3", "1"]


def test_without_a_current_customer_the_new_trade_page_explains_how_to_choose_one(login_as):
    seat = login_as("seat01")
    db.session.rollback()
    response = seat.get("/trades/new")
    text = response.get_data(as_text=True)
    assert response.status_code == 409 and 'id="no-current-customer"' in text
    assert "请先选定为哪位客户认购" in text and "设为当前客户" in text and "seed" not in text
