"""In Chromium: head01 opens 交易报表 from the 查询&报表 menu, groups it by status, clicks a bar of the chart to open
the detail behind it; manager01 opens the 付息台账 tab family. Screenshots of both."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app import clock
from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser


def _window() -> tuple[str, str]:
    """A range holding all of the small demo, whatever day the clock is pinned to."""
    today = clock.today()
    return (today - timedelta(days=700)).isoformat(), (today + timedelta(days=30)).isoformat()


def test_a_head_reads_the_trades_report_and_drills_into_a_bar(app, page):
    page.emulate_media(reduced_motion="reduce")
    browser_login(page, "head01")
    page.locator("#main-menu").get_by_role("link", name="交易报表", exact=True).click()
    page.wait_for_url(re.compile(r".*/reports/trades/"))
    page.locator("#f-grain").select_option("range")
    start, end = _window()
    page.locator("#f-start").fill(start)
    page.locator("#f-end").fill(end)
    assert page.locator("#f-value").is_hidden()
    page.locator("#f-by").select_option("status")
    page.get_by_role("button", name="查询").click()
    page.locator("[data-chart-ready]").wait_for()
    assert page.locator("#report-total").inner_text().startswith("合计")
    first_group = page.locator("#report-summary tbody tr").first.locator("td").first.inner_text()
    screenshot(page, "reports-trades")

    chart = page.locator("#report-chart")
    box = chart.bounding_box()
    point = page.evaluate("""() => {
        const chart = echarts.getInstanceByDom(document.getElementById('report-chart'));
        return chart.convertToPixel({seriesIndex: 0}, [0, chart.getOption().series[0].data[0] / 2]);
    }""")
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_url(re.compile(r".*status=.*"))
    page.locator("#report-detail").wait_for()
    for cell in page.locator("#report-detail tbody tr td:nth-child(7)").all_inner_texts():
        assert cell == first_group


def test_the_city_manager_switches_between_the_ledgers(app, page):
    browser_login(page, "manager01")
    start, end = _window()
    page.goto(f"/reports/interest/?grain=range&start={start}&end={end}")
    page.locator("[data-chart-ready]").wait_for()
    screenshot(page, "reports-interest")
    page.locator("#f-grain").select_option("month")
    assert page.locator("#f-value").get_attribute("type") == "month" and page.locator("#f-start").is_hidden()
    page.get_by_role("link", name="清算台账", exact=True).click()
    page.wait_for_url(re.compile(r".*/reports/settlements/.*start=" + start))
    assert "清算台账" in page.locator("h1").inner_text()
