"""In Chromium: head01 opens 业绩查询 for this month from the menu and sees seat01 and seat02 side by side with the
line chart (and its average line), the bars per seat and the funnel; he draws 工作量 by week, clicks seat01's bar
to see him alone; seat01 sees only himself."""

from __future__ import annotations

import re

import pytest

from app.performance.period import this_month
from tests.conftest import browser_login, screenshot
from tests.customer_helpers import user

pytestmark = [pytest.mark.browser, pytest.mark.date_sensitive]


def _charts_drawn(page) -> None:
    for chart in ("perf-line", "perf-bars", "perf-funnel"):
        page.locator(f'#{chart}[data-chart-ready="1"]').wait_for()


def test_head_sees_his_seats_with_charts_and_drills_down_to_one(app, page):
    seat01, seat02 = user("seat01"), user("seat02")
    browser_login(page, "head01")
    page.locator("#main-menu").get_by_role("link", name="业绩查询", exact=True).click()
    _charts_drawn(page)
    assert this_month().label in page.locator("h1").inner_text()
    table = page.locator("#staff-table")
    assert table.locator(f'tr[data-seat="{seat01.id}"]').count() == 1
    assert table.locator(f'tr[data-seat="{seat02.id}"]').count() == 1
    marks = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('perf-line'))"
                          ".getOption().series[0].markLine.data[0].type")
    assert marks == "average"
    layers = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('perf-funnel'))"
                           ".getOption().series[0].data.map(d => d.name)")
    assert layers == ["电话", "有效电话", "有效客户", "有效客户成单"]
    screenshot(page, "performance-staff-head")

    page.locator("#grain-tabs").get_by_role("link", name="按周").click()
    page.get_by_label("图表指标").select_option(label="工作量（有效电话）")
    page.get_by_role("button", name="查看").click()
    _charts_drawn(page)
    assert "周" in page.locator("h1").inner_text()
    bars = page.locator("#perf-bars")
    names = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('perf-bars'))"
                          ".getOption().xAxis[0].data")
    index = names.index(seat01.name)
    # Click in seat01's column (his bar may be 0 early in a week): the chart opens that seat alone.
    box = bars.bounding_box()
    assert box is not None
    point = page.evaluate(f"() => echarts.getInstanceByDom(document.getElementById('perf-bars'))"
                          f".convertToPixel({{seriesIndex: 0}}, [{index}, 0])")
    page.mouse.click(box["x"] + point[0], box["y"] + point[1] - 20)
    page.wait_for_url(re.compile(rf".*seat_id={seat01.id}.*"))
    _charts_drawn(page)
    assert page.locator("#staff-table tbody tr").count() == 1
    screenshot(page, "performance-staff-one-seat")

    page.context.clear_cookies()
    browser_login(page, "seat01")
    page.goto("/performance/")
    _charts_drawn(page)
    assert page.locator("#staff-table tbody tr").count() == 1
    assert page.locator(f'#staff-table tr[data-seat="{seat01.id}"]').count() == 1
