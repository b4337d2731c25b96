"""交易状态监控 (every trade in every state, filters, counts, export) and 交易综合管理 (edit or delete in the
states that allow it; the Trade model writes the audit rows)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from app.auth.permissions import require
from app.errors import DomainError, ValidationFailed, refused
from app.exports import xlsx_response
from app.extensions import db
from app.org import scope as data_scope
from app.org.models import Org
from app.org.scope import Scope
from app.pagination import keyset_page
from app.products.models import Project
from app.trades import services
from app.trades.access import TRADE_MANAGE, TRADE_MONITOR
from app.trades.models import Trade, TradeStatus
from app.trades.services import DELETABLE_STATUSES, EDITABLE_STATUSES, TradeCorrection
from app.trades.trade_routes import PER_PAGE, filters_from_args
from forms.base import first_error
from forms.trades import DeleteTradeForm, TradeCorrectionForm

bp = Blueprint("trade_admin", __name__, url_prefix="/trades/admin")

EXPORT_HEADERS = ["交易编号", "客户编号", "客户", "理财项目", "项目编号", "坐席", "所属组织", "意向金额",
                  "到账金额", "到账时间", "到账已审核", "状态", "原因", "审核轮次", "个人合同编号", "集体合同编号",
                  "起息日", "付息至", "清算日", "创建时间"]


def _scope(permission: str) -> Scope:
    return data_scope.scope_of(db.session, current_user, permission)


def _list_context(scope: Scope) -> dict[str, Any]:
    stmt = services.trade_query(db.session, scope, filters_from_args())
    project_ids = select(Trade.project_id).where(data_scope.org_condition(scope, Trade.org_id, Trade.seat_id))
    return {
        "page": keyset_page(stmt, services.LIST_ORDER, PER_PAGE, walk_index="rowid"),
        "statuses": list(TradeStatus),
        "counts": services.status_counts(db.session, scope),
        "projects": db.session.scalars(select(Project).where(Project.id.in_(project_ids)).order_by(Project.name)).all(),
        "orgs": db.session.scalars(select(Org).where(Org.id.in_(data_scope.org_ids(db.session, scope)))
                                   .order_by(Org.path)).all(),
    }


@bp.get("/monitor")
@require(TRADE_MONITOR)
def monitor() -> Any:
    return render_template("trades/monitor.html", title="交易状态监控", endpoint="trade_admin.monitor",
                           manage=False, **_list_context(_scope(TRADE_MONITOR)))


@bp.get("/monitor/export")
@require(TRADE_MONITOR)
def export() -> Any:
    trades = db.session.scalars(services.trade_query(db.session, _scope(TRADE_MONITOR), filters_from_args()))
    rows = ((t.trade_no, t.customer.number, t.customer.name, t.project.name, t.project.code, t.seat.name, t.org.name,
             t.intended_amount, t.arrival_amount, t.arrival_date, t.arrival_confirmed, t.status.label, t.status_reason,
             t.review_round, t.contract_no, t.collective_contract_no, t.value_date, t.interest_paid_to, t.settled_on,
             t.created_at)
            for t in trades)
    return xlsx_response("客户交易", EXPORT_HEADERS, rows)


@bp.get("/manage")
@require(TRADE_MANAGE)
def manage() -> Any:
    return render_template("trades/monitor.html", title="交易综合管理", endpoint="trade_admin.manage", manage=True,
                           editable=EDITABLE_STATUSES, deletable=DELETABLE_STATUSES,
                           delete_form=DeleteTradeForm(formdata=None), **_list_context(_scope(TRADE_MANAGE)))


@bp.route("/<int:trade_id>/edit", methods=["GET", "POST"])
@require(TRADE_MANAGE)
def edit(trade_id: int) -> Any:
    trade = services.get_trade(db.session, trade_id, _scope(TRADE_MANAGE))
    if trade.status not in EDITABLE_STATUSES:
        raise ValidationFailed(f"交易处于“{trade.status.label}”，不能再修改")
    form = TradeCorrectionForm(obj=trade)
    if not form.validate_on_submit():
        if form.is_submitted():
            flash(first_error(form), "danger")
            return render_template("trades/edit.html", trade=trade, form=form), 422
        return render_template("trades/edit.html", trade=trade, form=form)
    try:
        services.update_trade(db.session, trade, TradeCorrection(
            contract_no=form.contract_no.data or "", collective_contract_no=form.collective_contract_no.data or "",
            bank_name=form.bank_name.data or "",
            bank_account=form.bank_account.data or "", remark=form.remark.data or ""))
    except DomainError as exc:
        return refused(exc, "trades/edit.html", trade=trade, form=form)
    db.session.commit()
    flash(f"交易 {trade.trade_no} 已保存", "success")
    return redirect(url_for("trades.detail", trade_id=trade.id))


@bp.post("/<int:trade_id>/delete")
@require(TRADE_MANAGE)
def delete(trade_id: int) -> Any:
    trade = services.get_trade(db.session, trade_id, _scope(TRADE_MANAGE))
    form = DeleteTradeForm()
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    number = trade.trade_no
    services.delete_trade(db.session, trade, current_user, form.reason.data or "")
    db.session.commit()
    flash(f"已删除交易 {number}", "success")
    return redirect(url_for("trade_admin.manage"))
