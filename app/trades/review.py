"""The trade review chain (客户交易审核, bpmn/trade_review.bpmn): starting a review round and the operations
its service tasks call.

Trade status model: the diagram is the one place that says where a trade stands. Each step's service
task writes the status (``trade.set_status``) and each decision writes its consequence on the trade row
(到账 on finance pass, 退回/退款/失败 with the reason, 收益阶段), in the same transaction as the task
completion. The confirmed arrival also makes the customer 成交, so the pools never recycle an investor.
Screens, the monitor and the raise figures read the row and never the workflow JSON.

Loop design: one process instance is one review round. 退回 ends the round at 交易修订; the seat's
resubmission (``trade.resubmit``) applies the revision and starts the next round as a new instance, so
any number of rounds never grows one SpiffWorkflow task tree towards its depth limit.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app import clock, signals, workflow
from app.auth.models import User
from app.customers import services as customer_services
from app.customers.models import CustomerType
from app.database import DbSession
from app.errors import Conflict, ValidationFailed
from app.products.models import Project, ProjectStage
from app.trades import posting_dates
from app.trades.models import OPEN_STATUSES, STATUS_LABELS, Trade, TradeStatus
from app.workflow import subjects
from app.workflow.models import ProcessInstance
from app.workflow.operations import OperationContext, Param, operation
from app.workflow.subjects import Subject

REVIEW_PROCESS = "trade_review"
RAISED_STAGES = (ProjectStage.RAISED, ProjectStage.INCOME, ProjectStage.COMPLETED)


def review_title(trade: Trade) -> str:
    return f"{trade.trade_no} · {trade.customer.name} · {trade.project.name} {trade.intended_amount:,.2f}元"


def start_round(session: DbSession, trade: Trade, actor: User | None) -> ProcessInstance:
    """Start a review round for the trade at 交易财务审核; the arrival amount starts as the intended amount."""
    trade.arrival_amount = trade.intended_amount
    trade.arrival_date = None
    trade.arrival_confirmed = False
    data = {"trade_id": trade.id, "project_id": trade.project_id, "trade_no": trade.trade_no,
            "customer_name": f"{trade.customer.name}（{trade.customer.number}）", "project_name": trade.project.name,
            "intended_amount": trade.intended_amount, "arrival_amount": trade.arrival_amount,
            "bank_name": trade.bank_name, "bank_account": trade.bank_account, "remark": trade.remark,
            "review_round": trade.review_round}
    instance = workflow.start(session, REVIEW_PROCESS, business_key=f"trade:{trade.id}", title=review_title(trade),
                              org_id=trade.org_id, owner_id=trade.seat_id, data=data, actor=actor,
                              related=[f"customer:{trade.customer_id}", f"project:{trade.project_id}"])
    trade.review_instance_id = instance.id
    session.flush()
    return instance


def _trade(ctx: OperationContext) -> Trade:
    trade = ctx.session.get(Trade, int(ctx.data["trade_id"]))
    if trade is None:
        raise LookupError(f"交易 {ctx.data.get('trade_id')} 不存在")
    return trade


def _set(trade: Trade, status: TradeStatus, reason: str | None = None) -> None:
    trade.status = status
    trade.status_changed_at = clock.now()
    if reason is not None:
        trade.status_reason = reason


@operation("trade.set_status", "设置交易状态", {
    "status": Param("状态", "choice", required=True, options=tuple((s.value, s.label) for s in TradeStatus)),
})
def set_status(ctx: OperationContext, status: str) -> dict[str, Any]:
    trade = _trade(ctx)
    _set(trade, TradeStatus(status), "")
    ctx.session.flush()
    return {"status": trade.status.value}


@operation("trade.record_arrival", "确认到账（交易财务审核通过）",
           {"arrival_date": "到账时间", "arrival_amount": "实际到账金额"})
def record_arrival(ctx: OperationContext, arrival_date: date | None, arrival_amount: Decimal | None) -> dict[str, Any]:
    """Record the confirmed arrival; the trade now counts in 虚拟LP募集额度/数量 and the customer is 成交."""
    trade = _trade(ctx)
    if not isinstance(arrival_date, date):
        raise ValidationFailed("通过交易财务审核须填写到账时间")
    if arrival_amount in (None, ""):
        raise ValidationFailed("通过交易财务审核须填写实际到账金额")
    amount = Decimal(str(arrival_amount))
    posting_dates.refuse_future(arrival_date, "到账时间")
    minimum = minimum_of(trade)
    if amount < minimum:
        raise ValidationFailed(f"实际到账金额 {amount:,.2f} 元低于项目起购金额 "
                               f"{minimum:,.2f} 元，请退回交易修订")
    trade.arrival_date = arrival_date
    trade.arrival_amount = amount
    trade.arrival_confirmed = True
    customer_services.set_type(ctx.session, trade.customer, CustomerType.DEALT)
    ctx.session.flush()
    signals.trade_arrived.send(ctx.session, trade=trade, actor=ctx.actor)
    return {"arrival_amount": str(amount), "arrival_date": arrival_date.isoformat()}


@operation("trade.confirm_personal_contract", "个人合同已确认，查看项目是否已募集成功", {"contract_no": "个人合同编号"})
def confirm_personal_contract(ctx: OperationContext, contract_no: str | None = None) -> dict[str, Any]:
    trade = _trade(ctx)
    if contract_no and str(contract_no).strip():
        trade.contract_no = str(contract_no).strip()[:50]
    _set(trade, TradeStatus.AWAITING_RAISE, "")
    ctx.session.flush()
    return {"raised": trade.project.stage in RAISED_STAGES}


@operation("trade.start_income", "集体合同已确认，进入收益阶段（检查LP募集数量），记下集体合同编号")
def start_income(ctx: OperationContext) -> dict[str, Any]:
    trade = _trade(ctx)
    # 集体合同编号 comes from the 确认集体合同 form's data; read, not a diagram parameter, so instances
    # started on earlier versions of the diagram (without the field) still enter the income stage.
    collective_contract_no = ctx.data.get("collective_contract_no")
    # Two confirmations at once must not both squeeze under the limit: take the project row first
    # (FOR UPDATE on PostgreSQL; SQLite writers are serialised by BEGIN IMMEDIATE anyway).
    project = ctx.session.execute(select(Project).where(Project.id == trade.project_id).with_for_update()).scalar_one()
    earning = ctx.session.scalar(select(func.count()).select_from(Trade).where(
        Trade.project_id == project.id, Trade.id != trade.id,
        Trade.status.in_((TradeStatus.INCOME, TradeStatus.SETTLED)))) or 0
    if earning + 1 > project.lp_count:
        raise ValidationFailed(f"项目已有 {earning} 笔交易确认集体合同，达到LP募集数量 {project.lp_count} 笔，"
                               "这笔交易不能再确认，请选择退款")
    _set(trade, TradeStatus.INCOME, "")
    if collective_contract_no and str(collective_contract_no).strip():
        trade.collective_contract_no = str(collective_contract_no).strip()[:50]
    trade.value_date = clock.today()
    ctx.session.flush()
    return {"value_date": trade.value_date.isoformat()}


@operation("trade.return_for_revision", "退回交易修订（记录退回环节与原因）", {"reason": "退回原因"})
def return_for_revision(ctx: OperationContext, reason: str) -> str:
    """Send the trade to the seat's 交易修订 list; returns what the revision form shows as the reason."""
    trade = _trade(ctx)
    reason = str(reason or "").strip()
    step = trade.status
    trade.returned_from = step.value
    _set(trade, TradeStatus.RETURNED, reason)
    ctx.session.flush()
    return f"{STATUS_LABELS[step]}退回：{reason}"


@operation("trade.resubmit", "修订后重新提交：开始新一轮审核",
           {"intended_amount": "修订后的意向金额", "bank_name": "开户银行", "bank_account": "银行账号",
            "remark": "备注"})
def resubmit(ctx: OperationContext, intended_amount: Decimal, bank_name: str | None = None,
             bank_account: str | None = None, remark: str | None = None) -> dict[str, Any]:
    """Apply the seat's revision and start the next review round (a new instance) at 交易财务审核."""
    trade = _trade(ctx)
    amount = Decimal(str(intended_amount))
    check_amount(trade.project, amount, minimum_of(trade))
    if trade.project.stage in (ProjectStage.FAILED, ProjectStage.COMPLETED):
        raise Conflict(f"项目处于“{trade.project.stage.label}”，交易不能重新提交")
    trade.intended_amount = amount
    trade.bank_name = (bank_name or "").strip()[:100]
    trade.bank_account = (bank_account or "").strip()[:50]
    trade.remark = (remark or "").strip()[:2000]
    trade.review_round += 1
    trade.returned_from = ""
    _set(trade, TradeStatus.FINANCE_AUDIT, "")
    instance = start_round(ctx.session, trade, ctx.actor)
    return {"round": trade.review_round, "instance_id": instance.id}


@operation("trade.refund", "退款（交易结束）", {"reason": "退款原因"})
def refund(ctx: OperationContext, reason: str) -> dict[str, Any]:
    trade = _trade(ctx)
    step = trade.status
    _set(trade, TradeStatus.REFUNDED, f"{STATUS_LABELS[step]}退款：{str(reason or '').strip()}")
    ctx.session.flush()
    return {"status": trade.status.value}


@operation("trade.fail", "认购交易失败（项目募集失败）", {"reason": "项目失败原因"})
def fail(ctx: OperationContext, reason: str = "") -> dict[str, Any]:
    trade = _trade(ctx)
    _set(trade, TradeStatus.FAILED, f"项目募集失败：{str(reason or '').strip()}")
    ctx.session.flush()
    return {"status": trade.status.value}


def check_amount(project: Any, amount: Decimal, minimum: Decimal | None = None) -> None:
    """The intended amount must be positive and at least the minimum subscription: the project's, or the one a
    member price reduced it to (``minimum``)."""
    minimum = project.min_subscription if minimum is None else minimum
    if amount <= 0:
        raise ValidationFailed("意向金额必须大于 0")
    if amount < minimum:
        member = "（会员价）" if minimum != project.min_subscription else ""
        raise ValidationFailed(f"意向金额 {amount:,.2f} 元低于项目起购金额{member} {minimum:,.2f} 元")


def minimum_of(trade: Trade) -> Decimal:
    """The trade's minimum subscription: reduced by the member price it was created with, else the project's."""
    if trade.member_min_subscription is not None:
        return trade.member_min_subscription
    return trade.project.min_subscription


def _summarise(session: DbSession, ident: str) -> Subject | None:
    trade = session.get(Trade, int(ident)) if ident.isdigit() else None
    if trade is None:
        return None
    fields = [
        ("客户", f"{trade.customer.name}（{trade.customer.number}）"),
        ("理财项目", f"{trade.project.name} · {trade.project.stage.label}"),
        ("坐席 / 组织", f"{trade.seat.name} / {trade.org.name}"),
        ("意向金额", f"{trade.intended_amount:,.2f} 元"),
        ("到账金额", f"{trade.arrival_amount:,.2f} 元" + ("" if trade.arrival_confirmed else "（待确认）")),
        ("到账时间", str(trade.arrival_date or "—")),
        ("交易状态", trade.status.label),
        ("审核轮次", f"第 {trade.review_round} 轮"),
    ]
    if trade.status_reason:
        fields.append(("原因", trade.status_reason))
    return Subject(f"交易 {trade.trade_no} {trade.customer.name} · {trade.project.name}",
                   url_for("trades.detail", trade_id=trade.id), fields, kind="交易", link_label="交易详情")


def _preload(session: DbSession, trade_ids: list[int]) -> list[object]:
    return list(session.scalars(select(Trade).where(Trade.id.in_(trade_ids)).options(
        joinedload(Trade.customer), joinedload(Trade.project), joinedload(Trade.seat), joinedload(Trade.org))))


subjects.register("trade", _summarise, _preload)


@signals.instance_cancelled.connect
def _review_cancelled(session: DbSession, instance: Any, **_kwargs: Any) -> None:
    """A review round cancelled in 流程监控 ends its trade as 认购交易失败, so no trade waits without a task."""
    if instance.process_key != REVIEW_PROCESS:
        return
    trade = session.scalar(select(Trade).where(Trade.review_instance_id == instance.id))
    if trade is not None and trade.status in OPEN_STATUSES:
        _set(trade, TradeStatus.FAILED, f"审核流程已被取消：{instance.end_reason}")
        session.flush()
