"""A seat marks a customer 无效 from 客户 360; the head finds it in 数据挖掘 → 无效客户池 and revives it to a seat."""

from __future__ import annotations

import re

import pytest

from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser


def test_seat_marks_invalid_and_head_revives_to_a_seat(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    browser_login(page, "seat01")
    page.goto("/customers/workbench/current")
    row = page.locator("tr[data-customer]").filter(has_text="意向").first
    number = row.get_attribute("data-customer")
    row.locator("a").first.click()
    page.wait_for_url(re.compile(r".*/customers/\d+$"))
    page.get_by_role("link", name="标记无效", exact=True).click()
    form = page.locator("#invalid-form")
    form.get_by_role("button", name="标记无效").click()  # no reason: the browser asks for one, nothing is sent
    assert re.search(r"/customers/\d+", page.url)
    form.get_by_label("无效原因").select_option(label="空号/停机")
    form.get_by_label("无效备注").fill("连续三天空号")
    form.get_by_role("button", name="标记无效").click()
    page.wait_for_url(re.compile(r".*/customers/workbench/current$"))
    assert "移入无效客户池" in page.locator(".alert").first.inner_text()
    context.close()

    context = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    browser_login(page, "head01")
    page.get_by_role("link", name="无效客户池").click()
    page.wait_for_url(re.compile(r".*/mining/invalid/$"))
    mine = page.locator(f"#invalid-table tr[data-customer='{number}']")
    assert "空号/停机" in mine.inner_text() and "连续三天空号" in mine.inner_text() and "张坐席" in mine.inner_text()
    screenshot(page, "mining-invalid-pool")
    mine.locator("input[name=customer_id]").check()
    page.get_by_label("激活到", exact=True).select_option("seat")
    page.get_by_label("坐席", exact=True).select_option(label="陈坐席（S0002 · 理财一部A组）")
    page.get_by_role("button", name="激活", exact=True).click()
    page.wait_for_url(re.compile(r".*/mining/invalid/$"))
    assert "已激活 1 个无效客户到陈坐席（S0002）" in page.locator(".alert").first.inner_text()
    assert page.locator(f"#invalid-table tr[data-customer='{number}']").count() == 0
    screenshot(page, "mining-invalid-pool-after-revive")
    context.close()
