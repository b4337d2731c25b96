"""In Chromium: manager01 sees this month's 金榜 / 银榜 on the home page, opens 业绩排名 with its three bar
charts and the 新员工纪录; seat01 finds itself highlighted on the board."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.performance import deals
from app.trades.models import Trade
from tests.conftest import browser_login, screenshot, user_named
from tests.integration.test_rankings import _hire

pytestmark = [pytest.mark.browser, pytest.mark.date_sensitive]


def test_manager_sees_the_gold_board_and_the_rankings_page(app, page):
    seat01 = user_named("seat01")
    first = db.session.scalar(select(func.min(Trade.arrival_date)).where(deals.is_deal(), Trade.seat_id == seat01.id))
    _hire("seat01", first - timedelta(days=12))
    page.emulate_media(reduced_motion="reduce")
    browser_login(page, "manager01")
    panel = page.locator("#panel-rankings")
    assert "金榜" in panel.inner_text() and "银榜" in panel.inner_text()
    assert panel.locator("#panel-board-amount li[data-seat]").count() >= 1
    screenshot(page, "rankings-home-panel")

    panel.get_by_role("link", name="查看完整排名").click()
    page.wait_for_selector("#ranking-amount[data-chart-ready]")
    page.wait_for_selector("#ranking-deals[data-chart-ready]")
    page.wait_for_selector("#ranking-invitations[data-chart-ready]")
    bars = page.evaluate("echarts.getInstanceByDom(document.getElementById('ranking-amount')).getOption()"
                         ".series[0].data.length")
    assert bars >= 1
    assert page.locator("#record-first-deal tr[data-seat]").first.locator("td").last.inner_text() == "12 天"
    screenshot(page, "rankings-page")

    page.context.clear_cookies()
    browser_login(page, "seat01")
    page.goto("/performance/rankings/")
    page.wait_for_selector("#ranking-amount[data-chart-ready]")
    mine = page.locator(f'#board-amount tr[data-seat="{seat01.id}"]')
    assert "（我）" in mine.inner_text()
    screenshot(page, "rankings-page-seat")
