"""投资交易收益维护: find a trade (by 客户编号 or 交易编号), create income records, edit drafts, submit."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import dictionaries
from app.auth.permissions import require
from app.errors import DomainError, ValidationFailed, refused
from app.extensions import db
from app.org import scope as data_scope
from app.org.scope import Scope
from app.pagination import keyset_page
from app.trades import incomes, services
from app.trades.access import INCOME_KIND, TRADE_INCOME
from app.trades.incomes import INCOME_TRADE_STATUSES, IncomeData
from app.trades.models import IncomeStatus, Trade, TradeIncome
from app.trades.services import TradeFilters
from forms.base import first_error
from forms.trades import IncomeForm

bp = Blueprint("incomes", __name__, url_prefix="/trades/incomes")
PER_PAGE = 30


def _scope() -> Scope:
    return data_scope.scope_of(db.session, current_user, TRADE_INCOME)


@bp.get("/")
@require(TRADE_INCOME)
def index() -> Any:
    scope = _scope()
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    page = keyset_page(incomes.income_query(db.session, scope, text=q, status=IncomeStatus(status)
                                            if status in {s.value for s in IncomeStatus} else None),
                       (TradeIncome.id.desc(),), PER_PAGE, walk_index="rowid")
    found = list(db.session.scalars(services.trade_query(db.session, scope, TradeFilters(
        text=q, statuses=INCOME_TRADE_STATUSES)).limit(20))) if q else []
    return render_template("trades/incomes.html", page=page, found=found, statuses=list(IncomeStatus),
                           kinds=dict(dictionaries.choices(db.session, INCOME_KIND)))


def _form() -> IncomeForm:
    form = IncomeForm()
    form.kind.choices = dictionaries.choices(db.session, INCOME_KIND, blank="请选择")
    return form


def _data(form: IncomeForm) -> IncomeData:
    return IncomeData(kind=form.kind.data or "", income_date=form.income_date.data,
                      amount=form.amount.data, remark=form.remark.data or "")


def _render(form: IncomeForm, trade: Trade, income: TradeIncome | None, status: int = 200) -> Any:
    return render_template("trades/income_form.html", form=form, trade=trade, income=income), status


@bp.route("/new/<int:trade_id>", methods=["GET", "POST"])
@require(TRADE_INCOME)
def create(trade_id: int) -> Any:
    trade = services.get_trade(db.session, trade_id, _scope())
    form = _form()
    if not form.validate_on_submit():
        if form.is_submitted():
            flash(first_error(form), "danger")
            return _render(form, trade, None, 422)
        return _render(form, trade, None)
    try:
        incomes.create_income(db.session, trade, _data(form), current_user)
    except DomainError as exc:
        return refused(exc, lambda: _render(form, trade, None))
    db.session.commit()
    flash(f"已为交易 {trade.trade_no} 新建收益记录（草稿），核对无误后请提交", "success")
    return redirect(url_for("incomes.index", q=trade.trade_no))


@bp.route("/<int:income_id>/edit", methods=["GET", "POST"])
@require(TRADE_INCOME)
def edit(income_id: int) -> Any:
    income = incomes.get_income(db.session, income_id, _scope())
    if income.status != IncomeStatus.DRAFT:
        raise ValidationFailed(incomes.SUBMITTED_IS_FINAL)
    form = _form()
    if request.method == "GET":
        form.process(obj=income)
        form.kind.choices = dictionaries.choices(db.session, INCOME_KIND, blank="请选择")
    if not form.validate_on_submit():
        if form.is_submitted():
            flash(first_error(form), "danger")
            return _render(form, income.trade, income, 422)
        return _render(form, income.trade, income)
    try:
        incomes.update_income(db.session, income, _data(form))
    except DomainError as exc:
        return refused(exc, lambda: _render(form, income.trade, income))
    db.session.commit()
    flash("收益记录已保存", "success")
    return redirect(url_for("incomes.index", q=income.trade.trade_no))


@bp.post("/<int:income_id>/submit")
@require(TRADE_INCOME)
def submit(income_id: int) -> Any:
    income = incomes.get_income(db.session, income_id, _scope())
    incomes.submit_income(db.session, income, current_user)
    db.session.commit()
    flash("收益记录已提交，此后不能修改", "success")
    return redirect(url_for("incomes.index", q=income.trade.trade_no))


@bp.post("/<int:income_id>/delete")
@require(TRADE_INCOME)
def delete(income_id: int) -> Any:
    income = incomes.get_income(db.session, income_id, _scope())
    number = income.trade.trade_no
    incomes.delete_income(db.session, income)
    db.session.commit()
    flash("草稿已删除", "success")
    return redirect(url_for("incomes.index", q=number))
