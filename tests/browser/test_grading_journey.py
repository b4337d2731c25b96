"""In Chromium: the admin runs 立即评级 from 客户评级, sees the result and the grade chart, opens the top customer's
客户 360 page from the list and reads 客户等级 A with the scoring rows that fired; seat01 sees only its own."""

from __future__ import annotations

import pytest

from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser


def test_admin_grades_customers_and_reads_the_reasons_on_the_360_page(app, page):
    page.on("dialog", lambda dialog: dialog.accept())
    browser_login(page, "admin")
    page.locator("#main-menu").get_by_role("link", name="客户评级", exact=True).click()
    page.get_by_role("button", name="立即评级").click()
    page.get_by_text("评级完成：已评级").wait_for()
    page.locator("#grading-chart canvas").first.wait_for()
    assert "A 类" in page.locator("#grading-counts").inner_text()
    screenshot(page, "grading-overview")

    page.get_by_label("客户等级").select_option(label="A 类")
    page.get_by_role("button", name="筛选").click()
    page.locator("#grading-table tbody tr").first.get_by_role("link").click()
    section = page.locator("#section-grading")
    section.get_by_text("得分原因").wait_for()
    text = section.inner_text()
    assert "客户等级" in text and "A 类" in text and "价值评分" in text
    assert "持有金额 100 万至 500 万元" in text and "+24" in text and "近 90 天有效联系 6 次及以上" in text
    assert "等级变更记录" in text
    section.scroll_into_view_if_needed()
    screenshot(page, "grading-customer-360")


def test_a_seat_sees_the_grades_of_its_own_customers_only(app, page):
    browser_login(page, "seat11")
    page.locator("#main-menu").get_by_role("link", name="客户评级", exact=True).click()
    page.locator("#grading-counts").wait_for()
    assert page.get_by_role("button", name="立即评级").count() == 0
    rows = page.locator("#grading-table tbody tr").all_inner_texts()
    assert rows and all("刘坐席" in row for row in rows)
