"""seat01 works a customer on 有效跟进 without leaving the page: picks it from the list, logs a call (a blank one is
refused), books the next appointment and fixes a phone — every part answers in place (htmx)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app import clock
from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser


def test_seat_logs_a_call_books_an_appointment_and_fixes_a_phone_on_one_page(page):
    browser_login(page, "seat01")
    page.get_by_role("link", name="有效跟进", exact=True).click()
    page.wait_for_url(re.compile(r".*/followups/$"))
    page.evaluate("window.stayedOnPage = true")  # gone if anything below reloads or leaves the page

    search = page.locator("#work-search")
    search.get_by_label("跟进状态").select_option(label="待跟进（未跟进或预约已到）")
    search.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r".*status=due.*"))
    row = page.locator("#work-table tbody tr[data-customer]").first
    number = row.get_attribute("data-customer")
    assert number and "****" in row.inner_text()  # phones are masked in the list
    follow_ups, valid_calls = (int(n) for n in row.locator("td").nth(4).inner_text().split(" / "))
    row.get_by_role("link", name="跟进").click()
    page.wait_for_url(re.compile(r".*customer=\d+.*"))
    assert number in page.locator("#work-head").inner_text()

    work = page.locator("#work-follow_up")
    work.get_by_role("button", name="记录跟进").click()  # nothing filled in: refused, nothing written
    page.locator("#work-follow_up-error").filter(has_text="请填写跟进结果或跟进内容").wait_for()
    work.get_by_label("跟进方式").select_option(label="电话")
    work.get_by_label("已接通").check()
    work.get_by_label("通话时长（秒）").fill("95")
    work.get_by_label("跟进结果").select_option(label="有意向")
    work.get_by_label("跟进内容").fill("客户对稳健型产品有兴趣，约明天面谈")
    work.get_by_role("button", name="记录跟进").click()
    page.locator("#work-follow_up .alert-success").filter(has_text="跟进已记录").wait_for()
    first_call = page.locator("#work-follow-up-table tbody tr").first.inner_text()
    assert "有效" in first_call and "95 秒" in first_call
    listed = page.locator(f"#work-table tr[data-customer='{number}'] td")  # the list row follows, out of band
    assert listed.nth(4).inner_text() == f"{follow_ups + 1} / {valid_calls + 1}"
    assert listed.nth(5).inner_text().startswith(clock.today().isoformat())

    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    appointments = page.locator("#work-appointments")
    appointments.get_by_label("预约时间").fill(f"{tomorrow}T10:30")
    appointments.get_by_label("预约内容").fill("面谈确认认购")
    appointments.get_by_role("button", name="预约").click()
    page.locator("#work-appointments .alert-success").filter(has_text="已预约").wait_for()
    booked = page.locator("#work-appointment-table tr[data-appointment]").filter(has_text="面谈确认认购")
    assert f"{tomorrow} 10:30" in booked.inner_text() and "待办" in booked.inner_text()

    phone_row = page.locator("#work-phone-table tbody tr").first
    old_phone = phone_row.get_attribute("data-phone")
    phone_row.get_by_placeholder("正确号码").fill("166-0000-1111")
    phone_row.get_by_role("button", name="修改").click()
    page.locator("#work-basic .alert-success").filter(has_text="电话已改为 16600001111").wait_for()
    assert page.locator("#work-phone-table tr[data-phone='16600001111']").count() == 1
    assert page.locator(f"#work-phone-table tr[data-phone='{old_phone}']").count() == 0
    assert "16600001111" in page.locator("#follow-up-phone").inner_text()  # the call form offers the fixed phone

    assert page.evaluate("window.stayedOnPage === true")
    assert "本次分配后跟进" in page.locator("#work-head").inner_text()
    screenshot(page, "followups-work-page")
