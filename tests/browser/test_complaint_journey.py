"""In Chromium: seat01 files a complaint from a customer's 360 page; the handler (the serving seat) finds 处理投诉 in
the task inbox; the clock moves past the category's SLA and the scheduler's timer job runs; the complaint page shows
已升级 and the handler still has the task, and the department head has an urgent notice."""

from __future__ import annotations

import re
from contextlib import ExitStack
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app import clock
from app.complaints.models import Complaint
from app.extensions import db
from app.notices.models import Notice
from scheduler.workflow_timers import advance_workflow_timers
from tests.conftest import browser_login, screenshot
from tests.integration.trading import customers_of

pytestmark = pytest.mark.browser


@pytest.mark.date_sensitive
def test_a_complaint_filed_from_360_escalates_when_its_sla_runs_out(app, page, live_server):
    customer = customers_of("seat01")[0]
    browser_login(page, "seat01")
    page.goto(f"/customers/{customer.id}")
    page.locator("#customer-complaint-new").click()
    page.wait_for_url(re.compile(r".*/complaints/new\?customer_id=\d+$"))
    assert customer.name in page.locator("#complaint-customer").inner_text()
    page.get_by_label("投诉类别").select_option(label="资金到账（24 小时内处理）")
    page.get_by_label("投诉渠道").select_option(label="电话")
    page.get_by_label("投诉内容").fill("认购款三天前已扣，账户里还看不到份额，客户很着急。")
    screenshot(page, "complaint-new")
    page.get_by_role("button", name="登记投诉").click()
    page.wait_for_url(re.compile(r".*/complaints/\d+$"))
    page.get_by_text("已登记，已分派给 张坐席").first.wait_for()
    assert "未升级" in page.locator("#complaint-escalation").inner_text()
    assert "剩余 23 小时" in page.locator("#complaint-countdown").inner_text()
    complaint_url = page.url

    # The handler (the customer's serving seat) has it in the normal task inbox.
    page.goto("/tasks/")
    row = page.locator("#task-table tr", has_text="处理投诉").first
    row.wait_for()
    db.session.commit()
    complaint = db.session.scalars(select(Complaint).order_by(Complaint.id.desc())).first()
    assert complaint is not None and complaint.number in row.inner_text()
    db.session.commit()

    # The SLA runs out; the scheduler's timer job fires the boundary timer. The server runs in this process, so
    # it sees the moved clock too; the seat logs in again (a day-old session has timed out) and opens the page.
    # The seat's page polls for screen-pops (seat01 has an extension); leave it, so that no request of the page
    # writes while the timer job takes the instance — that job would rightly put the timer off and retry later.
    page.goto("about:blank")
    with time_machine.travel(clock.now() + timedelta(hours=24, minutes=5), tick=True), ExitStack() as later:
        summary = advance_workflow_timers(db.session, clock.now())
        for _ in range(3):  # on a starved machine the sandbox may time out: the job backs off and retries
            if "稍后重试 1 个" not in summary:
                break
            later.enter_context(time_machine.travel(clock.now() + timedelta(minutes=9), tick=True))
            summary = advance_workflow_timers(db.session, clock.now())
        assert "已触发 1 个" in summary, summary
        again = advance_workflow_timers(db.session, clock.now())
        assert again.startswith("到期 0 个"), again  # a second run fires nothing
        db.session.commit()
        browser_login(page, "seat01")
        page.goto(complaint_url)
        page.locator("#diagram[data-rendered='true']").wait_for()
        badges = page.locator("#complaint-badges").inner_text()
        assert "已升级" in badges and "处理中" in badges
        assert "已升级（第 1 级）" in page.locator("#complaint-escalation").inner_text()
        assert "已超时" in page.locator("#complaint-countdown").inner_text()
        assert page.locator("#complaint-severity").inner_text() == "严重"
        assert "处理投诉" in page.locator("#complaint-tasks").inner_text()  # the handler keeps the task
        assert "定时器到期" in page.locator("#history").inner_text()
        screenshot(page, "complaint-escalated")
        page.goto("/complaints/overdue")
        assert complaint.number in page.locator("#complaint-table tr.table-danger").first.inner_text()
        page.locator("#overdue-by-category canvas").first.wait_for()
        screenshot(page, "complaint-overdue")
    db.session.commit()
    assert db.session.scalar(select(Notice.id).where(Notice.title.contains(complaint.number))) is not None
