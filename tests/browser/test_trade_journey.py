"""seat01 creates a trade for its current customer, finance01 audits it from the inbox, service01 confirms it;
the screenshots show the Chinese screens with the instance diagram."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.trades.models import Trade, TradeStatus
from tests.conftest import browser_login, screenshot
from tests.integration.trading import customers_of, make_project

pytestmark = pytest.mark.browser


def test_seat_creates_finance_audits_service_confirms(app, page, browser, live_server):
    project = make_project(minimum="1000000")
    customer = customers_of("seat01")[0]

    browser_login(page, "seat01")
    page.goto(f"/customers/{customer.id}")
    page.get_by_role("button", name="设为当前客户").click()
    page.goto("/trades/")
    page.get_by_role("link", name="为当前客户新建交易").click()
    page.get_by_label("理财项目").select_option(str(project.id))
    page.get_by_label("意向金额（元）").fill("800000")
    page.get_by_role("button", name="提交交易").click()
    assert "低于项目起购金额" in page.content()
    page.get_by_label("意向金额（元）").fill("1200000")
    screenshot(page, "trade-new")
    page.get_by_role("button", name="提交交易").click()
    page.locator("#diagram[data-rendered='true']").wait_for()
    assert "等待交易财务审核" in page.content() or "交易财务审核" in page.content()
    screenshot(page, "trade-detail-seat")
    db.session.rollback()
    trade = db.session.scalars(select(Trade).where(Trade.project_id == project.id)).one()
    db.session.commit()

    finance_context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1400, "height": 900})
    finance = finance_context.new_page()
    browser_login(finance, "finance01")
    finance.goto(f"/tasks/?tab=group&q={trade.trade_no}")
    finance.locator("#task-table").get_by_role("link", name="交易财务审核").click()
    finance.locator("#diagram[data-rendered='true']").wait_for()
    assert finance.locator(".bpmn-current").count() >= 1
    assert customer.name in finance.content() and "1,200,000.00" in finance.content()
    finance.get_by_label("到账时间").fill((clock.today() - timedelta(days=1)).isoformat())
    finance.get_by_label("实际到账金额（元）").fill("1200000.00")
    finance.get_by_label("审核意见").fill("银行流水已核对")
    screenshot(finance, "trade-finance-audit")
    finance.get_by_role("button", name="通过").click()
    finance.wait_for_url("**/tasks/")
    assert "已办理“交易财务审核”" in finance.content()
    finance_context.close()

    service_context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1400, "height": 900})
    service = service_context.new_page()
    browser_login(service, "service01")
    service.goto("/trades/queue/verification")
    service.locator(f"tr[data-trade='{trade.trade_no}']").get_by_role("link", name="办理").click()
    service.locator("#diagram[data-rendered='true']").wait_for()
    assert service.locator(".bpmn-done").count() >= 3
    service.get_by_label("核对意见").fill("客户信息与合同一致")
    screenshot(service, "trade-verification")
    service.get_by_role("button", name="通过").click()
    service.wait_for_url("**/tasks/")
    service.goto(f"/trades/{trade.id}")
    service.locator("#diagram[data-rendered='true']").wait_for()
    screenshot(service, "trade-detail-after-verification")
    service_context.close()

    db.session.rollback()
    assert db.session.get(Trade, trade.id).status == TradeStatus.PERSONAL_CONTRACT
    db.session.commit()
