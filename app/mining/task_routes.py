"""数据挖掘任务 screens: 任务分类 (shared with work tasks, in the 任务管理 menu) and 数据挖掘任务 for heads and city
managers, 我的挖掘任务 for seats, and the workbench panel counting what a seat still has to execute."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.admin import dictionaries
from app.auth.permissions import require
from app.customers import routes as customer_screens
from app.customers import services as customer_services
from app.customers.models import CUSTOMER_TYPE_LABELS, Customer
from app.errors import ValidationFailed
from app.extensions import db
from app.followups import services as followups
from app.followups.access import FOLLOWUP_RESULT
from app.followups.models import FOLLOW_UP_KIND_LABELS
from app.home import panels
from app.mining import task_demo as _demo  # noqa: F401  (registers the demo-data loader)
from app.mining import task_draws as draws
from app.mining import task_sources, task_work, tasks
from app.mining.models import MiningCondition
from app.mining.task_access import MINING_OUTCOME, TASK_CATEGORIES, TASKS_EXECUTE, TASKS_MANAGE
from app.mining.task_models import (
    DISTRIBUTION_METHODS,
    MINING_TYPE_LABELS,
    ItemStatus,
    MiningTask,
    MiningTaskItem,
    SourceKind,
    TaskStatus,
    TaskType,
)
from app.org import scope as data_scope
from app.org.models import Org
from rules import phones as phone_rules

bp = Blueprint("mining_tasks", __name__, url_prefix="/mining")


def manager_scope() -> data_scope.Scope:
    """The current user's scope for managing tasks (mining and work tasks alike)."""
    return tasks.manager_scope(db.session, current_user)


def form_int(value: str | None) -> int | None:
    """A form field as an integer (a sign allowed, so a negative number reaches the service's refusal)."""
    value = (value or "").strip()
    return int(value) if value.lstrip("-").isdigit() else None


def _ids(name: str) -> list[int]:
    return [int(v) for v in request.form.getlist(name) if v.isdigit()]


def form_day(name: str) -> date | None:
    """A YYYY-MM-DD form field as a date, None when empty or malformed."""
    try:
        return datetime.strptime(request.form.get(name, ""), "%Y-%m-%d").date()
    except ValueError:
        return None


def _items_page(stmt: Any) -> Any:
    stmt = stmt.options(selectinload(MiningTaskItem.customer).selectinload(Customer.phones),
                        selectinload(MiningTaskItem.seat))
    return db.paginate(stmt, per_page=50, error_out=False)


def _outcomes() -> dict[str, str]:
    return dict(dictionaries.choices(db.session, MINING_OUTCOME))


# --- 任务分类 ------------------------------------------------------------------------------------------


@bp.get("/task-categories")
@require(TASK_CATEGORIES)
def categories() -> Any:
    return render_template("mining/tasks/categories.html", categories=tasks.categories(db.session),
                           counts=tasks.category_counts(db.session))


@bp.post("/task-categories")
@require(TASK_CATEGORIES)
def category_create() -> Any:
    category = tasks.create_category(db.session, request.form.get("name", ""),
                                     _signed(request.form.get("sort", "0")))
    db.session.commit()
    flash(f"已创建分类“{category.name}”", "success")
    return redirect(url_for("mining_tasks.categories"))


def _signed(raw: str) -> int:
    try:
        return int((raw or "0").strip())
    except ValueError as exc:
        raise ValidationFailed("排序应为整数") from exc


@bp.post("/task-categories/<int:category_id>")
@require(TASK_CATEGORIES)
def category_update(category_id: int) -> Any:
    tasks.update_category(db.session, tasks.get_category(db.session, category_id), request.form.get("name", ""),
                          _signed(request.form.get("sort", "0")))
    db.session.commit()
    flash("分类已保存", "success")
    return redirect(url_for("mining_tasks.categories"))


@bp.post("/task-categories/<int:category_id>/delete")
@require(TASK_CATEGORIES)
def category_delete(category_id: int) -> Any:
    category = tasks.get_category(db.session, category_id)
    name = category.name
    tasks.delete_category(db.session, category)
    db.session.commit()
    flash(f"已删除分类“{name}”", "success")
    return redirect(url_for("mining_tasks.categories"))


# --- 数据挖掘任务 (heads, city managers) -------------------------------------------------------------------


@bp.get("/tasks")
@require(TASKS_MANAGE)
def index() -> Any:
    stmt = tasks.managed_tasks(manager_scope()).where(MiningTask.type != TaskType.WORK)  # work tasks: 任务设置
    status = request.args.get("status", "")
    if status in {s.value for s in TaskStatus}:
        stmt = stmt.where(MiningTask.status == TaskStatus(status))
    page = db.paginate(stmt.options(selectinload(MiningTask.category), selectinload(MiningTask.created_by))
                       .order_by(MiningTask.id.desc()), per_page=30, error_out=False)
    return render_template("mining/tasks/index.html", page=page, status=status, statuses=list(TaskStatus),
                           counts=tasks.counts(db.session, [t.id for t in page.items]))


def _form_input() -> tasks.TaskInput:
    f = request.form
    work_nos = [w for w in f.get("seat_work_nos", "").replace("，", ",").replace("\n", ",").split(",") if w.strip()]
    return tasks.TaskInput(
        name=f.get("name", ""), category_id=form_int(f.get("category_id")), description=f.get("description", ""),
        start_date=form_day("start_date"), end_date=form_day("end_date"), type=f.get("type", ""),
        source_kind=f.get("source_kind", ""), condition_id=form_int(f.get("condition_id")), method=f.get("method", ""),
        max_unexecuted=form_int(f.get("max_unexecuted")), seat_work_nos=work_nos, org_ids=_ids("org_id"))


def _form_page(task: MiningTask | None) -> Any:
    sc = manager_scope()
    return render_template("mining/tasks/form.html", task=task, categories=tasks.categories(db.session),
                           types=MINING_TYPE_LABELS, methods=DISTRIBUTION_METHODS, source_kinds=list(SourceKind),
                           conditions=task_sources.condition_choices(db.session, sc),
                           orgs=db.session.scalars(select(Org).where(Org.id.in_(data_scope.org_ids(db.session, sc)))
                                                   .order_by(Org.path)).all(),
                           seats=customer_services.seat_choices(db.session, sc))


@bp.get("/tasks/new")
@require(TASKS_MANAGE)
def new() -> Any:
    return _form_page(None)


@bp.post("/tasks/new")
@require(TASKS_MANAGE)
def create() -> Any:
    task = tasks.create_task(db.session, current_user, manager_scope(), _form_input())
    db.session.commit()
    flash(f"已创建任务“{task.name}”（草稿）", "success")
    return redirect(url_for("mining_tasks.detail", task_id=task.id))


@bp.get("/tasks/<int:task_id>/edit")
@require(TASKS_MANAGE)
def edit(task_id: int) -> Any:
    task = tasks.get_task(db.session, manager_scope(), task_id)
    if task.is_work:
        return redirect(url_for("work_tasks.edit", task_id=task_id))
    return _form_page(task)


@bp.post("/tasks/<int:task_id>/edit")
@require(TASKS_MANAGE)
def update(task_id: int) -> Any:
    sc = manager_scope()
    task = tasks.get_task(db.session, sc, task_id)
    if task.is_work:
        raise ValidationFailed("工作任务请在任务设置中修改")
    tasks.update_task(db.session, sc, task, _form_input())
    db.session.commit()
    flash("任务已保存", "success")
    return redirect(url_for("mining_tasks.detail", task_id=task_id))


@bp.get("/tasks/<int:task_id>")
@require(TASKS_MANAGE)
def detail(task_id: int) -> Any:
    sc = manager_scope()
    task = tasks.get_task(db.session, sc, task_id)
    ctx: dict[str, Any] = {"task": task, "outcomes": _outcomes(), "mask": phone_rules.mask,
                           "results": dict(dictionaries.choices(db.session, FOLLOWUP_RESULT)),
                           "condition": db.session.get(MiningCondition, task.condition_id or 0)}
    if task.status == TaskStatus.DRAFT:
        ctx["pick_total"] = tasks.pick_count(db.session, task.id)
        if task.source_kind == SourceKind.FIXED:
            ctx["picks"] = db.session.scalars(tasks.picked_customers(task.id).limit(200)).all()
            filters = customer_screens.filter_from_args()
            ctx["filters"] = filters
            if filters.q or filters.types:
                stmt = customer_services.filter_customers(customer_services.scoped(select(Customer), sc), filters)
                ctx["found"] = db.session.scalars(stmt.options(selectinload(Customer.phones))
                                                  .order_by(Customer.id.desc()).limit(100)).all()
    else:
        status = request.args.get("status", "")
        ctx.update(waiting=task_work.waiting(db.session, task.id),
                   counts=tasks.counts(db.session, [task.id]).get(task.id, tasks.Counts()),
                   progress=tasks.seat_progress(db.session, task), status=status,
                   items=_items_page(tasks.items_query(task.id, status)), statuses=list(ItemStatus))
    return render_template("mining/tasks/detail.html", **ctx)


@bp.post("/tasks/<int:task_id>/picks")
@require(TASKS_MANAGE)
def add_picks(task_id: int) -> Any:
    sc = manager_scope()
    added = tasks.add_picks(db.session, sc, tasks.get_task(db.session, sc, task_id), _ids("customer_id"))
    db.session.commit()
    flash(f"已加入任务来源 {added} 个客户", "success")
    return redirect(request.referrer or url_for("mining_tasks.detail", task_id=task_id))


@bp.post("/tasks/<int:task_id>/picks/remove")
@require(TASKS_MANAGE)
def remove_picks(task_id: int) -> Any:
    removed = tasks.remove_picks(db.session, tasks.get_task(db.session, manager_scope(), task_id), _ids("customer_id"))
    db.session.commit()
    flash(f"已从任务来源移除 {removed} 个客户", "success")
    return redirect(url_for("mining_tasks.detail", task_id=task_id))


@bp.post("/tasks/<int:task_id>/publish")
@require(TASKS_MANAGE)
def publish(task_id: int) -> Any:
    sc = manager_scope()
    added = tasks.publish(db.session, current_user, sc, tasks.get_task(db.session, sc, task_id))
    db.session.commit()
    flash(f"任务已发布，来源 {added} 个客户", "success")
    return redirect(url_for("mining_tasks.detail", task_id=task_id))


@bp.post("/tasks/<int:task_id>/close")
@require(TASKS_MANAGE)
def close(task_id: int) -> Any:
    tasks.close(db.session, tasks.get_task(db.session, manager_scope(), task_id))
    db.session.commit()
    flash("任务已关闭：坐席不能再抽取或执行", "success")
    return redirect(url_for("mining_tasks.detail", task_id=task_id))


@bp.post("/tasks/<int:task_id>/delete")
@require(TASKS_MANAGE)
def delete(task_id: int) -> Any:
    task = tasks.get_task(db.session, manager_scope(), task_id)
    name, back = task.name, "work_tasks.index" if task.is_work else "mining_tasks.index"
    tasks.delete_task(db.session, task)
    db.session.commit()
    flash(f"已删除草稿任务“{name}”", "success")
    return redirect(url_for(back))


# --- 我的挖掘任务 (seats) -----------------------------------------------------------------------------------


@bp.get("/my-tasks")
@require(TASKS_EXECUTE)
def mine() -> Any:
    closed = request.args.get("closed") == "1"
    return render_template("mining/tasks/mine.html", rows=draws.seat_tasks(db.session, current_user, closed),
                           closed=closed)


@bp.get("/my-tasks/<int:task_id>")
@require(TASKS_EXECUTE)
def my_task(task_id: int) -> Any:
    task = draws.seat_task(db.session, current_user, task_id)
    if task.is_work:
        return redirect(url_for("work_tasks.my_task", task_id=task_id))
    status = request.args.get("status", "")
    ctx: dict[str, Any] = {"task": task, "status": status, "outcomes": _outcomes(), "mask": phone_rules.mask,
                           "items": _items_page(draws.my_items(task.id, current_user.id, status)),
                           "unexecuted": draws.unexecuted(db.session, task.id, current_user.id),
                           "kinds": FOLLOW_UP_KIND_LABELS,
                           "results": dictionaries.choices(db.session, FOLLOWUP_RESULT, blank="（请选择）"),
                           "customer_types": CUSTOMER_TYPE_LABELS}
    if task.type.value == "active" and task.status == TaskStatus.PUBLISHED:
        ctx["pickable"] = _items_page(draws.pickable(task.id, current_user.id))
    return render_template("mining/tasks/my_task.html", **ctx)


@bp.post("/my-tasks/<int:task_id>/draw")
@require(TASKS_EXECUTE)
def draw(task_id: int) -> Any:
    item = draws.draw_random(db.session, current_user, task_id)
    db.session.commit()
    flash(f"已抽取任务客户 {item.customer.name}（{item.customer.number}），请联系后记录执行结果", "success")
    return redirect(url_for("mining_tasks.my_task", task_id=task_id) + f"#item-{item.id}")


@bp.post("/my-tasks/<int:task_id>/pick")
@require(TASKS_EXECUTE)
def pick(task_id: int) -> Any:
    result = draws.pick(db.session, current_user, task_id, _ids("item_id"))
    db.session.commit()
    flash(result.message(), "success" if result.taken else "warning")
    return redirect(url_for("mining_tasks.my_task", task_id=task_id))


@bp.post("/my-items/<int:item_id>/execute")
@require(TASKS_EXECUTE)
def execute(item_id: int) -> Any:
    f = request.form
    follow_up = None
    if f.get("record_followup") == "1":
        duration = form_int(f.get("duration_seconds")) or 0
        follow_up = followups.FollowUpInput(kind=f.get("kind", "call"), connected=f.get("connected") == "1",
                                            duration_seconds=duration, result=f.get("result", ""),
                                            content=f.get("content", ""), new_type=f.get("new_type", ""))
    item = draws.execute(db.session, current_user, item_id, f.get("outcome", ""), f.get("note", ""), follow_up)
    db.session.commit()
    flash("已记录执行结果" + ("，并已关联跟进记录" if item.followup_id else ""), "success")
    return redirect(url_for("mining_tasks.my_task", task_id=item.task_id))


def _panel() -> dict[str, Any]:
    rows = draws.seat_tasks(db.session, current_user)
    return {"rows": rows[:6], "total": len(rows), "unexecuted": draws.unexecuted_total(db.session, current_user.id)}


panels.add("我的挖掘任务", "mining/tasks/_panel.html", _panel, permission=TASKS_EXECUTE, order=25)
