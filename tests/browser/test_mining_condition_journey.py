"""A department head builds a mining condition (挖掘条件) in the editor, watches the live count and saves it."""

from __future__ import annotations

import re

import pytest

from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser


def test_head_builds_a_condition_with_a_live_count_and_saves_it(page):
    browser_login(page, "head01")
    page.get_by_role("link", name="挖掘条件").click()
    page.wait_for_url(re.compile(r".*/mining/conditions$"))
    page.get_by_role("link", name="新建条件").click()
    page.get_by_role("button", name="+ 添加条件").first.click()
    page.get_by_label("客户类型取值").select_option(["intent", "valid"])
    count = page.locator("#condition-count")
    page.wait_for_function("() => document.querySelector('#condition-count').textContent.match(/：[\\d,]+ 个/)")
    assert re.search(r"符合条件的客户：[\d,]+ 个", count.inner_text())
    assert "客户类型 属于 意向、有效" in page.locator("#condition-summary").inner_text()

    page.get_by_role("button", name="+ 添加条件组").click()
    group = page.locator(".condition-group .condition-group").first
    group.get_by_label("条件字段").select_option("age")
    group.get_by_label("年龄从").fill("60")
    group.get_by_label("年龄到").fill("30")
    page.wait_for_function("() => document.querySelector('#condition-error').textContent.includes('条件互相矛盾')")
    group.get_by_label("年龄到").fill("70")
    page.wait_for_function("() => document.querySelector('#condition-error').textContent === ''")
    screenshot(page, "mining-condition-editor")

    page.get_by_label("条件名称").fill("意向有效客户")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r".*/mining/conditions$"))
    row = page.locator("tr[data-condition='意向有效客户']")
    assert "客户类型 属于 意向、有效 且 年龄 介于 60 至 70 岁" in row.inner_text()
