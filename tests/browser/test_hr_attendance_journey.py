"""hr01 records 病假 for seat02 in 人事管理 → 用户考勤维护 and sees the day marked 视为完成; then marks tomorrow a
public holiday in 公休假期维护."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app import clock
from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser


def test_hr_records_sick_leave_and_a_holiday(page):
    today, tomorrow = clock.today(), clock.today() + timedelta(days=1)
    page.emulate_media(reduced_motion="reduce")
    browser_login(page, "hr01")
    for notice in ("台风", "2026 年度合规经营要求"):  # the small demo leaves hr01 two notices to acknowledge first
        page.locator("#notice-popup", has_text=notice).wait_for(state="visible")
        page.get_by_role("button", name="我已知悉").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="用户考勤维护").click()
    page.wait_for_url(re.compile(r".*/hr/attendance/$"))
    form = page.locator("#attendance-form")
    form.get_by_label("员工").select_option(label="陈坐席（S0002 · 理财一部A组）")
    form.get_by_label("日期", exact=True).fill(today.isoformat())
    form.get_by_label("考勤类型").select_option(label="病假")
    form.get_by_label("备注").fill("发烧就医，已交医院证明")
    form.get_by_role("button", name="登记").click()
    page.wait_for_url(re.compile(r".*/hr/attendance/$"))
    assert "已为 陈坐席 登记“病假” 1 天" in page.locator(".alert").first.inner_text()
    row = page.locator(f"#attendance-table tr[data-user='seat02'][data-day='{today.isoformat()}']")
    assert "病假" in row.inner_text() and "视为完成" in row.inner_text() and "人事维护" in row.inner_text()
    screenshot(page, "hr-attendance")

    page.get_by_role("link", name="公休假期维护").click()
    page.get_by_role("link", name="新增公休假期").click()
    holiday = page.locator("#holiday-form")
    holiday.get_by_label("假期名称").fill("临时公休")
    holiday.get_by_label("开始日期").fill(tomorrow.isoformat())
    holiday.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r".*/hr/holidays/\?year=\d{4}$"))
    assert f"公休假期“临时公休”（{tomorrow.isoformat()}）已保存" in page.locator(".alert").first.inner_text()
    assert page.locator("#holiday-table tr[data-holiday='临时公休']").count() == 1
    screenshot(page, "hr-holidays")
