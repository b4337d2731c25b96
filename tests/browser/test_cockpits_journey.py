"""In Chromium: the city manager's 指导驾驶舱 draws its charts and a click on a pool's bar opens that pool's
customers; seat01's 客户经理驾驶舱 draws its charts and a click on a pipeline bar opens those trades."""

from __future__ import annotations

import re

import pytest

from tests.conftest import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.date_sensitive]


def _click_bar(page, chart_id: str, index: int) -> None:
    """Click the middle of bar ``index`` of the chart's first series (its pixel position asked of ECharts)."""
    x, y = page.evaluate("""([id, index]) => {
        const el = document.getElementById(id);
        const chart = echarts.getInstanceByDom(el);
        const layout = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(index);
        const box = el.getBoundingClientRect();
        return [box.left + window.scrollX + layout.x + layout.width / 2,
                box.top + window.scrollY + layout.y + layout.height / 2];
    }""", [chart_id, index])
    page.mouse.click(x - page.evaluate("window.scrollX"), y - page.evaluate("window.scrollY"))


def test_leadership_cockpit_draws_and_drills_down(app, page):
    browser_login(page, "manager01")
    page.locator("#main-menu").get_by_role("link", name="指导驾驶舱", exact=True).click()
    page.locator('#chart-flows[data-chart-ready="1"]').wait_for()
    assert page.locator("[data-chart-ready]").count() == 8
    assert "募集金额" in page.locator("#card-deals").inner_text()
    screenshot(page, "cockpit-leadership")
    page.locator("#chart-pools").scroll_into_view_if_needed()
    _click_bar(page, "chart-pools", 0)  # 个人信息池
    page.wait_for_url(re.compile(r".*/customers/\?pool=personal$"))
    assert page.locator("select[name=pool]").input_value() == "personal"


def test_manager_cockpit_draws_and_drills_down(app, page):
    browser_login(page, "seat01")
    page.locator("#main-menu").get_by_role("link", name="客户经理驾驶舱", exact=True).click()
    page.locator('#chart-pipeline[data-chart-ready="1"]').wait_for()
    assert "本月成单" in page.locator("#card-deals").inner_text()
    screenshot(page, "cockpit-manager")
    _click_bar(page, "chart-pipeline", 0)  # 交易财务审核
    page.wait_for_url(re.compile(r".*/trades/\?status=finance_audit$"))
    screenshot(page, "cockpit-manager-drill")
