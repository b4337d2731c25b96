"""The properties panel writes what the engine reads: a process built in the modeler with a service task
(operation, parameter, result variable), a script task, a gateway with a condition and a default flow,
and a message throw with correlation is saved, deployed and runs as designed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import clock, workflow
from app.designer.models import DesignDraft
from app.extensions import db
from app.notices import services as notices
from app.workflow import deploy, engine
from app.workflow.models import InstanceStatus, MessageLog
from tests.browser.modeler import (
    append,
    click_connection,
    name_new,
    new_process,
    open_group,
    pick,
    publish,
    replace,
    wait_for_model,
)
from tests.conftest import browser_login, screenshot, user_named
from tests.integration.test_process_operations import diagram

pytestmark = pytest.mark.browser


def test_service_script_gateway_and_message_properties_round_trip_to_a_running_process(app, page):
    browser_login(page, "designer01")
    new_process(page, "panel_check", "属性面板检查")

    pick(page, "StartEvent_1")
    service = append(page, "append.append-task")
    name_new(page, "回显")
    replace(page, service, "replace-with-service-task")
    pick(page, service)
    open_group(page, "licai-service")
    page.select_option("#bio-properties-panel-licai-operation", "system.echo")
    # Typed slower than the panel's debounce: each pause commits, and the field keeps focus and text.
    page.locator("#bio-properties-panel-licai-operation-result").press_sequentially("res", delay=450)
    # Then straight into the next field: nothing typed is lost.
    page.locator("#bio-properties-panel-licai-operation-param-value").fill('"你好"')
    # (a parameter exists once it has a value: an empty one is not written)
    wait_for_model(page, service, "bo.extensionElements.values[0].resultVariable === 'res' && bo.extensionElements"
                                  ".values[0].parameterList.parameters[0]?.value === '\"你好\"'")

    pick(page, service)
    script = append(page, "append.append-task")
    name_new(page, "计算")
    replace(page, script, "replace-with-script-task")
    pick(page, script)
    open_group(page, "licai-script")
    page.locator("#bio-properties-panel-licai-script-body").fill("doubled = 21 * 2")
    wait_for_model(page, script, "bo.script === 'doubled = 21 * 2'")

    pick(page, script)
    gateway = append(page, "append.gateway")
    pick(page, gateway)
    big = append(page, "append.end-event")
    pick(page, gateway)
    notify = append(page, "append.intermediate-event")
    replace(page, notify, "replace-with-message-intermediate-throw")
    pick(page, notify)
    open_group(page, "licai-message")
    page.locator("#bio-properties-panel-licai-message-name").fill("care_done")
    wait_for_model(page, notify, "bo.eventDefinitions[0].messageRef?.name === 'care_done'")
    page.locator("#bio-properties-panel-licai-message-correlation").fill("customer_id")
    wait_for_model(page, notify, "bo.$parent.$parent.rootElements.some((r) => r.id === 'customer_id')")
    page.locator("#bio-properties-panel-licai-message-payload").fill('{"customer_id": 7, "doubled": doubled}')
    wait_for_model(page, notify, "(bo.eventDefinitions[0].extensionElements?.values || []).length === 1")
    pick(page, notify)
    append(page, "append.end-event")

    # The flow to the plain end is conditional; the one to the message is the gateway's default.
    flows = page.evaluate("""(ids) => {
        const registry = window.licaiModeler.get('elementRegistry');
        const out = registry.get(ids[0]).outgoing;
        return [out.find((f) => f.target.id === ids[1]).id, out.find((f) => f.target.id === ids[2]).id];
    }""", [gateway, big, notify])
    click_connection(page, flows[0])
    open_group(page, "licai-condition")
    page.locator("#bio-properties-panel-licai-condition-expression").fill("doubled > 100")
    wait_for_model(page, flows[0], "bo.conditionExpression?.body === 'doubled > 100'")
    click_connection(page, flows[1])
    open_group(page, "licai-condition")
    page.locator("#bio-properties-panel-licai-default-flow").check()
    wait_for_model(page, flows[1], "bo.sourceRef.default === bo")

    page.get_by_role("button", name="保存草稿").click()
    page.locator("#designer-status.alert-success", has_text="草稿已保存").wait_for()
    page.get_by_role("button", name="校验").click()
    page.locator("#designer-status.alert-success", has_text="校验通过").wait_for()
    screenshot(page, "designer-panel-properties")

    db.session.rollback()
    xml = db.session.scalars(select(DesignDraft.xml).where(DesignDraft.key == "panel_check")).one()
    for fragment in ('<spiffworkflow:serviceTaskOperator id="system.echo" resultVariable="res">',
                     '<spiffworkflow:parameter id="value" type="any" value="&#34;你好&#34;" />',
                     "doubled = 21 * 2", "doubled &gt; 100", 'name="care_done"',
                     '<bpmn:correlationProperty id="customer_id" name="customer_id">',
                     # bpmn-moddle writes the message path as bpmn:formalExpression; SpiffWorkflow reads either
                     "<bpmn:formalExpression>customer_id</bpmn:formalExpression>",
                     '{"customer_id": 7, "doubled": doubled}</spiffworkflow:messagePayload>'):
        assert fragment in xml or fragment.replace("&#34;", "&quot;") in xml, fragment

    publish(page, "属性面板检查")

    seat = user_named("seat01")
    instance = workflow.start(db.session, "panel_check", org_id=seat.org_id, owner_id=seat.id, actor=seat)
    db.session.commit()
    assert instance.status == InstanceStatus.COMPLETED, instance.error_message
    data = engine.current_data(workflow.load_workflow(instance))
    assert data["doubled"] == 42 and data["res"] == {"value": "你好"}
    message = db.session.scalars(select(MessageLog).where(MessageLog.message_name == "care_done")).one()
    assert message.correlation == '{"customer_id": 7}' and message.payload["doubled"] == 42
    db.session.commit()


def test_typed_operation_parameters_show_chinese_entries_and_store_literals(app, page):
    """A 通知角色 operation shows its parameters by kind: the role as a select of role names storing the quoted
    code, the title as plain text stored quoted, the level as a select; deployment runs it for the head."""
    browser_login(page, "designer01")
    new_process(page, "typed_ops", "类型化参数")

    pick(page, "StartEvent_1")
    service = append(page, "append.append-task")
    name_new(page, "通知主管")
    replace(page, service, "replace-with-service-task")
    pick(page, service)
    open_group(page, "licai-service")
    page.select_option("#bio-properties-panel-licai-operation", "notice.notify_role")
    panel = page.locator('[data-group-id="group-licai-service"]')
    for label in ("接收角色（必填）", "通知标题（必填）（文字）", "通知内容（文字）", "级别"):
        panel.get_by_text(label, exact=True).wait_for()
    role = page.locator("#bio-properties-panel-licai-operation-param-role")
    assert role.locator("option", has_text="部门主管").count() == 1
    role.select_option(label="部门主管")
    page.locator("#bio-properties-panel-licai-operation-param-title").fill("客户 {customer_name} 不满意")
    page.locator("#bio-properties-panel-licai-operation-param-level").select_option(label="紧急（弹窗提醒，须点“我已知悉”）")
    wait_for_model(page, service, "(bo.extensionElements.values[0].parameterList.parameters || []).length === 3")
    values = page.evaluate("""(id) => Object.fromEntries(window.licaiModeler.get('elementRegistry').get(id)
        .businessObject.extensionElements.values[0].parameterList.parameters.map((p) => [p.id, p.value]))""", service)
    assert values == {"role": '"dept_head"', "title": '"客户 {customer_name} 不满意"', "level": '"urgent"'}
    panel.get_by_text('图中保存为带引号的值，如 "', exact=False).first.wait_for()
    pick(page, service)
    append(page, "append.end-event")
    pick(page, service)
    open_group(page, "licai-service")
    screenshot(page, "designer-typed-operation-parameters")

    page.get_by_role("button", name="保存草稿").click()
    page.locator("#designer-status.alert-success", has_text="草稿已保存").wait_for()
    publish(page, "类型化参数")

    seat = user_named("seat01")
    instance = workflow.start(db.session, "typed_ops", org_id=seat.org_id, owner_id=seat.id, actor=seat,
                              data={"customer_name": "王先生"})
    db.session.commit()
    assert instance.status == InstanceStatus.COMPLETED, instance.error_message
    head = user_named("head01")
    popup = notices.pending_popup(db.session, head, clock.now())
    assert popup is not None and popup.title == "客户 王先生 不满意"
    db.session.commit()


def test_business_status_set_by_a_process_shows_in_the_monitor_and_on_the_instance(app, page):
    deploy.deploy(db.session, diagram("status_shown", "workflow.set_business_status", {"status": '"待回访：{who}"'},
                                      "标记待回访", task=False), source="test")
    seat = user_named("seat01")
    instance = workflow.start(db.session, "status_shown", org_id=seat.org_id, owner_id=seat.id, actor=seat,
                              data={"who": "王先生"}, title="客户回访（王先生）")
    db.session.commit()
    browser_login(page, "admin")
    page.goto("/workflow/monitor")
    row = page.locator(f'#instance-table tr[data-instance="{instance.id}"]')
    row.locator(".business-status", has_text="待回访：王先生").wait_for()
    screenshot(page, "monitor-business-status")
    page.goto(f"/workflow/instances/{instance.id}")
    page.locator("#business-status", has_text="待回访：王先生").wait_for()
    page.locator("#history", has_text="服务操作").wait_for()
    screenshot(page, "instance-business-status")
