"""任务管理 screens (seed 000 items 10–14): 任务设置 and 任务分配 of work tasks for heads and city managers,
任务执行 for seats (the task list, then customer by customer). 任务分类 is the shared category screen
(``mining_tasks.categories``); a work task's page for heads is the shared task page (``mining_tasks.detail``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import clock
from app.admin import dictionaries
from app.auth.permissions import require
from app.customers import services as customer_services
from app.errors import DomainError
from app.extensions import db
from app.followups import services as followups
from app.followups.access import FOLLOWUP_RESULT
from app.home import panels
from app.mining import conditions, task_sources, task_work, tasks
from app.mining import task_draws as draws
from app.mining.task_access import TASKS_EXECUTE, TASKS_MANAGE
from app.mining.task_models import (
    TASK_ACTION_LABELS,
    WORK_METHODS,
    MiningTask,
    MiningTaskItem,
    TaskStatus,
    TaskType,
)
from app.mining.task_routes import form_day, form_int, manager_scope
from app.org import scope as data_scope
from app.org.models import Org

bp = Blueprint("work_tasks", __name__, url_prefix="/tasks")


def _work_tasks() -> Any:
    return tasks.managed_tasks(manager_scope()).where(MiningTask.type == TaskType.WORK)


def _orgs(sc: data_scope.Scope) -> list[Org]:
    return list(db.session.scalars(select(Org).where(Org.id.in_(data_scope.org_ids(db.session, sc)))
                                   .order_by(Org.path)))


# --- 任务设置 ----------------------------------------------------------------------------------------------


@bp.get("/setup")
@require(TASKS_MANAGE)
def index() -> Any:
    stmt = _work_tasks()
    status = request.args.get("status", "")
    if status in {s.value for s in TaskStatus}:
        stmt = stmt.where(MiningTask.status == TaskStatus(status))
    page = db.paginate(stmt.options(selectinload(MiningTask.category), selectinload(MiningTask.created_by))
                       .order_by(MiningTask.id.desc()), per_page=30, error_out=False)
    return render_template("mining/tasks/work_index.html", page=page, status=status, statuses=list(TaskStatus),
                           counts=tasks.counts(db.session, [t.id for t in page.items]))


def _form_input() -> tasks.TaskInput:
    f = request.form
    return tasks.TaskInput(name=f.get("name", ""), category_id=form_int(f.get("category_id")),
                           description=f.get("description", ""), start_date=form_day("start_date"),
                           end_date=form_day("end_date"), type=TaskType.WORK.value,
                           condition_id=form_int(f.get("condition_id")), action=f.get("action", ""),
                           quota=form_int(f.get("quota")))


def _form_page(task: MiningTask | None, error: str = "", status: int = 200) -> Any:
    sc = manager_scope()
    today = clock.today()
    return render_template("mining/tasks/work_form.html", task=task, error=error, actions=TASK_ACTION_LABELS,
                           categories=tasks.categories(db.session),
                           conditions=task_sources.condition_choices(db.session, sc), today=today), status


@bp.get("/setup/new")
@require(TASKS_MANAGE)
def new() -> Any:
    return _form_page(None)


@bp.post("/setup/new")
@require(TASKS_MANAGE)
def create() -> Any:
    try:
        task = tasks.create_task(db.session, current_user, manager_scope(), _form_input())
    except DomainError as exc:  # the form comes back with everything typed and the reason on top
        db.session.rollback()
        return _form_page(None, exc.message, exc.status)
    db.session.commit()
    flash(f"已创建工作任务“{task.name}”（草稿），请在任务分配中分配给组或人员", "success")
    return redirect(url_for("work_tasks.assign", task_id=task.id))


@bp.get("/setup/<int:task_id>/edit")
@require(TASKS_MANAGE)
def edit(task_id: int) -> Any:
    return _form_page(tasks.get_task(db.session, manager_scope(), task_id))


@bp.post("/setup/<int:task_id>/edit")
@require(TASKS_MANAGE)
def update(task_id: int) -> Any:
    sc = manager_scope()
    task = tasks.get_task(db.session, sc, task_id)
    try:
        tasks.update_task(db.session, sc, task, _form_input())
    except DomainError as exc:
        db.session.rollback()
        return _form_page(tasks.get_task(db.session, sc, task_id), exc.message, exc.status)
    db.session.commit()
    flash("任务已保存", "success")
    return redirect(url_for("mining_tasks.detail", task_id=task_id))


@bp.get("/setup/condition-info")
@require(TASKS_MANAGE)
def condition_info() -> Any:
    """The chosen condition in words and how many customers it matches now (htmx)."""
    raw = request.args.get("condition_id", "")
    if not raw.isdigit():
        return render_template("mining/tasks/_condition_info.html", condition=None)
    sc = manager_scope()
    condition = conditions.saved(db.session, int(raw), sc)
    try:
        summary = conditions.describe(db.session, condition.spec)
        total, error = conditions.count(db.session, condition.spec, sc, clock.now()), ""
    except DomainError as exc:
        summary, total, error = "", 0, exc.message
    return render_template("mining/tasks/_condition_info.html", condition=condition, summary=summary, total=total,
                           error=error)


# --- 任务分配 ----------------------------------------------------------------------------------------------


@bp.get("/assign")
@require(TASKS_MANAGE)
def assign_index() -> Any:
    stmt = _work_tasks().where(MiningTask.status != TaskStatus.CLOSED)
    rows = list(db.session.scalars(stmt.options(selectinload(MiningTask.targets)).order_by(MiningTask.id.desc())
                                   .limit(200)))
    ids = [t.id for t in rows]
    return render_template("mining/tasks/work_assign_index.html", rows=rows, counts=tasks.counts(db.session, ids),
                           waiting={t.id: task_work.waiting(db.session, t.id) for t in rows})


def _assign_page(task: MiningTask, error: str = "", status: int = 200) -> Any:
    sc = manager_scope()
    ctx: dict[str, Any] = {"task": task, "error": error, "methods": WORK_METHODS,
                           "seats": customer_services.seat_choices(db.session, sc), "orgs": _orgs(sc),
                           "counts": tasks.counts(db.session, [task.id]).get(task.id, tasks.Counts()),
                           "waiting": task_work.waiting(db.session, task.id),
                           "progress": tasks.seat_progress(db.session, task)}
    if task.status == TaskStatus.DRAFT and task.condition_id is not None:
        condition = conditions.saved(db.session, task.condition_id, sc)
        ctx["matching"] = conditions.count(db.session, condition.spec, sc, clock.now())
    return render_template("mining/tasks/work_assign.html", **ctx), status


@bp.get("/assign/<int:task_id>")
@require(TASKS_MANAGE)
def assign(task_id: int) -> Any:
    return _assign_page(tasks.get_task(db.session, manager_scope(), task_id))


@bp.post("/assign/<int:task_id>")
@require(TASKS_MANAGE)
def assign_post(task_id: int) -> Any:
    sc = manager_scope()
    task = tasks.get_task(db.session, sc, task_id)
    f = request.form
    try:
        result = task_work.distribute(db.session, current_user, sc, task, f.get("method", ""),
                                      f.getlist("seat_work_no"), [int(v) for v in f.getlist("org_id") if v.isdigit()])
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        return _assign_page(tasks.get_task(db.session, sc, task_id), exc.message, exc.status)
    db.session.commit()
    flash(result.message(), "success" if result.total else "warning")
    return redirect(url_for("mining_tasks.detail", task_id=task_id))


# --- 任务执行 (seats) ---------------------------------------------------------------------------------------


@bp.get("/mine")
@require(TASKS_EXECUTE)
def mine() -> Any:
    closed = request.args.get("closed") == "1"
    return render_template("mining/tasks/work_mine.html", closed=closed,
                           rows=draws.seat_tasks(db.session, current_user, closed, work=True))


def _seat_row(task: MiningTask) -> draws.SeatTaskRow | None:
    return next((r for r in draws.seat_tasks(db.session, current_user, True, work=True) if r.task.id == task.id),
                None)


@bp.get("/mine/<int:task_id>")
@require(TASKS_EXECUTE)
def my_task(task_id: int) -> Any:
    task = draws.seat_task(db.session, current_user, task_id)
    if not task.is_work:
        return redirect(url_for("mining_tasks.my_task", task_id=task_id))
    status = request.args.get("status", "")
    stmt = draws.my_items(task.id, current_user.id, status).options(selectinload(MiningTaskItem.customer))
    items = db.paginate(stmt, per_page=50, error_out=False)
    return render_template("mining/tasks/work_my_task.html", task=task, row=_seat_row(task), items=items,
                           status=status,
                           results=dict(dictionaries.choices(db.session, FOLLOWUP_RESULT)))


@bp.get("/mine/<int:task_id>/next")
@require(TASKS_EXECUTE)
def next_item(task_id: int) -> Any:
    task = draws.seat_task(db.session, current_user, task_id)
    item = task_work.next_item(db.session, current_user, task.id)
    if item is None:
        flash(f"“{task.name}”中分配给您的任务客户已全部执行", "success")
        return redirect(url_for("work_tasks.my_task", task_id=task.id))
    return redirect(url_for("work_tasks.item", item_id=item.id))


@bp.get("/items/<int:item_id>")
@require(TASKS_EXECUTE)
def item(item_id: int) -> Any:
    return _item_page(draws.my_item(db.session, current_user, item_id))


def _item_page(entry: MiningTaskItem, error: str = "", status: int = 200) -> Any:
    task = entry.task
    if not task.is_work:
        return redirect(url_for("mining_tasks.my_task", task_id=task.id))
    customer = entry.customer
    return render_template("mining/tasks/work_item.html", item=entry, task=task, row=_seat_row(task), customer=customer,
                           error=error, phones=task_work.phone_choices(customer, current_user),
                           results=dictionaries.choices(db.session, FOLLOWUP_RESULT, blank="（请选择）"),
                           running=task.status == TaskStatus.PUBLISHED), status


@bp.post("/items/<int:item_id>")
@require(TASKS_EXECUTE)
def execute(item_id: int) -> Any:
    entry = draws.my_item(db.session, current_user, item_id)
    f = request.form
    try:
        follow_up = followups.FollowUpInput(
            kind="", connected=f.get("connected") == "1", duration_seconds=form_int(f.get("duration_seconds")) or 0,
            phone=task_work.phone_at(entry.customer, form_int(f.get("phone_index"))))
        done = draws.execute(db.session, current_user, item_id, f.get("outcome", ""), f.get("note", ""), follow_up)
    except DomainError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        return _item_page(draws.my_item(db.session, current_user, item_id), exc.message, exc.status)
    task_id = done.task_id
    db.session.commit()
    flash(f"已记录执行结果，并已记录跟进（{done.customer.name}）", "success")
    if f.get("then") == "list":
        return redirect(url_for("work_tasks.my_task", task_id=task_id))
    return redirect(url_for("work_tasks.next_item", task_id=task_id))


def _panel() -> dict[str, Any]:
    rows = draws.seat_tasks(db.session, current_user, work=True)
    return {"rows": rows[:6], "total": len(rows),
            "unexecuted": draws.unexecuted_total(db.session, current_user.id, work=True)}


panels.add("我的工作任务", "mining/tasks/_work_panel.html", _panel, permission=TASKS_EXECUTE, order=24)
