"""分配记录: the list of distribution runs, a run's (or a 半自动 batch's) preview and result page, 执行 and 放弃."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.auth.permissions import require
from app.customers.models import Customer
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.mining import distribution, rules
from app.mining.rule_access import MINING_MANUAL, MINING_RULES, MINING_RUNS, MINING_SEMI
from app.mining.run_models import DistributionItem, DistributionRun, DistributionRunTarget, RunKind, RunStatus
from app.org import scope as data_scope
from app.org.scope import Scope
from app.pagination import Page, page_number

bp = Blueprint("mining_runs", __name__, url_prefix="/mining/runs")
PER_PAGE = 30
ITEMS_PER_PAGE = 50
# Whoever may start a run may open its page; the widest scope among these decides which runs.
RUN_VIEWERS = (MINING_RUNS, MINING_SEMI, MINING_MANUAL, MINING_RULES)


def _scope() -> Scope:
    return data_scope.scope_of(db.session, current_user, MINING_RUNS)


def _runs(ids: list[int]) -> list[DistributionRun]:
    scope = _scope()
    runs = [rules.get_run(db.session, scope, run_id) for run_id in dict.fromkeys(ids)]
    if not runs:
        raise ValidationFailed("请先选择分配记录")
    return runs


def _ids(source: Any) -> list[int]:
    return [int(v) for v in source.getlist("run") if v.isdigit()][:50]


@bp.get("/")
@require(MINING_RUNS)
def index() -> Any:
    stmt = rules.run_query(_scope())
    kind = request.args.get("kind", "")
    if kind in {k.value for k in RunKind}:
        stmt = stmt.where(DistributionRun.kind == RunKind(kind))
    stmt = stmt.options(selectinload(DistributionRun.created_by), selectinload(DistributionRun.executed_by))
    page = db.paginate(stmt.order_by(DistributionRun.id.desc()), per_page=PER_PAGE, error_out=False)
    return render_template("mining/rules/runs.html", page=page, kinds=list(RunKind), kind=kind)


def item_page(runs: list[DistributionRun]) -> Page:
    """The customers of the runs' plans, each naming the run (rule) and target that moves it."""
    item, target = DistributionItem, DistributionRunTarget
    ids = [r.id for r in runs]
    total = db.session.scalar(select(func.count()).where(item.run_id.in_(ids))) or 0
    page = page_number()
    rows = db.session.execute(
        select(item.run_id, item.seq, item.moved, item.from_pool, Customer.id.label("customer_id"), Customer.number,
               Customer.name, Customer.type, target.label, DistributionRun.title)
        .join(Customer, Customer.id == item.customer_id)
        .join(target, and_(target.run_id == item.run_id, target.position == item.position))
        .join(DistributionRun, DistributionRun.id == item.run_id)
        .where(item.run_id.in_(ids)).order_by(item.run_id, item.seq)
        .limit(ITEMS_PER_PAGE).offset((page - 1) * ITEMS_PER_PAGE)).all()
    return Page(list(rows), page, ITEMS_PER_PAGE, int(total))


def chart_of(run: DistributionRun) -> dict[str, Any]:
    """Per-target counts for the small ECharts bar chart: planned, and moved once executed."""
    done = run.status == RunStatus.DONE
    return {"labels": [t.label for t in run.targets], "planned": [t.quota for t in run.targets],
            "moved": [t.moved for t in run.targets] if done else None}


@bp.get("/preview")
@require(*RUN_VIEWERS)
def preview() -> Any:
    """One page for a run or a 半自动 batch: per rule the per-target counts, then the customers it moves."""
    runs = _runs(_ids(request.args))
    starters = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_({r.created_by_id for r in runs if r.created_by_id})))}
    return render_template("mining/rules/preview.html", runs=runs, items=item_page(runs),
                           charts={r.id: chart_of(r) for r in runs}, starters=starters,
                           pending=[r for r in runs if r.status == RunStatus.PREVIEWED],
                           running=any(r.status == RunStatus.RUNNING for r in runs),
                           over_cap=lambda run: rules.over_cap(db.session, run))


@bp.get("/<int:run_id>")
@require(*RUN_VIEWERS)
def detail(run_id: int) -> Any:
    return redirect(url_for("mining_runs.preview", run=[run_id], page=page_number()))


@bp.get("/progress")
@require(*RUN_VIEWERS)
def progress() -> Any:
    """The runs' status rows, polled by the preview page while a run executes (htmx)."""
    runs = _runs(_ids(request.args))
    return render_template("mining/rules/_progress.html", runs=runs,
                           running=any(r.status == RunStatus.RUNNING for r in runs))


@bp.post("/execute")
@require(MINING_SEMI, MINING_MANUAL)
def execute() -> Any:
    """执行: move exactly the previewed plans, in order."""
    runs = _runs(_ids(request.form))
    rules.execute_previews(db.session, current_user, runs)
    db.session.commit()
    runs = _runs(_ids(request.form))
    flash(rules.result_message(db.session, runs), "success")
    return redirect(url_for("mining_runs.preview", run=[r.id for r in runs]))


@bp.post("/discard")
@require(MINING_SEMI, MINING_MANUAL)
def discard() -> Any:
    """放弃: drop previews that will not be executed."""
    runs = _runs(_ids(request.form))
    for run in runs:
        if run.kind not in (RunKind.SEMI, RunKind.MANUAL):
            raise Conflict(f"{run.kind.label}的分配记录不能在此放弃")
        distribution.discard(db.session, run)
    db.session.commit()
    flash("已放弃本次预览，没有客户被移动", "info")
    return redirect(url_for("mining_runs.index"))
