"""In Chromium: hr01 sees the certificate reminders on the home page, opens 员工信息, finds seat01 through the
certificate filter, edits the profile and registers a certificate from the profile page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock
from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser


def test_hr_edits_seat01s_profile_and_registers_a_certificate(page):
    page.emulate_media(reduced_motion="reduce")
    browser_login(page, "hr01")
    for _ in range(2):  # the small demo leaves hr01's urgent notice and major announcement unacknowledged
        page.locator("#notice-popup").wait_for(state="visible")
        page.get_by_role("button", name="我已知悉").click()
        page.wait_for_load_state()
    team = page.locator("#panel-certificates-team")
    assert "张坐席" in team.inner_text() and "30 天后到期" in team.inner_text()
    assert team.locator('[data-state="expired"]').count() == 1  # seat11's 证券从业资格, in red

    page.locator("#main-menu").get_by_role("link", name="员工信息", exact=True).click()
    page.get_by_label("资格证书 60 天内到期或已过期").check()
    page.get_by_role("button", name="查询").click()
    rows = page.locator("#staff-table tbody tr")
    assert sorted(rows.evaluate_all("rows => rows.map(r => r.dataset.user)")) == ["seat01", "seat11"]
    screenshot(page, "hr-staff-list")
    rows.get_by_role("link", name="张坐席").click()
    assert len(page.locator("#id-number").inner_text()) == 18  # the full number on the profile, masked in the list

    page.get_by_role("link", name="修改员工信息").click()
    page.get_by_label("学历").select_option(label="硕士研究生")
    page.get_by_label("毕业院校").fill("复旦大学")
    page.get_by_label("专业").fill("金融硕士")
    page.get_by_label("紧急联系人电话").fill("139 1600 0099")
    page.get_by_role("button", name="保存").click()
    assert "张坐席 的员工信息已保存" in page.content()
    assert page.locator("#education").inner_text() == "硕士研究生"
    assert "13916000099" in page.locator("#emergency").inner_text()

    page.get_by_role("button", name="登记证书").click()
    modal = page.locator("#certificate-modal")
    modal.wait_for(state="visible")
    modal.get_by_label("证书类型").select_option(label="期货从业资格")
    modal.get_by_label("证书编号").fill("Q3100026000042")
    modal.get_by_label("发证日期").fill((clock.today() - timedelta(days=400)).isoformat())
    modal.get_by_label("到期日期").fill((clock.today() - timedelta(days=1)).isoformat())
    modal.get_by_role("button", name="登记").click()
    assert "已为 张坐席 登记期货从业资格（Q3100026000042）" in page.content()
    futures = page.locator("#certificate-table tr", has_text="Q3100026000042")
    assert futures.locator('[data-state="expired"]').inner_text() == "已过期"
    assert "table-danger" in (futures.get_attribute("class") or "")
    screenshot(page, "hr-staff-profile")
