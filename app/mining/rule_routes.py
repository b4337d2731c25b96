"""Distribution rule screens: 分配规则 (list and editor, seed 000 §2.17), 半自动分配 (§2.18) and 手动分配 (§2.19).

Previews become runs (app/mining/run_models.py); their page, execution and the 分配记录 list are in
app/mining/run_routes.py.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from app import clock
from app.auth.models import User
from app.auth.permissions import can, require
from app.customers import routes as customer_screens
from app.customers import services as customer_services
from app.customers.models import Customer, Pool
from app.errors import DomainError, ValidationFailed, refused
from app.extensions import db
from app.mining import conditions, rules
from app.mining import rule_demo as _demo  # noqa: F401  (registers the demo-data loader; app.demo.ORDER runs it)
from app.mining.models import MiningCondition
from app.mining.rule_access import MINING_MANUAL, MINING_RULES, MINING_SEMI
from app.mining.rule_models import DistributionRule
from app.org import scope as data_scope
from app.org.models import Org
from app.org.scope import Scope
from app.pools import services as pool_services
from app.pools.access import POOLS_CITY
from forms.base import first_error
from forms.mining_rules import RuleForm

bp = Blueprint("mining_rules", __name__, url_prefix="/mining")
PER_PAGE = 30


def _scope(permission: str) -> Scope:
    return data_scope.scope_of(db.session, current_user, permission)


def condition_choices(scope: Scope) -> list[MiningCondition]:
    """The saved mining conditions a user may use (their org's subtree, and their own)."""
    return list(db.session.scalars(conditions.saved_query(scope)))


def org_choices(scope: Scope) -> list[Org]:
    ids = data_scope.org_ids(db.session, scope)
    return list(db.session.scalars(select(Org).where(Org.id.in_(ids)).order_by(Org.path))) if ids else []


# --- 分配规则 ----------------------------------------------------------------------------------------


@bp.get("/rules")
@require(MINING_RULES)
def index() -> Any:
    stmt = rules.rule_query(_scope(MINING_RULES)).options(
        selectinload(DistributionRule.targets), selectinload(DistributionRule.condition)
    ).order_by(DistributionRule.sort, DistributionRule.id)
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    return render_template("mining/rules/index.html", page=page)


def _input(form: RuleForm) -> rules.RuleInput:
    return rules.RuleInput(
        name=form.name.data or "", description=form.description.data or "", enabled=bool(form.enabled.data),
        auto=bool(form.auto.data), semi=bool(form.semi.data), kind=form.kind.data or "",
        method=form.method.data or "", sort=form.sort.data or 0, condition_id=form.condition_id.data or None,
        time_field=form.time_field.data or "", date_from=form.date_from.data, date_to=form.date_to.data,
        recent_days=form.recent_days.data, pools=list(form.pools.data or []), max_per_run=form.max_per_run.data,
        seat_work_nos=[w for w in request.form.getlist("seat_no") if w.strip()],
        org_ids=[int(v) for v in request.form.getlist("target_org_id") if v.isdigit()])


def _target_rows(data: rules.RuleInput) -> list[dict[str, Any]]:
    """The editor's target table from what was submitted (or saved): 工号 or org, with name, org and 权重."""
    seats = {u.work_no: u for u in db.session.scalars(select(User).where(User.work_no.in_(data.seat_work_nos)))}
    orgs = {o.id: o for o in db.session.scalars(select(Org).where(Org.id.in_(data.org_ids)))}
    rows: list[dict[str, Any]] = []
    for work_no in data.seat_work_nos:
        seat = seats.get(work_no)
        rows.append({"kind": "seat", "value": work_no, "name": seat.name if seat else "（未知工号）",
                     "org": seat.org.name if seat else "", "weight": seat.weight if seat else "",
                     "left": bool(seat and not seat.is_active)})
    for org_id in data.org_ids:
        org = orgs.get(org_id)
        rows.append({"kind": "org", "value": org_id, "name": org.name if org else "（未知组织）", "org": "",
                     "weight": "", "left": False})
    return rows


def _editor(rule: DistributionRule | None) -> Any:
    scope = _scope(MINING_RULES)
    form = RuleForm()
    choices = condition_choices(scope)
    form.condition_id.choices = [(0, "（不使用挖掘条件）")] + [(c.id, c.name) for c in choices]
    if rule is not None and request.method == "GET":
        form.process(obj=rule)
        form.kind.data, form.method.data = rule.kind.value, rule.method.value
        form.time_field.data, form.pools.data = rule.time_field.value, list(rule.pools or [])
        form.condition_id.data = rule.condition_id or 0
    data = rules.RuleInput.of(rule) if rule is not None and request.method == "GET" else _input(form)
    context = {"form": form, "rule": rule, "targets": _target_rows(data), "orgs": org_choices(scope),
               "seats": customer_services.seat_choices(db.session, scope), "may_use_city": can(POOLS_CITY)}
    if request.method == "GET":
        return render_template("mining/rules/edit.html", **context)
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
        return render_template("mining/rules/edit.html", **context), 422
    try:
        saved = rules.save_rule(db.session, current_user, scope, data, rule, may_use_city=can(POOLS_CITY))
    except DomainError as exc:
        return refused(exc, "mining/rules/edit.html", **context)
    db.session.commit()
    flash(f"分配规则“{saved.name}”已保存", "success")
    return redirect(url_for("mining_rules.index"))


@bp.route("/rules/new", methods=["GET", "POST"])
@require(MINING_RULES)
def create() -> Any:
    return _editor(None)


@bp.route("/rules/<int:rule_id>/edit", methods=["GET", "POST"])
@require(MINING_RULES)
def edit(rule_id: int) -> Any:
    return _editor(rules.get_rule(db.session, _scope(MINING_RULES), rule_id))


@bp.post("/rules/<int:rule_id>/delete")
@require(MINING_RULES)
def delete(rule_id: int) -> Any:
    rule = rules.get_rule(db.session, _scope(MINING_RULES), rule_id)
    name = rule.name
    rules.delete_rule(db.session, rule)
    db.session.commit()
    flash(f"已删除分配规则“{name}”", "success")
    return redirect(url_for("mining_rules.index"))


@bp.get("/rules/condition-info")
@require(MINING_RULES)
def condition_info() -> Any:
    """The chosen condition's Chinese summary and live count, for the editor (htmx)."""
    raw = request.args.get("condition_id", "")
    if not raw.isdigit() or int(raw) == 0:
        return render_template("mining/rules/_condition_info.html", condition=None)
    scope = _scope(MINING_RULES)
    condition = conditions.saved(db.session, int(raw), scope)
    try:
        summary = conditions.describe(db.session, condition.spec)
        ids = conditions.customer_ids(db.session, condition.spec, scope, clock.now())
        total = db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0
        unassigned = db.session.scalar(select(func.count()).select_from(
            ids.where(Customer.service_seat_id.is_(None), Customer.pool.in_([Pool.DEPARTMENT, Pool.PUBLIC]))
            .subquery())) or 0
        error = ""
    except DomainError as exc:
        summary, total, unassigned, error = "", 0, 0, exc.message
    return render_template("mining/rules/_condition_info.html", condition=condition, summary=summary, total=total,
                           unassigned=unassigned, error=error)


# --- 半自动分配 --------------------------------------------------------------------------------------


@bp.get("/semi")
@require(MINING_SEMI)
def semi() -> Any:
    stmt = rules.rule_query(_scope(MINING_SEMI)).where(DistributionRule.enabled.is_(True),
                                                        DistributionRule.semi.is_(True))
    usable = db.session.scalars(stmt.options(selectinload(DistributionRule.targets))
                                .order_by(DistributionRule.sort, DistributionRule.id)).all()
    return render_template("mining/rules/semi.html", usable=usable)


@bp.post("/semi/preview")
@require(MINING_SEMI)
def semi_preview() -> Any:
    scope = _scope(MINING_SEMI)
    chosen = [rules.get_rule(db.session, scope, int(v)) for v in dict.fromkeys(request.form.getlist("rule_id"))
              if v.isdigit()]
    runs = rules.preview_rules(db.session, current_user, chosen)
    db.session.commit()
    return redirect(url_for("mining_runs.preview", run=[r.id for r in runs]))


# --- 手动分配 ----------------------------------------------------------------------------------------


def _manual_pools() -> list[Pool]:
    return [Pool.DEPARTMENT, Pool.PUBLIC] + ([Pool.CITY] if can(POOLS_CITY) else [])


def _manual_source(scope: Scope, args: Any) -> tuple[Select[Any], Pool, int | None]:
    """The unassigned customers of the managed departments the filters pick (a SELECT of customers)."""
    pools = _manual_pools()
    pool = Pool(args.get("pool")) if args.get("pool") in {p.value for p in pools} else Pool.DEPARTMENT
    stmt = pool_services.scoped_pool(pool, scope).where(Customer.service_seat_id.is_(None))
    stmt = customer_services.filter_customers(stmt, customer_screens.filter_from_args())
    raw = args.get("condition", "")
    condition_id = int(raw) if raw.isdigit() and int(raw) else None
    if condition_id is not None:
        condition = conditions.saved(db.session, condition_id, scope)
        stmt = stmt.where(Customer.id.in_(conditions.customer_ids(db.session, condition.spec, scope, clock.now())))
    return stmt, pool, condition_id


@bp.get("/manual")
@require(MINING_MANUAL)
def manual() -> Any:
    scope = _scope(MINING_MANUAL)
    stmt, pool, condition_id = _manual_source(scope, request.args)
    page = customer_screens.paginate(stmt.order_by(Customer.pool_changed_at.desc(), Customer.id.desc()))
    return render_template("mining/rules/manual.html", page=page, pool=pool, pools=_manual_pools(),
                           condition_id=condition_id, conditions=condition_choices(scope),
                           seats=customer_services.seat_choices(db.session, scope),
                           filters=customer_screens.filter_from_args(), **customer_screens.list_context(page.items))


@bp.post("/manual/preview")
@require(MINING_MANUAL)
def manual_preview() -> Any:
    scope = _scope(MINING_MANUAL)
    stmt, _pool, _condition = _manual_source(scope, request.args)
    source = stmt.with_only_columns(Customer.id)
    if request.form.get("all") != "1":
        ticked = [int(v) for v in request.form.getlist("customer_id") if v.isdigit()]
        if not ticked:
            raise ValidationFailed("请先勾选客户，或选择“全部符合条件的客户”")
        source = source.where(Customer.id.in_(ticked))
    seat_ids = [int(v) for v in request.form.getlist("seat_id") if v.isdigit()]
    run = rules.manual_preview(db.session, current_user, scope, seat_ids, request.form.get("method", ""), source)
    db.session.commit()
    return redirect(url_for("mining_runs.preview", run=[run.id]))
