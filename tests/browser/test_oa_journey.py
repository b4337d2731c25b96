"""In Chromium: a leave application from draft to completion through two handlers, with the route on the
instance diagram; the work calendar; an urgent notice pop-up; a chat message arriving without a reload."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.oa.models import Application, ApplicationStatus
from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _context(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1400, "height": 900},
                                  reduced_motion="reduce")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda dialog: dialog.accept())  # 提交申请 asks for confirmation
    return context, page


def _open_application(page, title: str) -> None:
    page.locator("#main-menu").get_by_role("link", name="待办申请", exact=True).click()
    page.locator("#waiting-table").get_by_role("link", name=title).click()
    page.locator("#handle-form").wait_for()


def test_leave_application_forwarded_and_completed_with_the_route_on_the_diagram(app, page, browser, live_server,
                                                                                   tmp_path):
    page.emulate_media(reduced_motion="reduce")
    page.on("dialog", lambda dialog: dialog.accept())
    browser_login(page, "seat01")
    page.locator("#main-menu").get_by_role("link", name="申请查询", exact=True).click()
    page.get_by_role("link", name="新建申请").click()
    page.get_by_label("申请类型").select_option(label="请假申请")
    page.get_by_label("请假类别").wait_for()  # the type's own fields arrive through htmx
    page.get_by_label("处理人").select_option(label="李主管（H0001 · 理财一部）")
    page.get_by_label("申请标题").fill("元旦后年假三天")
    page.get_by_label("请假类别").select_option(label="年假")
    page.get_by_label("开始日期").fill("2027-01-04")
    page.get_by_label("结束日期").fill("2027-01-06")
    page.get_by_label("申请描述").fill("回老家探亲，客户回访已交接给陈坐席。")
    attachment = tmp_path / "交接清单.pdf"
    attachment.write_bytes(PDF)
    page.get_by_label("附件", exact=True).set_input_files(str(attachment))
    screenshot(page, "oa-application-form")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url(re.compile(r".*/oa/applications/\d+$"))
    assert page.get_by_role("link", name="交接清单.pdf").is_visible()
    page.get_by_role("button", name="提交申请").click()
    page.get_by_text("申请已提交给 李主管").first.wait_for()  # the redirect has landed
    assert page.get_by_role("link", name="修改").count() == 0  # immutable once submitted
    application_id = int(page.url.rsplit("/", 1)[1])

    head_context, head = _context(browser, live_server)
    browser_login(head, "head01")
    _open_application(head, "元旦后年假三天")
    head.get_by_label("处理内容").fill("部门同意，春节前后人手紧，请城市经理确认。")
    head.get_by_label("处理结果").select_option(label="同意")
    head.get_by_label("下一处理人").select_option(label="王城经（M0001 · 上海分公司）")
    head.locator("#diagram[data-rendered='true']").wait_for()
    screenshot(head, "oa-application-handle")
    head.get_by_role("button", name="向下流转").click()
    head.get_by_text("已转交 王城经 处理").first.wait_for()  # the redirect has landed
    head_context.close()

    manager_context, manager = _context(browser, live_server)
    browser_login(manager, "manager01")
    assert "元旦后年假三天" in manager.locator("#panel-applications").inner_text()  # on the home page
    manager.goto("/oa/applications/monitor")
    screenshot(manager, "oa-application-monitor")
    manager.goto("/")
    _open_application(manager, "元旦后年假三天")
    manager.get_by_label("处理内容").fill("同意休假。")
    manager.get_by_label("处理结果").select_option(label="同意")
    manager.get_by_role("button", name="处理完成").click()
    manager.get_by_text("申请已处理完成").first.wait_for()  # the redirect has landed
    manager_context.close()

    page.goto(f"/oa/applications/{application_id}")
    page.locator("#diagram[data-rendered='true']").wait_for()
    notes = page.locator(".diagram-note").inner_text()
    assert "1. 李主管 · 同意 · 向下流转" in notes and "2. 王城经 · 同意 · 处理完成" in notes
    assert page.locator(".bpmn-done").count() >= 4
    assert page.locator("#route li").count() == 2
    assert "已完成" in page.locator(".page-header").inner_text()
    screenshot(page, "oa-application-route")
    db.session.commit()
    application = db.session.get(Application, application_id)
    assert application.status == ApplicationStatus.COMPLETED and len(application.attachments) == 1


def test_a_type_chosen_before_the_page_scripts_ran_still_brings_its_fields(page):
    browser_login(page, "seat01")
    held: list = []
    page.route("**/htmx.min.js", lambda route: held.append(route))  # a slow network: htmx has not arrived
    page.goto("/oa/applications/new", wait_until="commit")
    page.get_by_label("申请类型").select_option(label="请假申请")
    assert page.get_by_label("请假类别").count() == 0
    while not held:
        page.wait_for_timeout(50)
    held[0].continue_()
    page.get_by_label("请假类别").wait_for()


@pytest.mark.date_sensitive
def test_work_calendar_month_view_and_a_new_plan(page):
    page.emulate_media(reduced_motion="reduce")
    browser_login(page, "seat01")
    assert "补录上周拜访记录" in page.locator("#panel-todos").inner_text()  # overdue, on the home page
    screenshot(page, "oa-home-seat")
    page.locator("#main-menu").get_by_role("link", name="行事历", exact=True).click()
    page.locator("#work-calendar[data-rendered='true']").wait_for()
    page.locator(".fc-event", has_text="回访 5 位意向客户").first.wait_for()
    page.get_by_role("button", name="新建").click()
    page.get_by_label("标题").fill("准备沙龙邀约名单")
    page.get_by_label("内容").fill("筛选 20 位高意向客户")
    page.locator("#entry-form").get_by_role("button", name="保存").click()
    page.locator(".fc-event", has_text="准备沙龙邀约名单").first.wait_for()
    screenshot(page, "oa-calendar-month")
    page.get_by_label("查看谁的行事历").select_option(label="直属上级：李主管")
    page.locator(".fc-event", has_text="理财一部周计划").first.wait_for()
    assert page.get_by_role("button", name="新建").count() == 0  # someone else's calendar is read-only
    screenshot(page, "oa-calendar-superior")


def test_urgent_notice_pops_up_until_acknowledged(page):
    page.emulate_media(reduced_motion="reduce")
    browser_login(page, "hr01")  # the small demo leaves hr01's pop-ups unacknowledged
    popup = page.locator("#notice-popup")
    popup.wait_for(state="visible")
    assert "台风" in popup.inner_text()
    screenshot(page, "notice-urgent-popup")
    page.reload()
    popup.wait_for(state="visible")  # still there on the next page load
    page.get_by_role("button", name="我已知悉").click()
    page.locator("#notice-popup", has_text="2026 年度合规经营要求").wait_for(state="visible")  # then the major one
    page.get_by_role("button", name="我已知悉").click()
    page.wait_for_load_state()
    assert page.locator("#notice-popup").count() == 0
    assert "2026 年度合规经营要求" in page.locator("#panel-major").inner_text()
    page.locator(".ticker-item", has_text="欢迎使用").first.click()
    page.locator("#notice-view").wait_for(state="visible")
    assert "新平台已上线" in page.locator("#notice-view").inner_text()
    screenshot(page, "notice-ticker-view")


def test_a_chat_message_arrives_without_reloading(page, browser, live_server):
    browser_login(page, "seat02")
    page.goto("/chat/")
    page.get_by_role("link", name=re.compile("张坐席")).click()
    page.locator("#messages").wait_for()
    sender_context, sender = _context(browser, live_server)
    browser_login(sender, "seat01")
    assert sender.locator("#chat-unread").inner_text() == "1"  # head01's demo message
    sender.goto("/chat/")
    sender.get_by_role("link", name=re.compile("陈坐席")).click()
    sender.wait_for_url(re.compile(r".*/chat/with/\d+$"))  # loaded: Enter sends once chat.js has run
    sender.get_by_label("消息内容").fill("王总确认参加沙龙了！")
    sender.keyboard.press("Enter")
    sender.locator("#messages", has_text="王总确认参加沙龙了！").wait_for()
    url = page.url
    page.locator("#messages", has_text="王总确认参加沙龙了！").wait_for(timeout=10_000)  # delivered by polling
    assert page.url == url
    screenshot(page, "chat-conversation")
    sender_context.close()
