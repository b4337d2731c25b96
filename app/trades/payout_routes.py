"""理财项目付息维护 and 理财项目清算维护: projects in 收益阶段 only; compute a draft, a second finance user
reviews and posts it (or it is voided)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from app.auth.permissions import require
from app.errors import DomainError, refused
from app.extensions import db
from app.org import scope as data_scope
from app.org.scope import Scope
from app.trades import payouts
from app.trades.access import INTEREST, SETTLEMENT
from app.trades.models import InterestPayment, Settlement
from forms.base import first_error
from forms.trades import InterestPaymentForm, SettlementForm

bp = Blueprint("payouts", __name__, url_prefix="/trades/payouts")
PER_PAGE = 20


def _scope(permission: str) -> Scope:
    return data_scope.scope_of(db.session, current_user, permission)


def _project_choices(scope: Scope) -> list[tuple[int, str]]:
    projects = db.session.scalars(payouts.income_projects(db.session, scope))
    return [(0, "请选择")] + [(p.id, f"{p.name}（{p.code}）年化 {p.expected_yield:.2f}%") for p in projects]


def _index_page(model: type[payouts.P], permission: str, template: str, form: Any,
                status: int) -> Any:
    """The list of payouts with the create form; its project choices (set by the caller) also tell the
    template whether any project is in 收益阶段."""
    page = db.paginate(payouts.payout_query(db.session, model, _scope(permission)), per_page=PER_PAGE,
                       error_out=False)
    return render_template(template, form=form, page=page), status


# --- 付息 ------------------------------------------------------------------------------------------------


def _interest_page(form: InterestPaymentForm, status: int = 200) -> Any:
    return _index_page(InterestPayment, INTEREST, "trades/interest_index.html", form, status)


@bp.get("/interest")
@require(INTEREST)
def interest_index() -> Any:
    form = InterestPaymentForm(formdata=None)
    form.project_id.choices = _project_choices(_scope(INTEREST))
    return _interest_page(form)


@bp.post("/interest")
@require(INTEREST)
def interest_create() -> Any:
    scope = _scope(INTEREST)
    form = InterestPaymentForm()
    form.project_id.choices = _project_choices(scope)
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
        return _interest_page(form, 422)
    try:
        project = payouts.income_project(db.session, form.project_id.data, scope)
        payment = payouts.create_interest_payment(db.session, project, scope, current_user, form.period_end.data,
                                                  form.payment_date.data, form.remark.data or "")
    except DomainError as exc:
        return refused(exc, lambda: _interest_page(form))
    db.session.commit()
    flash(f"已计算付息单，共 {len(payment.lines)} 笔，合计 {payment.total:,.2f} 元，请另一位财务复核入账", "success")
    return redirect(url_for("payouts.interest_detail", payment_id=payment.id))


@bp.get("/interest/<int:payment_id>")
@require(INTEREST)
def interest_detail(payment_id: int) -> Any:
    payment = payouts.get_payout(db.session, InterestPayment, payment_id, _scope(INTEREST))
    return render_template("trades/interest_detail.html", payment=payment)


@bp.post("/interest/<int:payment_id>/post")
@require(INTEREST)
def interest_post(payment_id: int) -> Any:
    payment = payouts.get_payout(db.session, InterestPayment, payment_id, _scope(INTEREST))
    payouts.post_interest_payment(db.session, payment, current_user)
    db.session.commit()
    flash(f"付息单已复核入账，合计 {payment.total:,.2f} 元", "success")
    return redirect(url_for("payouts.interest_detail", payment_id=payment.id))


@bp.post("/interest/<int:payment_id>/cancel")
@require(INTEREST)
def interest_cancel(payment_id: int) -> Any:
    payment = payouts.get_payout(db.session, InterestPayment, payment_id, _scope(INTEREST))
    payouts.cancel_payout(db.session, payment, current_user)
    db.session.commit()
    flash("付息单已作废", "info")
    return redirect(url_for("payouts.interest_index"))


# --- 清算 ------------------------------------------------------------------------------------------------


def _settlement_page(form: SettlementForm, status: int = 200) -> Any:
    return _index_page(Settlement, SETTLEMENT, "trades/settlement_index.html", form, status)


@bp.get("/settlements")
@require(SETTLEMENT)
def settlement_index() -> Any:
    form = SettlementForm(formdata=None)
    form.project_id.choices = _project_choices(_scope(SETTLEMENT))
    return _settlement_page(form)


@bp.post("/settlements")
@require(SETTLEMENT)
def settlement_create() -> Any:
    scope = _scope(SETTLEMENT)
    form = SettlementForm()
    form.project_id.choices = _project_choices(scope)
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
        return _settlement_page(form, 422)
    try:
        project = payouts.income_project(db.session, form.project_id.data, scope)
        settlement = payouts.create_settlement(db.session, project, scope, current_user,
                                               form.settlement_date.data, form.remark.data or "")
    except DomainError as exc:
        return refused(exc, lambda: _settlement_page(form))
    db.session.commit()
    flash(f"已计算清算单，共 {len(settlement.lines)} 笔，请另一位财务复核入账", "success")
    return redirect(url_for("payouts.settlement_detail", settlement_id=settlement.id))


@bp.get("/settlements/<int:settlement_id>")
@require(SETTLEMENT)
def settlement_detail(settlement_id: int) -> Any:
    settlement = payouts.get_payout(db.session, Settlement, settlement_id, _scope(SETTLEMENT))
    return render_template("trades/settlement_detail.html", settlement=settlement)


@bp.post("/settlements/<int:settlement_id>/post")
@require(SETTLEMENT)
def settlement_post(settlement_id: int) -> Any:
    settlement = payouts.get_payout(db.session, Settlement, settlement_id, _scope(SETTLEMENT))
    payouts.post_settlement(db.session, settlement, current_user)
    db.session.commit()
    flash(f"清算单已复核入账：{len(settlement.lines)} 笔交易已清算", "success")
    return redirect(url_for("payouts.settlement_detail", settlement_id=settlement.id))


@bp.post("/settlements/<int:settlement_id>/cancel")
@require(SETTLEMENT)
def settlement_cancel(settlement_id: int) -> Any:
    settlement = payouts.get_payout(db.session, Settlement, settlement_id, _scope(SETTLEMENT))
    payouts.cancel_payout(db.session, settlement, current_user)
    db.session.commit()
    flash("清算单已作废", "info")
    return redirect(url_for("payouts.settlement_index"))


