"""A seat's day: find a customer in the public pool, extract it, call, log the call, see the recycle clock stop."""

from __future__ import annotations

import re

import pytest

from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser


def test_seat_extracts_from_the_public_pool_and_logs_a_valid_call(page):
    browser_login(page, "seat01")
    page.get_by_role("link", name="公共信息池").click()
    page.wait_for_url(re.compile(r".*/pools/public$"))
    room = page.locator("#extract-room")
    assert "今日已提取 0/20" in room.inner_text()
    first_row = page.locator("#public-pool tbody tr").first
    number = first_row.get_attribute("data-customer")
    assert "****" in first_row.inner_text()  # phones are masked before extraction
    screenshot(page, "pools-public-before-extract")

    first_row.locator("input[name=customer_id]").check()
    page.get_by_role("button", name="提取所选客户").click()
    page.wait_for_url(re.compile(r".*/customers/\d+$"))
    assert "已提取 1 个客户" in page.locator(".alert").first.inner_text()
    assert number in page.locator("h1").inner_text()
    assert "个人信息池" in page.locator("#customer-placement").inner_text()
    phone = page.locator("#phone-table tr").first.get_attribute("data-phone")
    assert phone and "*" not in phone  # the full number, now that the customer is ours

    form = page.locator("#follow-up-form")
    form.get_by_label("跟进方式").select_option("call")
    form.get_by_label("已接通").check()
    form.get_by_label("通话时长（秒）").fill("95")
    form.get_by_label("跟进结果").select_option(label="有意向")
    form.locator("textarea[name=content]").fill("客户对稳健型产品有兴趣，约下周面谈")
    form.get_by_role("button", name="记录跟进").click()
    page.wait_for_url(re.compile(r".*/customers/\d+#section-follow_ups$"))
    assert "跟进已记录" in page.locator(".alert").first.inner_text()
    call = page.locator("#follow-up-table tbody tr").first
    assert "有效" in call.inner_text() and "95 秒" in call.inner_text()
    assert "有效电话 1 次" in page.locator("#basic-info").inner_text()
    history = page.locator("#pool-history tbody tr").first.inner_text()
    assert "公共信息池 → 个人信息池" in history and "从公共池提取" in history
    screenshot(page, "customer-360-after-call")

    page.get_by_role("link", name="公共信息池").click()
    assert "今日已提取 1/20" in page.locator("#extract-room").inner_text()
    assert page.locator(f"#public-pool tr[data-customer='{number}']").count() == 0
