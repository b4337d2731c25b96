"""A monitor repairs an instance broken by a misspelt variable in a gateway condition, in the browser: the
instance page shows the incident, 修复 lists the failed step's variables, the missing one is added with its
type and a reason, 重试 runs the gateway again and the live diagram shows the instance moved on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app import workflow
from app.extensions import db
from app.workflow.models import InstanceStatus, ProcessInstance, TaskStatus, WorkflowTask
from tests.conftest import browser_login, screenshot, user_named

pytestmark = pytest.mark.browser


def test_monitor_fixes_the_variable_retries_and_the_diagram_moves_on(app, deploy_fixture, page):
    deploy_fixture("repair_gateway")
    seat = user_named("seat01")
    instance = workflow.start(db.session, "test_repair", title="大额申请（条件拼错）", org_id=seat.org_id,
                              owner_id=seat.id, actor=seat)
    [fill] = db.session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == instance.id)).all()
    workflow.complete_task(db.session, fill.id, seat, {"amount": Decimal("2500")}, outcome="submit")
    db.session.commit()
    assert instance.status == InstanceStatus.ERROR

    browser_login(page, "designer01")
    page.goto(f"/workflow/instances/{instance.id}")
    assert "变量 amonut 不存在" in page.locator("#incident").inner_text()
    page.locator("#diagram[data-rendered='true']").wait_for()
    assert page.locator("g[data-element-id='gw'].bpmn-current").count() == 1
    screenshot(page, "workflow-repair-incident")

    page.locator("#repair-link").click()
    page.wait_for_url(f"**/workflow/instances/{instance.id}/repair")
    assert "金额判断" in page.locator("#positions").inner_text()
    page.get_by_label("新变量名 1").fill("amonut")
    page.get_by_label("新变量类型 1").select_option(label="金额(Decimal)")
    page.get_by_label("新变量值 1").fill("25OO")  # letter O typed for zero
    page.locator("#variables-reason").fill("网关条件里把 amount 拼成了 amonut")
    page.get_by_role("button", name="保存变量修改").click()
    assert "变量“amonut”须为金额" in page.content()
    assert page.get_by_label("新变量值 1").input_value() == "25OO"  # nothing typed is lost
    page.get_by_label("新变量值 1").fill("2500")
    page.get_by_role("button", name="保存变量修改").click()
    assert "已保存 1 项变量修改；请点“重试”继续执行" in page.content()
    assert "（无） → 2500" in page.locator("#history").inner_text()
    screenshot(page, "workflow-repair-variables")

    page.locator("#retry").click()
    page.wait_for_url(f"**/workflow/instances/{instance.id}")
    assert "已重试，流程继续运行" in page.content()
    page.locator("#diagram[data-rendered='true']").wait_for()
    assert page.locator("g[data-element-id='review'].bpmn-current").count() == 1
    assert page.locator("g[data-element-id='gw'].bpmn-done").count() == 1
    assert page.locator("#instance-status").inner_text() == "进行中"
    screenshot(page, "workflow-repair-moved-on")

    db.session.commit()
    stored = db.session.get(ProcessInstance, instance.id)
    assert stored is not None and stored.status == InstanceStatus.RUNNING
    assert db.session.scalars(select(WorkflowTask.name).where(
        WorkflowTask.instance_id == instance.id, WorkflowTask.status == TaskStatus.OPEN)).all() == ["财务审核"]
