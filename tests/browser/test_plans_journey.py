"""In Chromium: manager01 publishes a monthly plan for 理财一部, head01 splits it evenly to his seats (and is
refused when a share exceeds the parent), seat01 sees today's target on the home page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete

from app import clock
from app.extensions import db
from app.hr import days
from app.plans import periods
from app.plans.models import Plan, PlanTarget
from app.quotas import facts
from app.quotas.metrics import Metric
from tests.conftest import browser_login, screenshot, user_named

pytestmark = [pytest.mark.browser, pytest.mark.date_sensitive]


def _page_as(browser, live_server, username: str):
    context = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1400, "height": 900})
    context.clock.install(time=clock.now())
    page = context.new_page()
    page.set_default_timeout(15_000)
    browser_login(page, username)
    return context, page


def _valid_calls(username: str) -> int:
    """What the demo's follow-ups already count for a seat this month."""
    user = user_named(username)
    first, last = periods.bounds(periods.PeriodKind.MONTH, clock.today())
    return facts.totals(db.session, [user.id], first, last)[user.id][Metric.VALID_CALL]


def _expected_share(target: int) -> tuple[int, int]:
    """seat01's 今日目标 for 有效电话 from a monthly target, computed here from the facts and excused days."""
    today, seat01 = clock.today(), user_named("seat01")
    first, last = periods.bounds(periods.PeriodKind.MONTH, today)
    done = facts.totals(db.session, [seat01.id], first, today - timedelta(days=1))[seat01.id][Metric.VALID_CALL] \
        if first < today else 0
    off = {day for (_user, day) in days.excused(db.session, [seat01.id], today, last)}
    left = len(periods.working_days(today + timedelta(days=1), last, off)) + 1
    return periods.share_for_today(target, done, left), left


def test_manager_publishes_head_splits_seat_sees_today_s_target(app, browser, live_server):
    db.session.execute(delete(PlanTarget))  # the demo's plans of this month: the journey makes its own
    db.session.execute(delete(Plan))
    db.session.commit()

    context, page = _page_as(browser, live_server, "manager01")
    page.locator("#main-menu").get_by_role("link", name="工作计划", exact=True).click()
    page.get_by_role("link", name="新建计划").click()
    assert page.get_by_label("计划类型").input_value() == "month"
    assert page.get_by_label("计划月份").input_value() == f"{clock.today():%Y-%m}"
    page.get_by_label("计划对象").select_option(label="部门 · 理财一部")
    page.get_by_label("有效电话目标").fill("600")
    page.get_by_label("意向客户目标").fill("40")
    page.get_by_label("说明").fill("本月主推稳健系列")
    page.get_by_role("button", name="下达", exact=True).click()
    page.wait_for_url(re.compile(r".*/plans/\d+$"))
    assert "月计划已下达" in page.locator(".alert").first.inner_text()
    seat01_done, seat02_done = _valid_calls("seat01"), _valid_calls("seat02")
    assert f"{seat01_done + seat02_done} / 600" in page.locator("#plan-progress").inner_text()
    context.close()

    context, page = _page_as(browser, live_server, "head01")
    page.locator("#main-menu").get_by_role("link", name="工作计划", exact=True).click()
    page.locator("#plan-table").get_by_role("link", name=periods.label(periods.PeriodKind.MONTH, clock.today())).click()
    page.get_by_role("link", name="拆分下达").click()
    page.get_by_role("link", name="平均分配到坐席").click()
    seat01 = page.get_by_label("张坐席（S0001）有效电话")
    assert seat01.input_value() == "300" and page.get_by_label("陈坐席（S0002）有效电话").input_value() == "300"
    assert page.get_by_label("张坐席（S0001）意向客户").input_value() == "20"
    seat01.fill("301")
    page.get_by_role("button", name="保存并下达").click()
    assert "拆分超出上级计划：有效电话合计 601，超过上级目标 600" in page.locator(".alert").first.inner_text()
    screenshot(page, "plans-split-refused")
    page.get_by_label("张坐席（S0001）有效电话").fill("300")
    page.get_by_role("button", name="保存并下达").click()
    page.wait_for_url(re.compile(r".*/plans/\d+$"))
    children = page.locator("#children-table").inner_text()
    assert "张坐席" in children and "陈坐席" in children
    assert f"{seat01_done} / 300" in children and f"{seat02_done} / 300" in children
    screenshot(page, "plans-detail-split")
    context.close()

    expected, left = _expected_share(300)
    context, page = _page_as(browser, live_server, "seat01")
    panel = page.locator("#panel-today-target")
    row = panel.locator("tr[data-metric='valid_call']")
    assert row.locator("td").nth(1).inner_text() == str(expected)
    assert f"剩余 {left} 个工作日" in row.inner_text()
    assert panel.locator("tr[data-metric='intent']").count() == 1
    screenshot(page, "plans-home-today-target")
    context.close()
