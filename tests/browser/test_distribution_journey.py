"""A head's distribution day: build a weighted rule to two seats over a saved condition, preview it in 半自动分配,
run it and see each seat's share (the acceptance journey of 客户数据挖掘分配)."""

from __future__ import annotations

import re

import pytest

from app.mining.rule_demo import CONDITION_NAME
from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser
RULE = "意向客户按权重分给A组"


def test_head_builds_a_weighted_rule_previews_and_runs_it(page):
    browser_login(page, "head01")
    page.get_by_role("link", name="分配规则", exact=True).click()
    page.wait_for_url(re.compile(r".*/mining/rules$"))
    page.get_by_role("link", name="新建规则").click()
    page.get_by_label("规则名称").fill(RULE)
    page.get_by_label("分配到人").check()
    page.get_by_label("权重", exact=True).check()
    page.get_by_label("挖掘条件").select_option(label=CONDITION_NAME)
    page.wait_for_selector("#condition-count")
    assert "符合条件的客户 9 个" in page.locator("#condition-count").inner_text()
    assert "客户类型" in page.locator("#condition-summary").inner_text()
    for work_no in ("S0001", "S0002"):
        page.get_by_label("坐席工号").fill(work_no)
        page.get_by_role("button", name="添加坐席").click()
    targets = page.locator("#target-table tbody")
    assert "张坐席" in targets.inner_text() and "陈坐席" in targets.inner_text()
    screenshot(page, "mining-rule-editor")
    page.get_by_role("button", name="保存规则").click()
    page.wait_for_url(re.compile(r".*/mining/rules$"))
    assert f"分配规则“{RULE}”已保存" in page.locator(".alert").first.inner_text()

    page.get_by_role("link", name="半自动分配", exact=True).first.click()
    page.wait_for_url(re.compile(r".*/mining/semi$"))
    page.locator(f"#usable-rules li[data-rule-name='{RULE}'] [data-choose]").click()
    assert RULE in page.locator("#chosen-rules").inner_text()
    page.get_by_role("button", name="预览").click()
    page.wait_for_url(re.compile(r".*/mining/runs/preview\?run=\d+"))
    card = page.locator(".run-card").first
    assert "计划分配 9 个" in card.inner_text()
    assert card.locator("tr[data-target='张坐席（S0001）'] .planned").inner_text() == "6"
    assert card.locator("tr[data-target='陈坐席（S0002）'] .planned").inner_text() == "3"
    page.wait_for_selector(".run-chart canvas")
    assert page.locator("#run-items tbody tr").count() == 9
    screenshot(page, "mining-semi-preview")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="执行").click()
    page.wait_for_selector("text=分配结果")
    assert "已分配 9 个客户：张坐席（S0001） 6，陈坐席（S0002） 3" in page.locator(".alert").first.inner_text()
    card = page.locator(".run-card").first
    assert card.locator("tr[data-target='张坐席（S0001）'] .moved").inner_text() == "6"
    screenshot(page, "mining-semi-result")

    page.get_by_role("link", name="分配记录", exact=True).first.click()
    assert "半自动分配" in page.locator("#run-table tbody tr").first.inner_text()
