"""A seat fills a task and finance approves it in the browser; the task page renders the live diagram."""

from __future__ import annotations

import pytest

from app import workflow
from app.extensions import db
from app.workflow.models import InstanceStatus
from tests.conftest import browser_login, screenshot, user_named

pytestmark = pytest.mark.browser


def test_seat_fills_and_finance_approves_with_the_diagram_on_screen(app, deploy_fixture, page, browser, live_server):
    deploy_fixture("approval")
    seat = user_named("seat01")
    instance = workflow.start(db.session, "test_approval", business_key="test:88", title="演示审批单",
                              org_id=seat.org_id, owner_id=seat.id, actor=seat)
    db.session.commit()

    browser_login(page, "seat01")
    assert page.locator("#inbox-badge").inner_text() == "1"
    page.get_by_role("link", name="我的待办").click()
    page.get_by_role("link", name="填写申请").click()
    page.get_by_label("金额").fill("-3")
    page.get_by_role("button", name="提交").click()
    assert "金额须不小于 0" in page.content()
    page.get_by_label("金额").fill("2500.50")
    page.get_by_label("日期").fill("2026-12-01")
    page.locator("#diagram[data-rendered='true']").wait_for()
    screenshot(page, "workflow-task-form")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/tasks/")
    assert "已办理“填写申请”" in page.content()

    finance = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1400, "height": 900})
    finance_page = finance.new_page()
    browser_login(finance_page, "finance01")
    finance_page.goto("/tasks/?tab=group&q=test:88")  # the demo trades wait in the same group
    finance_page.get_by_role("button", name="认领").click()
    finance_page.locator("#diagram[data-rendered='true']").wait_for()
    assert finance_page.locator(".bpmn-current").count() >= 1
    assert finance_page.locator(".bpmn-done").count() >= 2
    assert "2,500.50" in finance_page.content() or "2500.50" in finance_page.content()
    finance_page.get_by_label("审核意见").fill("到账无误")
    screenshot(finance_page, "workflow-finance-review")
    finance_page.get_by_role("button", name="通过").click()
    finance_page.wait_for_url("**/tasks/")
    finance.close()

    db.session.refresh(instance)
    assert instance.status == InstanceStatus.COMPLETED
    db.session.commit()
