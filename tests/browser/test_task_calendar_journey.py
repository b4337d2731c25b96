"""In Chromium: admin sets the 初级/P1 quota to 20 valid calls; seat01's home page shows today's shortfall, then
the day complete after 20 valid calls; the full task calendar (FullCalendar) shows it; head01's team view."""

from __future__ import annotations

import re

import pytest

from app.customers.models import Customer
from app.extensions import db
from app.followups import services as followups
from tests.conftest import browser_login, screenshot
from tests.customer_helpers import make_customer, user

pytestmark = pytest.mark.browser


def test_a_seat_reaches_the_quota_and_sees_the_day_complete_on_home_and_calendar(app, page):
    page.emulate_media(reduced_motion="reduce")
    browser_login(page, "admin")
    page.locator("#main-menu").get_by_role("link", name="配额维护", exact=True).click()
    page.get_by_role("link", name="调整").first.wait_for()
    page.locator('#quota-table tr[data-level="初级"][data-tier="P1"]').get_by_role("link", name="调整").click()
    assert page.get_by_label("有效电话（个/天）").input_value() == "3"  # today's quota, to change from
    page.get_by_label("有效电话（个/天）").fill("20")
    page.get_by_label("备注").fill("冲刺月")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r".*/quotas/$"))
    row = page.locator('#quota-table tr[data-level="初级"][data-tier="P1"]')
    assert "20" in row.inner_text()
    screenshot(page, "quotas-list")

    page.context.clear_cookies()
    browser_login(page, "seat01")
    panel = page.locator("#panel-task-calendar")
    assert re.search(r"今天还差 \d+ 个有效电话", panel.locator("#task-reminder").inner_text())
    screenshot(page, "task-calendar-home-short")

    customer = make_customer("日历验收", seat="seat01", phones=["13722250001"], type_="valid")
    seat = user("seat01")
    done = int(panel.locator('tr[data-metric="valid_call"] td').nth(1).inner_text().split("/")[0])
    for _ in range(20 - done):
        followups.log_follow_up(db.session, db.session.get(Customer, customer.id), seat, followups.FollowUpInput(
            kind="call", phone="13722250001", connected=True, duration_seconds=120, result="interested"))
    db.session.commit()
    page.reload()
    assert panel.get_attribute("data-status") == "complete"
    assert panel.locator("#task-reminder").inner_text().strip() == "今天的任务已完成"
    assert panel.locator('tr[data-metric="valid_call"] td').nth(1).inner_text() == "20 / 20"
    screenshot(page, "task-calendar-home-complete")

    page.get_by_role("link", name="查看任务日历（日 / 周 / 月）").click()
    today = page.locator('#task-calendar .fc-day-today [data-status]')
    today.wait_for()
    assert today.get_attribute("data-status") == "complete" and "有效电话 20/20" in today.inner_text()
    screenshot(page, "task-calendar-month")
    page.get_by_role("button", name="周").click()
    page.locator('#task-calendar .fc-dayGridWeek-view').wait_for()
    screenshot(page, "task-calendar-week")

    page.context.clear_cookies()
    browser_login(page, "head01")
    page.locator("#main-menu").get_by_role("link", name="团队任务完成", exact=True).click()
    cells = page.locator(f'#team-grid tr[data-seat="{seat.id}"] td[data-status="complete"]')
    assert cells.count() >= 1
    assert page.locator("#team-grid tbody tr").count() == 2  # seat01 and seat02; seat11 is another department
    screenshot(page, "task-calendar-team")
