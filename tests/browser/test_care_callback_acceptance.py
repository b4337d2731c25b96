"""Issue 18's acceptance, in Chromium: a process designed without Python, worked from 客户 360, repaired in the
monitor.

designer01 builds a 客户回访 form in the form builder (客户, 满意度, 回访记录) and a 客户回访 process in the
modeler: the seat's call-back task, a follow-up appointment operation and, when satisfaction ≤ 2, a pop-up to
the department head. Version 1 misspells a variable in the appointment's parameter (no static check can know
what a parameter expression reads). seat01 starts it from a customer's 360 page and works the task with the
customer card beside the form; the appointment step fails; designer01 sets the misspelt variable in 实例修复,
retries, and the process finishes: the appointment is in the seat's list and the head gets the pop-up.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.followups.models import Appointment
from app.notices import services as notices
from app.workflow.models import InstanceStatus, ProcessInstance
from tests.browser.form_builder import (
    components,
    delete_field,
    drag_from_palette,
    fill_options,
    open_group,
    set_key,
    set_label,
)
from tests.browser.form_builder import wait_loaded as wait_builder
from tests.browser.modeler import (
    append,
    click_connection,
    name_new,
    new_process,
    pick,
    publish,
    replace,
    wait_for_model,
)
from tests.browser.modeler import open_group as open_panel_group
from tests.conftest import browser_login, screenshot, user_named
from tests.integration.trading import customers_of

pytestmark = pytest.mark.browser


def _build_form(page) -> None:
    page.get_by_role("link", name="流程设计", exact=True).click()
    page.get_by_role("link", name="新建表单").click()
    wait_builder(page)
    for component in components(page):
        delete_field(page, component["id"])
    drag_from_palette(page, "客户")
    open_group(page, "validation").get_by_label("必填").check()
    rating = drag_from_palette(page, "单选")
    set_label(page, "满意度")
    set_key(page, rating["id"], "satisfaction")
    fill_options(page, [(f"{score} 分", str(score)) for score in range(1, 6)])
    open_group(page, "validation").get_by_label("必填").check()
    comment = drag_from_palette(page, "多行文本")
    set_label(page, "回访记录")
    set_key(page, comment["id"], "remark")
    page.get_by_label("标题").fill("客户回访")
    rows = page.locator("#outcome-rows .outcome-row")
    rows.nth(0).get_by_label("处理结果代码").fill("done")
    rows.nth(0).get_by_label("处理结果名称").fill("已回访")
    while rows.count() > 1:
        rows.nth(1).get_by_role("button", name="删除这个处理结果").click()
    page.get_by_label("表单标识（formKey）").fill("care_callback_form")
    screenshot(page, "acceptance-form-builder")
    page.get_by_role("button", name="保存").click()
    page.locator(".alert-success", has_text="表单 care_callback_form").wait_for()


def _operation(page, element_id: str, operation: str) -> None:
    pick(page, element_id)
    open_panel_group(page, "licai-service")
    page.select_option("#bio-properties-panel-licai-operation", operation)


def _build_process(page) -> None:
    new_process(page, "care_callback", "客户回访")

    pick(page, "StartEvent_1")
    open_panel_group(page, "licai-start")
    page.locator("#bio-properties-panel-licai-start-role-seat").check()

    pick(page, "StartEvent_1")
    call = append(page, "append.append-task")
    name_new(page, "电话回访")
    replace(page, call, "replace-with-user-task")
    pick(page, call)
    open_panel_group(page, "licai-task")
    page.select_option("#bio-properties-panel-licai-formKey", "care_callback_form")

    pick(page, call)
    booking = append(page, "append.append-task")
    name_new(page, "预约下次回访")
    replace(page, booking, "replace-with-service-task")
    _operation(page, booking, "followups.book_appointment")
    # Version 1's mistake: the parameter reads “satisfction”.
    page.locator("#bio-properties-panel-licai-operation-param-after_days").fill(
        "3 if int(satisfction) <= 2 else 30")
    page.locator("#bio-properties-panel-licai-operation-param-content").fill("回访跟进：{remark}")
    wait_for_model(page, booking, "(bo.extensionElements.values[0].parameterList?.parameters || []).length === 2")

    pick(page, booking)
    gateway = append(page, "append.gateway")
    pick(page, gateway)
    alert = append(page, "append.append-task")
    name_new(page, "通知主管")
    replace(page, alert, "replace-with-service-task")
    _operation(page, alert, "notice.notify_role")
    page.locator("#bio-properties-panel-licai-operation-param-role").select_option(label="部门主管")
    page.locator("#bio-properties-panel-licai-operation-param-title").fill("客户回访满意度低：{remark}")
    page.locator("#bio-properties-panel-licai-operation-param-level").select_option(
        label="紧急（弹窗提醒，须点“我已知悉”）")
    wait_for_model(page, alert, "(bo.extensionElements.values[0].parameterList?.parameters || []).length === 3")
    pick(page, alert)
    append(page, "append.end-event")
    pick(page, gateway)
    satisfied = append(page, "append.end-event")

    low, default = page.evaluate("""(ids) => {
        const out = window.licaiModeler.get('elementRegistry').get(ids[0]).outgoing;
        return [out.find((f) => f.target.id === ids[1]).id, out.find((f) => f.target.id === ids[2]).id];
    }""", [gateway, alert, satisfied])
    click_connection(page, low)
    open_panel_group(page, "licai-condition")
    page.locator("#bio-properties-panel-licai-condition-expression").fill("int(satisfaction) <= 2")
    wait_for_model(page, low, "bo.conditionExpression?.body === 'int(satisfaction) <= 2'")
    click_connection(page, default)
    open_panel_group(page, "licai-condition")
    page.locator("#bio-properties-panel-licai-default-flow").check()
    wait_for_model(page, default, "bo.sourceRef.default === bo")

    page.get_by_role("button", name="保存草稿").click()
    page.locator("#designer-status.alert-success", has_text="草稿已保存").wait_for()
    page.get_by_role("button", name="校验").click()
    page.locator("#designer-status.alert-success", has_text="校验通过").wait_for()
    pick(page, booking)
    open_panel_group(page, "licai-service")
    screenshot(page, "acceptance-process")
    publish(page, "客户回访：回访、预约、满意度低通知主管")


def test_a_callback_process_built_in_the_browser_runs_from_360_and_is_repaired_in_the_monitor(
        app, page, browser, live_server):
    browser_login(page, "designer01")
    _build_form(page)
    _build_process(page)

    # seat01 starts it from a customer's 360 page and works the task beside the customer card.
    customer = customers_of("seat01")[0]
    seat_context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1400, "height": 900})
    seat_page = seat_context.new_page()
    seat_page.set_default_timeout(15_000)
    browser_login(seat_page, "seat01")
    seat_page.goto(f"/customers/{customer.id}")
    seat_page.get_by_role("button", name="发起流程").click()
    seat_page.get_by_role("link", name="客户回访").click()
    seat_page.get_by_role("button", name="发起").click()
    seat_page.wait_for_url(f"**/customers/{customer.id}")
    row = seat_page.locator("#process-table tr", has_text=f"客户回访 · {customer.name}")
    row.get_by_role("link", name="客户回访", exact=True).click()
    seat_page.wait_for_url("**/tasks/*")
    card = seat_page.locator("#subject")
    assert customer.number in card.inner_text()
    form = seat_page.locator("#task-form")
    assert customer.name in form.inner_text()  # the 客户 field starts with the customer the process is about
    seat_page.get_by_label("满意度").select_option(label="1 分")
    seat_page.get_by_label("回访记录").fill("客户对收益不满意，要求经理回电")
    seat_page.locator("#diagram[data-rendered='true']").wait_for()
    screenshot(seat_page, "acceptance-task-page")
    seat_page.get_by_role("button", name="已回访").click()
    # The seat is told the truth: the task is done, the process after it is in trouble.
    seat_page.locator(".alert-warning", has_text="已提交，但后续流程执行出错").wait_for()
    seat_page.goto("/tasks/?tab=done")  # 已办 names the result as the form's own button did, not the shared 完成
    assert "已回访" in seat_page.locator("#task-table tbody tr", has_text="客户回访").first.inner_text()
    seat_context.close()

    db.session.rollback()
    instance = db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "care_callback")).one()
    assert instance.status == InstanceStatus.ERROR and "satisfction" in instance.error_message
    assert instance.business_key == f"customer:{customer.id}"
    db.session.commit()

    # designer01 (流程监控) sets the misspelt variable, retries, and the process finishes.
    page.goto(f"/workflow/instances/{instance.id}")
    assert "satisfction" in page.locator("#incident").inner_text()
    page.locator("#repair-link").click()
    assert "预约下次回访" in page.locator("#positions").inner_text()
    page.get_by_label("新变量名 1").fill("satisfction")
    page.get_by_label("新变量类型 1").select_option(label="整数")
    page.get_by_label("新变量值 1").fill("1")
    page.locator("#variables-reason").fill("v1 的预约参数把 satisfaction 拼成了 satisfction")
    page.get_by_role("button", name="保存变量修改").click()
    assert "已保存 1 项变量修改" in page.content()
    screenshot(page, "acceptance-repair")
    page.locator("#retry").click()
    page.wait_for_url(f"**/workflow/instances/{instance.id}")
    page.locator("#instance-status", has_text="已完成").wait_for()
    page.locator("#diagram[data-rendered='true']").wait_for()
    screenshot(page, "acceptance-finished")

    db.session.rollback()
    seat, head = user_named("seat01"), user_named("head01")
    appointment = db.session.scalars(select(Appointment).where(Appointment.customer_id == customer.id)
                                     .order_by(Appointment.id.desc())).first()
    assert appointment is not None and appointment.user_id == seat.id
    assert appointment.content == "回访跟进：客户对收益不满意，要求经理回电"
    assert clock.local(appointment.at).date() == clock.today() + timedelta(days=3)  # satisfaction ≤ 2: in 3 days
    popup = notices.pending_popup(db.session, head, clock.now())
    assert popup is not None and popup.title == "客户回访满意度低：客户对收益不满意，要求经理回电"
    db.session.commit()
