"""The trade review chain through HTTP as the demo users: the happy path to income, return at each step →
revision → resubmit, refund at each step, project failure ending every open trade, 募集成功 refused and
accepted, the LP count at 确认集体合同, and a return loop of 400 rounds."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import clock, workflow
from app.customers.models import CustomerType
from app.extensions import db
from app.products.models import ProjectStage
from app.trades.models import Trade, TradeStatus
from app.trades.raising import figures_of
from app.workflow.models import InstanceStatus, ProcessInstance, TaskStatus, WorkflowTask
from app.workflow.views import history
from tests.conftest import user_named
from tests.integration.trading import (
    act,
    create_trade,
    customers_of,
    finance_pass,
    make_project,
    open_task,
    reload,
    status,
)


@pytest.fixture
def people(login_as):
    return {name: login_as(name) for name in ("seat01", "finance01", "service01")}


def _to_awaiting(people, trade):
    finance_pass(people["finance01"], trade)
    act(people["service01"], trade, "pass", "核对无误")
    act(people["service01"], trade, "pass", "合同已签", contract_no="HT-001")


def test_happy_path_from_creation_to_income(people):
    project = make_project(lp_amount="2000000", lp_count=2)
    customer = next(c for c in customers_of("seat01") if c.type != CustomerType.DEALT)
    trade = create_trade(people["seat01"], customer.id, project.id, "1000000")
    assert trade.status == TradeStatus.FINANCE_AUDIT and trade.arrival_amount == Decimal("1000000.00")
    assert trade.trade_no.startswith("JY") and trade.review_round == 1
    task = open_task(trade)
    assert task.name == "交易财务审核" and task.candidate_role == "finance"

    # finance01 finds it in its queue and on the task page (form pre-filled, subject shown, diagram).
    queue = people["finance01"].get("/trades/queue/finance_audit").get_data(as_text=True)
    assert trade.trade_no in queue
    page = people["finance01"].get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'name="arrival_amount"' in page and 'value="1000000.00"' in page and customer.name in page
    assert "data-diagram-url" in page and f"交易 {trade.trade_no}" in page

    finance_pass(people["finance01"], trade, amount="1000000.00")
    trade = reload(trade.id)
    assert trade.status == TradeStatus.VERIFICATION and trade.arrival_confirmed and trade.arrival_date is not None
    assert trade.customer.type == CustomerType.DEALT  # an investor now: the pools never recycle it
    assert figures_of(db.session, project.id).virtual_amount == Decimal("1000000.00")
    act(people["service01"], trade, "pass", "核对无误")
    assert status(trade) == TradeStatus.PERSONAL_CONTRACT
    act(people["service01"], trade, "pass", "合同已签", contract_no="HT-2026-001")
    trade = reload(trade.id)
    assert trade.status == TradeStatus.AWAITING_RAISE and trade.contract_no == "HT-2026-001"
    db.session.rollback()
    instance = db.session.get(ProcessInstance, trade.review_instance_id)
    assert instance.status == InstanceStatus.WAITING

    second = create_trade(people["seat01"], customer.id, project.id, "1000000")
    _to_awaiting(people, second)
    assert people["service01"].post(f"/products/projects/{project.id}/stage",
                                    data={"outcome": "success"}).status_code == 302
    for item in (trade, second):
        assert status(item) == TradeStatus.COLLECTIVE_CONTRACT
    act(people["service01"], trade, "pass", "集体合同已确认", collective_contract_no="JT-2026-001")
    trade = reload(trade.id)
    assert trade.status == TradeStatus.INCOME and trade.value_date is not None
    db.session.rollback()
    assert db.session.get(ProcessInstance, trade.review_instance_id).status == InstanceStatus.COMPLETED
    detail = people["seat01"].get(f"/trades/{trade.id}").get_data(as_text=True)
    assert "收益阶段" in detail and "HT-2026-001" in detail


@pytest.mark.parametrize("step", ["finance_audit", "verification", "personal_contract", "collective_contract"])
def test_return_at_each_step_goes_to_revision_and_resubmits_into_finance_audit(people, step):
    project = make_project(lp_amount="1000000", lp_count=2)
    trade = create_trade(people["seat01"], customers_of("seat01")[0].id, project.id, "1000000")
    reviewer = people["finance01"] if step == "finance_audit" else people["service01"]
    if step != "finance_audit":
        finance_pass(people["finance01"], trade)
    if step in ("personal_contract", "collective_contract"):
        act(people["service01"], trade, "pass")
    if step == "collective_contract":
        act(people["service01"], trade, "pass", contract_no="HT-1")
        assert people["service01"].post(f"/products/projects/{project.id}/stage",
                                        data={"outcome": "success"}).status_code == 302
    assert status(trade) == TradeStatus(step)

    act(reviewer, trade, "return", expect=422)  # a return needs a reason
    act(reviewer, trade, "return", "客户签名缺失")
    trade = reload(trade.id)
    assert trade.status == TradeStatus.RETURNED and trade.returned_from == step
    assert trade.status_reason == "客户签名缺失"
    revisions = people["seat01"].get("/trades/revisions").get_data(as_text=True)
    assert trade.trade_no in revisions and "客户签名缺失" in revisions
    task = open_task(trade)
    assert task.name == "交易修订" and task.owner_id == user_named("seat01").id
    page = people["seat01"].get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "退回：客户签名缺失" in page and 'name="intended_amount"' in page

    first_instance = trade.review_instance_id
    assert 'value="招商银行"' in page  # the bank details come pre-filled
    act(people["seat01"], trade, "resubmit", "已补签名", intended_amount="1200000", bank_name="建设银行",
        bank_account="6217 0000 1111")
    trade = reload(trade.id)
    assert trade.status == TradeStatus.FINANCE_AUDIT and trade.review_round == 2
    assert (trade.bank_name, trade.bank_account) == ("建设银行", "6217 0000 1111")
    assert trade.intended_amount == Decimal("1200000.00") == trade.arrival_amount
    assert not trade.arrival_confirmed and trade.review_instance_id != first_instance
    db.session.rollback()
    assert db.session.get(ProcessInstance, first_instance).status == InstanceStatus.COMPLETED
    assert open_task(trade).name == "交易财务审核"
    # The next round can go the whole way again.
    finance_pass(people["finance01"], trade)
    assert status(trade) == TradeStatus.VERIFICATION


def test_revision_below_the_minimum_is_refused_and_the_task_stays(people):
    project = make_project()
    trade = create_trade(people["seat01"], customers_of("seat01")[0].id, project.id, "1000000")
    act(people["finance01"], trade, "return", "金额不符")
    task = open_task(trade)
    response = act(people["seat01"], trade, "resubmit", intended_amount="500000", expect=422)
    assert "意向金额 500,000.00 元低于项目起购金额 1,000,000.00 元" in response.get_data(as_text=True)
    # In the browser the refusal goes back to the task page, with the message on top.
    back = people["seat01"].post(f"/tasks/{task.id}/complete", data={"outcome": "resubmit", "intended_amount": "1"},
                                 headers={"Referer": f"/tasks/{task.id}"}, follow_redirects=True)
    assert "低于项目起购金额" in back.get_data(as_text=True)
    trade = reload(trade.id)
    assert trade.status == TradeStatus.RETURNED and trade.review_round == 1
    assert open_task(trade).id == task.id


@pytest.mark.parametrize("step", ["verification", "personal_contract", "collective_contract"])
def test_refund_at_each_step_ends_the_trade_with_the_reason(people, step):
    project = make_project(lp_amount="1000000", lp_count=2)
    trade = create_trade(people["seat01"], customers_of("seat01")[0].id, project.id, "1000000")
    finance_pass(people["finance01"], trade)
    if step in ("personal_contract", "collective_contract"):
        act(people["service01"], trade, "pass")
    if step == "collective_contract":
        act(people["service01"], trade, "pass", contract_no="HT-1")
        people["service01"].post(f"/products/projects/{project.id}/stage", data={"outcome": "success"})
    assert status(trade) == TradeStatus(step)
    act(people["service01"], trade, "refund", expect=422)
    act(people["service01"], trade, "refund", "客户放弃认购")
    trade = reload(trade.id)
    assert trade.status == TradeStatus.REFUNDED and trade.status_reason.endswith("退款：客户放弃认购")
    db.session.rollback()
    assert db.session.get(ProcessInstance, trade.review_instance_id).status == InstanceStatus.COMPLETED
    assert figures_of(db.session, project.id).virtual_count == 0


def test_project_failure_ends_every_open_trade_wherever_it_is(people):
    project = make_project(lp_amount="9000000", lp_count=9)
    customer = customers_of("seat01")[0].id
    at_finance = create_trade(people["seat01"], customer, project.id)
    at_verification = create_trade(people["seat01"], customer, project.id)
    finance_pass(people["finance01"], at_verification)
    at_personal = create_trade(people["seat01"], customer, project.id)
    finance_pass(people["finance01"], at_personal)
    act(people["service01"], at_personal, "pass")
    waiting = create_trade(people["seat01"], customer, project.id)
    _to_awaiting(people, waiting)
    returned = create_trade(people["seat01"], customer, project.id)
    act(people["finance01"], returned, "return", "请补充材料")
    refunded = create_trade(people["seat01"], customer, project.id)
    finance_pass(people["finance01"], refunded)
    act(people["service01"], refunded, "refund", "客户撤单")
    trades = [at_finance, at_verification, at_personal, waiting, returned]

    response = people["service01"].post(f"/products/projects/{project.id}/stage",
                                        data={"outcome": "failure", "comment": "认购不足，项目取消"})
    assert response.status_code == 302
    db.session.rollback()
    assert project.stage == ProjectStage.FAILED
    for trade in trades:
        trade = reload(trade.id)
        assert trade.status == TradeStatus.FAILED, trade.trade_no
        assert trade.status_reason == "项目募集失败：认购不足，项目取消"
        instance = db.session.get(ProcessInstance, trade.review_instance_id)
        assert instance.status == InstanceStatus.COMPLETED
    assert status(refunded) == TradeStatus.REFUNDED
    open_tasks = db.session.scalar(select(func.count()).select_from(WorkflowTask).where(
        WorkflowTask.business_key.in_([f"trade:{t.id}" for t in trades]), WorkflowTask.status == TaskStatus.OPEN))
    assert open_tasks == 0
    # New trades are refused for a project that is not raising.
    people["seat01"].post(f"/customers/{customer}/current")
    refused = people["seat01"].post("/trades/new", data={"project_id": str(project.id), "intended_amount": "1000000"})
    assert refused.status_code == 422


def test_a_review_in_error_when_the_project_fails_keeps_the_message_and_fails_after_retry(people, login_as):
    project = make_project(lp_amount="5000000", lp_count=5)
    trade = create_trade(people["seat01"], customers_of("seat01")[0].id, project.id)
    finance_pass(people["finance01"], trade)
    instance = db.session.get(ProcessInstance, reload(trade.id).review_instance_id)
    instance.status, instance.error_message = InstanceStatus.ERROR, "银行接口超时"  # an incident
    db.session.commit()

    assert people["service01"].post(f"/products/projects/{project.id}/stage",
                                    data={"outcome": "failure", "comment": "认购不足"}).status_code == 302
    assert status(trade) == TradeStatus.VERIFICATION  # the instance could not act on it yet …
    kinds = [e.kind for e in history(db.session, instance.id)]
    assert kinds[-1] == "message_held"  # … but kept it

    designer = login_as("designer01")  # 流程实例管理: retry once the cause is fixed
    assert designer.post(f"/workflow/instances/{instance.id}/retry").status_code == 302
    trade = reload(trade.id)
    assert trade.status == TradeStatus.FAILED and trade.status_reason == "项目募集失败：认购不足"
    db.session.refresh(instance)
    assert instance.status == InstanceStatus.COMPLETED
    released = [e for e in history(db.session, instance.id) if e.kind == "message_released"]
    assert [(e.comment, e.outcome) for e in released] == [("project_raise_failed", "已投递")]
    # A second retry finds nothing left to release.
    assert designer.post(f"/workflow/instances/{instance.id}/retry").status_code in (302, 409)
    assert len([e for e in history(db.session, instance.id) if e.kind == "message_released"]) == 1


def test_raise_success_is_refused_until_the_quota_is_met_then_waiting_trades_move_on(people):
    project = make_project(lp_amount="2000000", lp_count=2)
    customer = customers_of("seat01")[0].id
    first = create_trade(people["seat01"], customer, project.id)
    _to_awaiting(people, first)
    late = create_trade(people["seat01"], customer, project.id)
    finance_pass(people["finance01"], late)  # counts in the virtual figures, not in the quota

    response = people["service01"].post(f"/products/projects/{project.id}/stage", data={"outcome": "success"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "不能宣布募集成功" in text and "还差 1,000,000.00 元" in text
    db.session.rollback()
    assert project.stage == ProjectStage.RAISING and status(first) == TradeStatus.AWAITING_RAISE
    # The same refusal through the inbox task page.
    lifecycle_task = db.session.scalar(select(WorkflowTask).where(
        WorkflowTask.instance_id == project.lifecycle_instance_id, WorkflowTask.status == TaskStatus.OPEN))
    response = people["service01"].post(f"/tasks/{lifecycle_task.id}/complete", data={"outcome": "success"},
                                        headers={"Referer": f"/tasks/{lifecycle_task.id}"}, follow_redirects=True)
    assert "还差 1,000,000.00 元" in response.get_data(as_text=True)

    second = create_trade(people["seat01"], customer, project.id)
    _to_awaiting(people, second)
    assert people["service01"].post(f"/products/projects/{project.id}/stage",
                                    data={"outcome": "success"}).status_code == 302
    db.session.rollback()
    assert project.stage == ProjectStage.RAISED
    assert status(first) == status(second) == TradeStatus.COLLECTIVE_CONTRACT
    # A trade that confirms its personal contract after the raise goes straight to the collective contract.
    act(people["service01"], late, "pass")
    act(people["service01"], late, "pass", contract_no="HT-3")
    assert status(late) == TradeStatus.COLLECTIVE_CONTRACT
    # …but the LP count is a hard limit: the third collective confirmation is refused.
    act(people["service01"], first, "pass", collective_contract_no="JT-1")
    act(people["service01"], second, "pass", collective_contract_no="JT-2")
    response = act(people["service01"], late, "pass", expect=422, collective_contract_no="JT-3")
    assert "达到LP募集数量 2 笔" in response.get_data(as_text=True)
    assert status(late) == TradeStatus.COLLECTIVE_CONTRACT
    act(people["service01"], late, "refund", "额度已满")
    assert status(late) == TradeStatus.REFUNDED


def test_too_many_confirmed_trades_are_reported_too(people):
    project = make_project(lp_amount="1000000", lp_count=1)
    customer = customers_of("seat01")[0].id
    for _ in range(2):
        _to_awaiting(people, create_trade(people["seat01"], customer, project.id))
    response = people["service01"].post(f"/products/projects/{project.id}/stage", data={"outcome": "success"})
    assert response.status_code == 422
    assert "超过LP募集数量 1 笔，请先退款 1 笔" in response.get_data(as_text=True)


def test_the_current_customer_page_leads_to_a_new_trade(people):
    customer = customers_of("seat01")[0]
    seat = people["seat01"]
    seat.post(f"/customers/{customer.id}/current")
    page = seat.get("/customers/workbench/current").get_data(as_text=True)
    assert 'href="/trades/new"' in page
    form = seat.get("/trades/new").get_data(as_text=True)
    assert customer.name in form and customer.number in form


def test_new_trade_is_validated(people):
    project = make_project(minimum="1000000")
    preparing = make_project(publish=False)
    seat = people["seat01"]
    mine = customers_of("seat01")[0].id
    seat.post(f"/customers/{mine}/current")
    response = seat.post("/trades/new", data={"project_id": str(project.id), "intended_amount": "999999.99"})
    assert response.status_code == 422 and "低于项目起购金额" in response.get_data(as_text=True)
    response = seat.post("/trades/new", data={"project_id": str(preparing.id), "intended_amount": "1000000"})
    assert response.status_code == 422  # not offered: only projects in 资金募集 are choices
    assert preparing.name not in seat.get("/trades/new").get_data(as_text=True)
    # Another seat's customer cannot be made current.
    others = customers_of("seat11")[0].id
    assert seat.post(f"/customers/{others}/current").status_code == 404
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Trade).where(Trade.project_id == project.id)) == 0


@pytest.mark.slow
def test_a_trade_can_be_returned_and_resubmitted_400_times(app):
    """Each round is its own instance, so the loop never approaches SpiffWorkflow's depth limit."""
    project = make_project(minimum="1000000")
    seat, finance = user_named("seat01"), user_named("finance01")
    from app.trades import services
    from app.trades.services import TradeInput

    customer = customers_of("seat01")[0]
    trade = services.create_trade(db.session, customer.id, TradeInput(project.id, Decimal("1000000")), seat)
    db.session.commit()
    for round_no in range(1, 401):
        task = open_task(trade)
        assert task.name == "交易财务审核"
        workflow.complete_task(db.session, task.id, finance, {"arrival_date": None, "arrival_amount": None},
                               outcome="return", comment=f"第 {round_no} 次退回")
        db.session.commit()
        task = open_task(trade)
        workflow.complete_task(db.session, task.id, seat, {"intended_amount": Decimal("1000000") + round_no},
                               outcome="resubmit", comment="已修改")
        db.session.commit()
    trade = reload(trade.id)
    assert trade.review_round == 401 and trade.status == TradeStatus.FINANCE_AUDIT
    assert trade.intended_amount == Decimal("1000400.00")
    instances = db.session.scalars(select(ProcessInstance.status).where(
        ProcessInstance.business_key == f"trade:{trade.id}")).all()
    assert len(instances) == 401 and instances.count(InstanceStatus.RUNNING) == 1
    assert InstanceStatus.ERROR not in instances
    finance_task = open_task(trade)
    workflow.complete_task(db.session, finance_task.id, finance,
                           {"arrival_date": clock.today(), "arrival_amount": Decimal("1000400")}, outcome="pass")
    db.session.commit()
    assert status(trade) == TradeStatus.VERIFICATION


def test_cancelling_a_review_or_a_lifecycle_in_the_monitor_leaves_no_trade_waiting(people, login_as):
    designer = login_as("designer01")  # 流程实例管理
    project = make_project(lp_amount="5000000", lp_count=5)
    customer = customers_of("seat01")[0].id
    cancelled = create_trade(people["seat01"], customer, project.id)
    response = designer.post(f"/workflow/instances/{cancelled.review_instance_id}/cancel",
                             data={"reason": "重复提交"})
    assert response.status_code == 302
    trade = reload(cancelled.id)
    assert trade.status == TradeStatus.FAILED and trade.status_reason == "审核流程已被取消：重复提交"

    waiting = create_trade(people["seat01"], customer, project.id)
    _to_awaiting(people, waiting)
    assert designer.post(f"/workflow/instances/{project.lifecycle_instance_id}/cancel",
                         data={"reason": "项目终止"}).status_code == 302
    db.session.rollback()
    assert project.stage == ProjectStage.FAILED and project.failure_reason == "阶段流程已被取消：项目终止"
    trade = reload(waiting.id)
    assert trade.status == TradeStatus.FAILED and "项目终止" in trade.status_reason


def test_a_refused_audit_shows_its_read_only_fields_again(people):
    """The read-only fields (交易编号, 客户, 项目, 意向金额) are shown, not posted: a 422 must show them again."""
    project = make_project()
    customer = next(c for c in customers_of("seat01") if c.type != CustomerType.DEALT)
    trade = create_trade(people["seat01"], customer.id, project.id, "1200000")
    refused = act(people["finance01"], trade, "pass", "已到账", expect=422, arrival_amount="-5")
    page = refused.get_data(as_text=True)
    assert "到账时间" in page and "is-invalid" in page
    shown = dict(re.findall(r'form-label">([^<]*)</div><div class="form-control-plaintext fw-semibold">([^<]*)', page))
    assert shown == {"交易编号": trade.trade_no, "客户": f"{customer.name}（{customer.number}）",
                     "理财项目": project.name, "意向金额（元）": "1200000"}
    assert status(trade) == TradeStatus.FINANCE_AUDIT
