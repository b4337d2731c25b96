"""工作计划 screens: the list with filters, a new plan (草稿 or 下达), a plan's detail with its progress and its
children, revising, publishing and deleting a draft, and splitting a plan to orgs and seats (拆分)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock
from app.auth.permissions import can, require
from app.errors import DomainError, refused
from app.extensions import db
from app.org import scope as data_scope
from app.org.scope import Scope
from app.plans import actuals, periods, services
from app.plans import demo as _demo  # noqa: F401  (registers the demo-data loader)
from app.plans import panels as _panels  # noqa: F401  (registers the home-page panel)
from app.plans.access import PLANS_SPLIT, PLANS_VIEW, PUBLISH_CODES
from app.plans.models import Plan, PlanStatus
from app.plans.periods import PeriodKind
from app.quotas.metrics import Metric
from forms.base import first_error
from forms.plans import PlanForm, PlanTargetsForm

bp = Blueprint("plans", __name__, url_prefix="/plans")


def _scope() -> Scope:
    return data_scope.scope_of(db.session, current_user, PLANS_VIEW)


def _plan(plan_id: int) -> Plan:
    return services.get_visible(db.session, current_user, plan_id, _scope())


def _month(text: str) -> date | None:
    try:
        return periods.parse(PeriodKind.MONTH, text)[0] if text else None
    except ValueError:
        return None


@bp.get("/")
@require(PLANS_VIEW)
def index() -> Any:
    kind = request.args.get("kind", "")
    status = request.args.get("status", "")
    month_text = request.args.get("month", "")
    filters = services.Filters(kind=PeriodKind(kind) if kind in PeriodKind._value2member_map_ else None,
                               month=_month(month_text),
                               status=PlanStatus(status) if status in PlanStatus._value2member_map_ else None)
    page = db.paginate(services.listing(current_user, _scope(), filters), per_page=30, error_out=False)
    return render_template("plans/index.html", page=page, filters=filters, month_text=month_text,
                           progress=actuals.progress(db.session, page.items), kinds=list(PeriodKind),
                           statuses=list(PlanStatus), can_publish=any(can(code) for code in PUBLISH_CODES))


def _target_choices(kind: PeriodKind | None) -> list[tuple[str, str]]:
    kinds = [kind] if kind is not None else services.publishable_kinds(db.session, current_user)
    choices: dict[str, str] = {}
    for each in kinds:
        scope = services.publish_scope(db.session, current_user, each)
        choices.update({f"org:{o.id}": f"{o.kind.label} · {o.name}" for o in services.target_orgs(db.session, scope)})
        choices.update({f"user:{u.id}": f"坐席 · {u.name}（{u.work_no} · {u.org.name}）"
                        for u in services.target_seats(db.session, scope)})
    return [("", "请选择")] + list(choices.items())


def _split_key(key: str) -> tuple[int | None, int | None]:
    kind, _, number = (key or "").partition(":")
    ident = int(number) if number.isdigit() else None
    return (ident, None) if kind == "org" else (None, ident) if kind == "user" else (None, None)


@bp.route("/new", methods=["GET", "POST"])
@require(*PUBLISH_CODES)
def create() -> Any:
    kinds = services.publishable_kinds(db.session, current_user)
    form = PlanForm()
    form.kind.choices = [(k.value, k.label) for k in kinds]
    chosen = PeriodKind(form.kind.data) if form.kind.data in {k.value for k in kinds} else None
    form.target.choices = _target_choices(chosen)
    today = clock.today()
    if request.method == "GET":
        form.kind.data = kinds[0].value
        form.month.data = periods.value(PeriodKind.MONTH, today)
        form.week.data = periods.value(PeriodKind.WEEK, today)
        form.day.data = today.isoformat()
    elif not form.validate():
        flash(first_error(form), "danger")
    else:
        org_id, user_id = _split_key(form.target.data or "")
        data = services.PlanInput(kind=form.kind.data or "", period=form.period_text(), target_org_id=org_id,
                                  target_user_id=user_id, amounts=form.amounts(), note=form.note.data or "")
        try:
            plan = services.create(db.session, current_user, data, publish=request.form.get("action") == "publish")
        except DomainError as exc:
            return refused(exc, lambda: render_template("plans/form.html", form=form, metrics=list(Metric)))
        db.session.commit()
        flash(f"{plan.target_name}的{plan.period_label}{plan.kind.label}已"
              f"{'下达' if plan.status == PlanStatus.PUBLISHED else '保存为草稿'}", "success")
        return redirect(url_for("plans.detail", plan_id=plan.id))
    status = 422 if request.method == "POST" else 200
    return render_template("plans/form.html", form=form, metrics=list(Metric)), status


@bp.get("/<int:plan_id>")
@require(PLANS_VIEW)
def detail(plan_id: int) -> Any:
    plan = _plan(plan_id)
    children = list(plan.children)
    progress = actuals.progress(db.session, [plan, *children])
    return render_template("plans/detail.html", plan=plan, children=children, progress=progress,
                           may_split=services.may_split(db.session, plan, current_user), today=clock.today())


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@require(*PUBLISH_CODES, PLANS_SPLIT)
def edit(plan_id: int) -> Any:
    plan = _plan(plan_id)
    form = PlanTargetsForm(data={**{m.value: a for m, a in plan.amounts.items()}, "note": plan.note}
                           if request.method == "GET" else None)
    if request.method == "POST":
        if not form.validate():
            flash(first_error(form), "danger")
            return render_template("plans/edit.html", plan=plan, form=form, metrics=list(Metric)), 422
        try:
            services.revise(db.session, plan, current_user, form.amounts(), form.note.data or "",
                            publish=request.form.get("action") == "publish")
        except DomainError as exc:
            return refused(exc, lambda: render_template("plans/edit.html", plan=_plan(plan_id), form=form,
                                                        metrics=list(Metric)))
        db.session.commit()
        flash("计划已保存", "success")
        return redirect(url_for("plans.detail", plan_id=plan.id))
    return render_template("plans/edit.html", plan=plan, form=form, metrics=list(Metric))


@bp.post("/<int:plan_id>/publish")
@require(*PUBLISH_CODES)
def publish(plan_id: int) -> Any:
    plan = _plan(plan_id)
    services.publish(db.session, plan, current_user)
    db.session.commit()
    flash(f"{plan.target_name}的{plan.kind.label}已下达", "success")
    return redirect(url_for("plans.detail", plan_id=plan.id))


@bp.post("/<int:plan_id>/delete")
@require(*PUBLISH_CODES)
def delete(plan_id: int) -> Any:
    services.delete_draft(db.session, _plan(plan_id), current_user)
    db.session.commit()
    flash("草稿已删除", "success")
    return redirect(url_for("plans.index"))


def _split_rows(plan: Plan, scope: Scope) -> list[dict[str, Any]]:
    """One row per org and seat inside the plan's target: its key, name and current child targets."""
    orgs, seats = services.split_candidates(db.session, plan, scope)
    children = {child.target_key: child for child in plan.children}
    rows: list[dict[str, Any]] = [{"key": f"org:{o.id}", "name": o.name, "kind": o.kind.label} for o in orgs]
    rows += [{"key": f"user:{u.id}", "name": f"{u.name}（{u.work_no}）", "kind": f"坐席 · {u.org.name}"}
             for u in seats]
    for row in rows:
        child = children.get(row["key"])
        row["amounts"] = dict(child.amounts) if child else {}
        row["split_further"] = bool(child and child.children)
    return rows


@bp.route("/<int:plan_id>/split", methods=["GET", "POST"])
@require(PLANS_SPLIT)
def split(plan_id: int) -> Any:
    plan = _plan(plan_id)
    rows = _split_rows(plan, services.splittable(db.session, plan, current_user))
    if request.method == "POST":
        given = [services.SplitRow(*_split_key(row["key"]), amounts={
            m.value: request.form.get(f"amount-{row['key']}-{m.value}", "") for m in plan.amounts})
            for row in rows]
        try:
            children = services.split(db.session, plan, current_user, given)
        except DomainError as exc:
            for row in rows:
                row["amounts"] = {m: request.form.get(f"amount-{row['key']}-{m.value}", "") for m in plan.amounts}
            return refused(exc, lambda: render_template("plans/split.html", plan=_plan(plan_id), rows=rows))
        db.session.commit()
        flash(f"已拆分下达到 {len(children)} 个下级", "success")
        return redirect(url_for("plans.detail", plan_id=plan.id))
    even = request.args.get("even", "")
    if even in ("seats", "orgs"):
        chosen = [row for row in rows if row["key"].startswith("user:" if even == "seats" else "org:")]
        for row in rows:
            row["amounts"] = {}
        for row, amounts in zip(chosen, services.even_shares(plan, len(chosen)), strict=True):
            row["amounts"] = amounts
    return render_template("plans/split.html", plan=plan, rows=rows)
