"""The acceptance journey of 任务管理: head01 defines a care-call task on “生日在本月的成交客户” and distributes it by
average to his group; seat01 executes it from 任务执行, customer by customer, and sees the progress move."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app import clock
from app.mining.task_demo import BIRTHDAY_CONDITION
from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser
TASK = "本月生日客户关怀电话"


def test_head_defines_and_distributes_a_care_call_task_and_a_seat_executes_it(page):
    browser_login(page, "head01")
    page.locator('.menu-section[data-section="tasks"]').get_by_role("link", name="任务设置", exact=True).click()
    page.wait_for_url(re.compile(r".*/tasks/setup$"))
    page.get_by_role("link", name="新建工作任务").click()
    page.get_by_label("任务名称").fill(TASK)
    page.get_by_label("关怀电话", exact=True).check()
    page.get_by_label("挖掘条件", exact=True).select_option(label=BIRTHDAY_CONDITION)
    page.wait_for_selector("#condition-count")
    assert "现在符合条件的客户 4 个" in page.locator("#condition-count").inner_text()
    page.get_by_label("结束日期").fill((clock.today() + timedelta(days=7)).isoformat())
    page.get_by_label("每人配额").fill("5")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_url(re.compile(r".*/tasks/assign/\d+$"))
    assert "现在符合任务条件的客户 4 个" in page.locator("#matching").inner_text()
    page.get_by_label("平均", exact=True).check()
    page.get_by_label("理财一部A组", exact=True).check()
    page.get_by_role("button", name="发布并分配").click()
    page.wait_for_url(re.compile(r".*/mining/tasks/\d+$"))
    assert "已分配 4 个任务客户：张坐席（S0001）2，陈坐席（S0002）2" in page.locator(".alert").first.inner_text()
    assert "关怀电话" in page.locator("#task-action").inner_text()
    screenshot(page, "work-task-distributed")
    page.get_by_role("button", name="退出").click()

    browser_login(page, "seat01")
    page.locator('.menu-section[data-section="tasks"]').get_by_role("link", name="任务执行", exact=True).click()
    page.wait_for_url(re.compile(r".*/tasks/mine$"))
    row = page.locator(f"#work-mine-table tr[data-task='{TASK}']")
    assert "关怀电话" in row.inner_text()
    row.get_by_role("link", name="执行下一个").click()
    page.wait_for_url(re.compile(r".*/tasks/items/\d+$"))
    first = page.url
    assert "已执行 0 / 已分配 2" in page.locator("#my-progress").inner_text()
    assert f"{clock.today().month}月" in page.locator("#customer-card").inner_text()
    surveys = page.locator("#work-item-surveys")  # a questionnaire is filled on the 360 page, in another tab
    assert "#section-surveys" in surveys.get_attribute("href") and surveys.get_attribute("target") == "_blank"
    page.get_by_label("已接通").check()
    page.get_by_label("通话秒数").fill("120")
    page.get_by_label("执行结果").select_option(label="有意向")
    page.get_by_label("跟进内容").fill("祝客户生日快乐，客户想了解新产品")
    page.get_by_role("button", name="保存并执行下一个").click()
    page.wait_for_url(lambda url: re.search(r"/tasks/items/\d+$", url) is not None and url != first)
    assert "已记录执行结果" in page.locator(".alert").first.inner_text()
    assert "已执行 1 / 已分配 2（50%）" in page.locator("#my-progress").inner_text()
    screenshot(page, "work-task-executing")
