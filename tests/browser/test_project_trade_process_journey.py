"""发起流程 and 相关流程 on a project's and a trade's page: started about the object, listed beside it."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests.conftest import browser_login, screenshot
from tests.integration.trading import create_trade, customers_of, make_project

pytestmark = pytest.mark.browser


def test_a_process_started_from_a_project_page_and_from_a_trade_page_is_listed_there(app, deploy_fixture, login_as,
                                                                                      page, browser, live_server):
    deploy_fixture("customer_visit")
    project = make_project()
    trade = create_trade(login_as("seat01"), customers_of("seat01")[0].id, project.id)
    project_name, project_code, trade_id = project.name, project.code, trade.id
    db.session.commit()

    browser_login(page, "service01")
    page.goto(f"/products/projects/{project.id}")
    page.get_by_role("button", name="发起流程").click()
    page.get_by_role("link", name="客户回访").click()
    assert project_name in page.locator("#subject").inner_text()  # the start page shows what it is about
    page.get_by_role("button", name="发起").click()
    page.wait_for_url(f"**/products/projects/{project.id}")
    title = f"客户回访 · {project_name}（{project_code}）"
    assert f"已发起“{title}”" in page.content()
    rows = page.locator("#process-table tr")
    assert rows.filter(has_text=title).count() == 1
    assert rows.filter(has_text="项目").count() >= 1  # its own lifecycle is listed beside it
    screenshot(page, "project-processes")

    seat_context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1400, "height": 900})
    try:
        seat = seat_context.new_page()
        browser_login(seat, "seat01")
        seat.goto(f"/trades/{trade_id}")
        seat.get_by_role("button", name="发起流程").click()
        assert seat.locator('#launch-menu a[data-key="trade_review"]').count() == 0  # started only by the trade
        seat.get_by_role("link", name="客户回访").click()
        seat.get_by_role("button", name="发起").click()
        seat.wait_for_url(f"**/trades/{trade_id}")
        trade_rows = seat.locator("#process-table tr")
        assert trade_rows.filter(has_text="客户回访").count() == 1
        assert trade_rows.filter(has_text="交易审核").count() == 1  # the trade's own review round
        screenshot(seat, "trade-processes")
    finally:
        seat_context.close()
