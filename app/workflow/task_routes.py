"""待办 screens: inbox tabs, the task page (form, business object, diagram, history) and task actions."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app import workflow
from app.auth.models import User
from app.auth.permissions import require
from app.designer.models import TaskFormFile
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.pagination import keyset_page
from app.workflow import delegation, form_lookups, inbox, subjects, views
from app.workflow.access import INBOX
from app.workflow.models import ProcessModel, TaskStatus
from forms import registry as form_registry
from forms.task_forms import DefinitionError

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


@bp.app_template_global("business_subject")
def business_subject(business_key: str) -> subjects.Subject | None:
    """What a business key is about, for a template that lists instances of other screens (客户 360)."""
    return subjects.for_user(db.session, business_key)
PER_PAGE = 30


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name, "")
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _counts() -> dict[str, int]:
    # The menu badge and the inbox tabs show the same counts: query them once per request.
    cached = g.get("_inbox_counts")
    if cached is None:
        cached = g._inbox_counts = inbox.counts(db.session, current_user)
    return cached


@bp.app_context_processor
def _inbox_badge() -> dict[str, Any]:
    def badge() -> int:
        return _counts()["total"] if current_user.is_authenticated else 0

    return {"inbox_badge": badge}


@bp.get("/", endpoint="inbox")
@require(INBOX)
def inbox_page() -> Any:
    tab = request.args.get("tab", "mine")
    if tab not in inbox.TABS:
        tab = "mine"
    filters = inbox.Filters(process_key=request.args.get("process", ""), business_key=request.args.get("q", "").strip(),
                            start=_date_arg("start"), end=_date_arg("end"))
    stmt = inbox.query(db.session, current_user, tab, filters)
    counts = _counts()
    page = keyset_page(stmt, inbox.order(tab), PER_PAGE, total=counts[tab] if tab in counts and not filters.active
                       else None, sort_few=True)
    processes = db.session.execute(select(ProcessModel.key, ProcessModel.name).distinct()
                                   .order_by(ProcessModel.key)).all()
    return render_template("workflow/inbox.html", tab=tab, tabs=inbox.TABS, page=page,
                           counts=counts, processes=processes, process_names=dict(processes),
                           subjects=subjects.for_keys(db.session, [t.business_key for t in page.items]))


def _render_task(task_id: int, form: Any = None, status: int = 200, errors: list[str] | None = None) -> Any:
    task = workflow.get_task(db.session, task_id, current_user)
    instance = task.instance
    actionable = task.status == TaskStatus.OPEN and workflow.can_act(db.session, current_user, task)
    delegate = delegation.is_delegate(task, current_user)
    # What a delegate entered when resolving the task back starts the owner's form.
    resolved = delegation.resolved_entries(db.session, task) if actionable and not delegate else None
    if form is None and task.status == TaskStatus.OPEN and task.form_key:
        try:
            form = views.build_form(db.session, task.form_key, MultiDict(resolved) if resolved else None,
                                    workflow.task_data(task), task=task, user=current_user)
        except (form_registry.UnknownForm, DefinitionError):
            errors = [*(errors or []), f"任务表单 {task.form_key} 不存在或定义有误，请联系流程设计人员"]
    elif form is not None and form.readonly_fields and task.status == TaskStatus.OPEN:
        views.show_readonly(form, workflow.task_data(task))  # a refused submission, shown again
    return render_template(
        "workflow/task.html", task=task, instance=instance, form=form, actionable=actionable,
        claimable=task.status == TaskStatus.OPEN and task.assignee_id is None and actionable,
        subject=subjects.for_user(db.session, instance.business_key), history=views.history(db.session, instance.id),
        diagram_url=views.diagram_url(instance), errors=errors or [],
        offered=delegation.offered(db.session, task, current_user), delegate=delegate, resolved=resolved is not None,
        owner=db.session.get(User, task.delegated_from_id) if task.delegated_from_id else None,
        holder=db.session.get(User, task.assignee_id) if task.assignee_id else None,
    ), status


@bp.get("/<int:task_id>")
@require(INBOX)
def task_page(task_id: int) -> Any:
    return _render_task(task_id)


@bp.post("/<int:task_id>/complete")
@require(INBOX)
def complete(task_id: int) -> Any:
    task = workflow.get_task(db.session, task_id, current_user)
    try:
        form = views.build_form(db.session, task.form_key, request.form, None, task=task, user=current_user)
    except form_registry.UnknownForm as exc:
        raise ValidationFailed(f"任务表单 {task.form_key} 不存在，请联系流程设计人员") from exc
    outcome = request.form.get("outcome", "")
    comment = (form.comment.data or "").strip()
    errors = form.check_outcome(outcome, comment)
    if not form.validate() or errors:
        db.session.rollback()
        return _render_task(task_id, form=form, status=422, errors=errors)
    workflow.complete_task(db.session, task_id, current_user, form.task_data(), outcome=outcome, comment=comment,
                           outcome_label=dict(form.outcomes).get(outcome, ""))
    db.session.commit()
    db.session.refresh(task)
    if task.instance.status.value == "error":
        flash("已提交，但后续流程执行出错，已转为异常，请联系流程管理员", "warning")
    else:
        flash(f"已办理“{task.name}”", "success")
    return redirect(url_for("tasks.inbox"))


@bp.post("/<int:task_id>/claim")
@require(INBOX)
def claim(task_id: int) -> Any:
    workflow.claim(db.session, task_id, current_user)
    db.session.commit()
    flash("已认领，任务在“待我处理”中", "success")
    return redirect(url_for("tasks.task_page", task_id=task_id))


@bp.post("/<int:task_id>/release")
@require(INBOX)
def release(task_id: int) -> Any:
    workflow.release(db.session, task_id, current_user)
    db.session.commit()
    flash("任务已退回任务池", "info")
    return redirect(url_for("tasks.inbox"))


def _to_user() -> int:
    try:
        return int(request.form.get("to_user_id", ""))
    except ValueError as exc:
        raise ValidationFailed("请选择办理人") from exc


@bp.post("/<int:task_id>/delegate")
@require(INBOX)
def delegate(task_id: int) -> Any:
    task = workflow.delegate(db.session, task_id, current_user, _to_user(), request.form.get("comment", ""))
    db.session.commit()
    flash("任务已委派，对方办理完毕交回后回到您的待办", "success")
    return redirect(url_for("tasks.task_page", task_id=task.id))


@bp.post("/<int:task_id>/transfer")
@require(INBOX)
def transfer(task_id: int) -> Any:
    workflow.transfer(db.session, task_id, current_user, _to_user(), request.form.get("comment", ""))
    db.session.commit()
    flash("任务已转办，由对方负责办理", "success")
    return redirect(url_for("tasks.inbox"))


@bp.post("/<int:task_id>/resolve")
@require(INBOX)
def resolve(task_id: int) -> Any:
    """The delegate gives the task back to its owner with what they entered (validated like a completion)."""
    task = workflow.get_task(db.session, task_id, current_user)
    entered: dict[str, str] = {}
    comment = request.form.get("comment", "")
    if task.form_key:
        try:
            form = views.build_form(db.session, task.form_key, request.form, None, task=task, user=current_user)
        except form_registry.UnknownForm as exc:
            raise ValidationFailed(f"任务表单 {task.form_key} 不存在，请联系流程设计人员") from exc
        if not form.validate():
            db.session.rollback()
            return _render_task(task_id, form=form, status=422)
        entered = {f.name: request.form.get(f.name, "") for f in form.data_fields() if f.name in request.form}
        entered |= {name: str(getattr(form, name).data) for name in form.file_fields
                    if getattr(form, name).data is not None}  # an uploaded file arrives in request.files
        comment = (form.comment.data or "").strip()
    workflow.resolve(db.session, task_id, current_user, entered, comment)
    db.session.commit()
    flash("已办理完毕，任务已交回委派人", "success")
    return redirect(url_for("tasks.inbox"))


@bp.get("/lookup/<kind>.json", endpoint="reference_search")
@require(INBOX)
def reference_search(kind: str) -> Any:
    """The pickers of task forms: customers in the user's scope, projects they may pick (a bounded page)."""
    text = request.args.get("q", "")
    if kind == "customer":
        return jsonify(form_lookups.search_customers(db.session, current_user, text))
    if kind == "project":
        return jsonify(form_lookups.search_projects(db.session, current_user, text))
    raise NotFound("没有这种查找")


@bp.get("/files/<int:file_id>", endpoint="form_file")
@require(INBOX)
def form_file(file_id: int) -> Any:
    """A file of a task form's 附件 field: for its uploader, or for whoever may see a task (``?task=``) whose
    process holds it."""
    row = db.session.get(TaskFormFile, file_id)
    if row is None:
        raise NotFound("附件不存在或您无权查看")
    if row.uploaded_by_id != current_user.id:
        task_id = request.args.get("task", type=int)
        if task_id is None:
            raise NotFound("附件不存在或您无权查看")
        task = workflow.get_task(db.session, task_id, current_user)
        if row.task_id != task.id and file_id not in views.runtime_data(task).values():
            raise NotFound("附件不存在或您无权查看")
    response = Response(row.content, mimetype=row.content_type)
    response.headers["Content-Disposition"] = f"attachment; filename=attachment; filename*=UTF-8''{quote(row.filename)}"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
