"""客户交易 screens: the seat's trades and new trade (from 当前客户), 交易修订, the review queues
(交易财务审核, 交易核对, 确认个人合同, 确认集体合同), and the trade page with its review diagram."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import dictionaries
from app.auth.permissions import current_permissions, require
from app.customers.routes import current_customer
from app.errors import DomainError, NotFound, refused
from app.extensions import db
from app.org import scope as data_scope
from app.org.scope import Scope
from app.pagination import keyset_page
from app.products import services as product_services
from app.trades import customer_links as _customer_links  # noqa: F401  (merge link, 客户 360 section)
from app.trades import demo as _demo  # noqa: F401  (registers the demo-data loader; app.demo.ORDER runs it)
from app.trades import payouts, services
from app.trades.access import FINANCE_REVIEW, INCOME_KIND, SERVICE_REVIEW, TRADE_CREATE, TRADE_VIEWERS
from app.trades.incomes import income_query
from app.trades.models import STATUS_LABELS, Trade, TradeStatus
from app.trades.raising import raise_figures
from app.trades.services import TradeFilters, TradeInput
from app.workflow import related as workflow_related
from app.workflow import subjects as workflow_subjects
from app.workflow import views as workflow_views
from forms.base import all_errors
from forms.trades import TradeForm

bp = Blueprint("trades", __name__, url_prefix="/trades")
PER_PAGE = 30
STATUS_VALUES = {s.value for s in TradeStatus}


def filters_from_args() -> TradeFilters:
    """Read the list filters every trade list shares (text, status, project, org, created between; and the
    cockpits' drill-downs: deals only, 到账时间 between, one seat)."""
    args = request.args
    status = args.get("status", "")

    def number(name: str) -> int | None:
        raw = args.get(name, "")
        return int(raw) if raw.isdigit() else None

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(args.get(name, "")) if args.get(name) else None
        except ValueError:
            return None

    return TradeFilters(text=args.get("q", ""), status=TradeStatus(status) if status in STATUS_VALUES else None,
                        project_id=number("project"), org_id=number("org"), start=day("start"), end=day("end"),
                        deal=args.get("deal") == "1", arrival_from=day("arrival_from"), arrival_to=day("arrival_to"),
                        seat_id=number("seat"))


def _scope(permission: str) -> Scope:
    return data_scope.scope_of(db.session, current_user, permission)


@bp.get("/")
@require(TRADE_CREATE)
def index() -> Any:
    stmt = services.trade_query(db.session, _scope(TRADE_CREATE), filters_from_args())
    page = keyset_page(stmt, services.LIST_ORDER, PER_PAGE, walk_index="rowid")
    return render_template("trades/index.html", page=page, statuses=list(TradeStatus), customer=current_customer(),
                           tasks=services.open_tasks_by_trade(db.session, list(page.items)))


@bp.route("/new", methods=["GET", "POST"])
@require(TRADE_CREATE)
def create() -> Any:
    customer = current_customer()
    if customer is None:
        flash("请先在“当前客户”中选定客户，再为其创建交易", "warning")
        return render_template("trades/new.html", customer=None, form=None), 409
    form = TradeForm()
    projects = list(db.session.scalars(product_services.offered_to(db.session, current_user)))
    form.project_id.choices = [(0, "请选择")] + [
        (p.id, f"{p.name}（{p.code}）起购 {p.min_subscription:,.0f} 元，预期年化 {p.expected_yield:.2f}%")
        for p in projects]
    figures = raise_figures(db.session, [p.id for p in projects])  # LP and 虚拟LP figures (seed 1.5)
    if request.method == "GET" and request.args.get("project", "").isdigit():
        form.project_id.data = int(request.args["project"])
    if not form.validate_on_submit():
        if form.is_submitted():
            for message in all_errors(form):
                flash(message, "danger")
            return render_template("trades/new.html", customer=customer, form=form, projects=projects,
                                   figures=figures), 422
        return render_template("trades/new.html", customer=customer, form=form, projects=projects, figures=figures)
    data = TradeInput(project_id=form.project_id.data, intended_amount=form.intended_amount.data,
                      bank_name=form.bank_name.data or "", bank_account=form.bank_account.data or "",
                      remark=form.remark.data or "")
    try:
        trade = services.create_trade(db.session, customer.id, data, current_user)
    except DomainError as exc:
        return refused(exc, "trades/new.html", customer=customer, form=form, projects=projects, figures=figures)
    db.session.commit()
    flash(f"已提交交易 {trade.trade_no}，等待交易财务审核", "success")
    return redirect(url_for("trades.detail", trade_id=trade.id))


@bp.get("/revisions")
@require(TRADE_CREATE)
def revisions() -> Any:
    """交易修订: the returned trades, with why, each linking to its revision task."""
    f = filters_from_args()
    stmt = services.trade_query(db.session, _scope(TRADE_CREATE), TradeFilters(text=f.text,
                                                                              status=TradeStatus.RETURNED))
    page = keyset_page(stmt, services.LIST_ORDER, PER_PAGE, walk_index="rowid")
    return render_template("trades/revisions.html", page=page,
                           tasks=services.open_tasks_by_trade(db.session, list(page.items)), labels=STATUS_LABELS)


def _queue(status: TradeStatus, permission: str, endpoint: str) -> Any:
    """A review step's queue: the trades waiting there, each linking to its open task."""
    f = filters_from_args()
    stmt = services.trade_query(db.session, _scope(permission), TradeFilters(
        text=f.text, status=status, project_id=f.project_id, org_id=f.org_id, start=f.start, end=f.end))
    page = keyset_page(stmt, services.LIST_ORDER, PER_PAGE, walk_index="rowid")
    return render_template("trades/queue.html", page=page, status=status, endpoint=endpoint,
                           tasks=services.open_tasks_by_trade(db.session, list(page.items)))


@bp.get("/queue/finance_audit")
@require(FINANCE_REVIEW)
def finance_queue() -> Any:
    return _queue(TradeStatus.FINANCE_AUDIT, FINANCE_REVIEW, "trades.finance_queue")


@bp.get("/queue/verification")
@require(SERVICE_REVIEW)
def verification_queue() -> Any:
    return _queue(TradeStatus.VERIFICATION, SERVICE_REVIEW, "trades.verification_queue")


@bp.get("/queue/personal_contract")
@require(SERVICE_REVIEW)
def personal_contract_queue() -> Any:
    return _queue(TradeStatus.PERSONAL_CONTRACT, SERVICE_REVIEW, "trades.personal_contract_queue")


@bp.get("/queue/collective_contract")
@require(SERVICE_REVIEW)
def collective_contract_queue() -> Any:
    return _queue(TradeStatus.COLLECTIVE_CONTRACT, SERVICE_REVIEW, "trades.collective_contract_queue")


def load_viewable(trade_id: int) -> Trade:
    """A trade the user may see through any of their trade permissions."""
    scope = services.viewing_scope(db.session, current_user, current_permissions())
    return services.get_trade(db.session, trade_id, scope)


workflow_subjects.opens_with("trade", load_viewable, linkable=True)


@bp.get("/<int:trade_id>")
@require(*TRADE_VIEWERS)
def detail(trade_id: int) -> Any:
    trade = load_viewable(trade_id)
    task = services.open_review_task(db.session, trade)
    instance = trade.review_instance
    rounds = services.review_rounds(db.session, trade)
    history = [(r, workflow_views.history(db.session, r.id)) for r in rounds]
    scope = services.viewing_scope(db.session, current_user, current_permissions())
    incomes = list(db.session.scalars(income_query(db.session, scope, trade_id=trade.id)))
    return render_template("trades/detail.html", trade=trade, task=task, instance=instance, rounds=history,
                           incomes=incomes,
                           kinds=dict(dictionaries.choices(db.session, INCOME_KIND)),
                           accrual_start=payouts.accrual_start(trade) if trade.status == TradeStatus.INCOME else None,
                           diagram_url=url_for("trades.diagram", trade_id=trade.id) if instance else "",
                           related=workflow_related.about(db.session, current_user, f"trade:{trade.id}"))


@bp.get("/<int:trade_id>/diagram.json")
@require(*TRADE_VIEWERS)
def diagram(trade_id: int) -> Any:
    trade = load_viewable(trade_id)
    if trade.review_instance is None:
        raise NotFound("交易没有审核流程")
    return jsonify(workflow_views.diagram_payload(trade.review_instance))
