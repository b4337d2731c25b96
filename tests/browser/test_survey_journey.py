"""In Chromium: head01 designs a three-question survey with a skip rule and publishes it; seat01 fills it in
for two customers from their 客户 360 pages (the skip hides a question); head01 sees the charts on 问卷结果."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app import clock
from app.customers.models import Customer
from app.extensions import db
from tests.conftest import browser_login, screenshot, user_named

pytestmark = pytest.mark.browser


def _page_as(browser, live_server, username):
    context = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1400, "height": 900})
    context.clock.install(time=clock.now())
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda dialog: dialog.accept())  # 发布 asks for confirmation
    browser_login(page, username)
    return context, page


def _design(page) -> None:
    page.locator("#main-menu").get_by_role("link", name="问卷管理", exact=True).click()
    page.get_by_role("link", name="新建问卷").click()
    page.get_by_label("问卷标题").fill("理财讲座回访")
    page.get_by_label("问卷对象").select_option(label="客户")
    page.get_by_role("button", name="单选题").click()
    page.get_by_role("button", name="评分题").click()
    page.get_by_role("button", name="文本题").click()
    cards = page.locator(".survey-design-question")
    first = cards.nth(0)
    first.get_by_label("题目内容").fill("您参加了上周的理财讲座吗？")
    first.get_by_label("必答").check()
    first.get_by_label("选项内容").nth(0).fill("参加了")
    first.get_by_label("选项内容").nth(1).fill("没有参加")
    first.get_by_label("跳转").nth(1).select_option(label="跳到第 3 题")
    cards.nth(1).get_by_label("题目内容").fill("讲座内容打几分？")
    cards.nth(1).get_by_label("必答").check()
    cards.nth(2).get_by_label("题目内容").fill("还想听什么主题？")
    screenshot(page, "survey-designer")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url(re.compile(r".*/surveys/\d+$"))
    page.get_by_role("button", name="发布问卷").click()
    page.get_by_text("已发布，题目不能再修改").first.wait_for()
    screenshot(page, "survey-preview-published")


def _fill_for(page, customer: Customer, attended: bool) -> None:
    page.goto(f"/customers/{customer.id}")
    panel = page.locator("#section-surveys")
    panel.locator("li", has_text="理财讲座回访").get_by_role("link", name="填写").click()
    page.locator("#survey-form").wait_for()
    rating = page.locator(".survey-question").nth(1)
    if attended:
        page.get_by_label("参加了").check()
        assert rating.is_visible()
        rating.get_by_text("5", exact=True).click()
    else:
        page.get_by_label("没有参加").check()
        assert rating.is_hidden()  # 没有参加 skips the rating question
        page.get_by_label("还想听什么主题？").fill("养老规划")
        screenshot(page, "survey-fill-skip")
    page.get_by_role("button", name="提交问卷").click()
    page.get_by_text("问卷“理财讲座回访”已提交").wait_for()
    assert "理财讲座回访" in page.locator("#customer-surveys details").first.inner_text()


def test_design_fill_for_two_customers_and_see_the_chart(app, browser, live_server):
    context, page = _page_as(browser, live_server, "head01")
    _design(page)
    context.close()

    seat = user_named("seat01")
    customers = list(db.session.scalars(select(Customer).where(Customer.service_seat_id == seat.id)
                                        .order_by(Customer.id).limit(2)))
    context, page = _page_as(browser, live_server, "seat01")
    _fill_for(page, customers[0], attended=True)
    _fill_for(page, customers[1], attended=False)
    screenshot(page, "survey-customer-360")
    context.close()

    context, page = _page_as(browser, live_server, "head01")
    page.locator("#main-menu").get_by_role("link", name="问卷结果", exact=True).click()
    page.get_by_role("link", name="理财讲座回访").click()
    page.locator("[data-chart='chart-q1'][data-chart-ready='1']").wait_for()
    assert "答卷数：2" in page.locator("#response-count").inner_text()
    q1 = page.locator("#result-q1").inner_text()
    assert "50.0%" in q1
    assert "养老规划" in page.locator("#result-q3").inner_text()
    screenshot(page, "survey-results")
    context.close()
