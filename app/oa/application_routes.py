"""申请 screens: 申请查询 (mine, create, edit drafts, submit, attachments), 待办申请 (handle), 申请监控
(every application in scope with route, current handler, age; export), and the route diagram."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app import clock
from app.admin import dictionaries, params
from app.auth.permissions import can, require
from app.errors import DomainError, NotFound, ValidationFailed, refused
from app.exports import xlsx_response
from app.extensions import db
from app.inputs import enum_arg
from app.oa import applications as services
from app.oa import attachments, monitoring
from app.oa.access import APPLY, HANDLE, MONITOR
from app.oa.models import Application, ApplicationStatus
from app.org import scope as data_scope
from app.org.scope import Scope
from app.workflow import subjects, views
from app.workflow.models import ProcessInstance
from forms.base import first_error
from forms.oa import ApplicationForm, AttachmentForm
from forms.task_forms import TaskForm

bp = Blueprint("applications", __name__, url_prefix="/oa/applications")

HANDLE_FORM = "oa_application_handle"
VIEWERS = (APPLY, HANDLE, MONITOR)


def _monitor_scope() -> Scope | None:
    return data_scope.scope_of(db.session, current_user, MONITOR) if can(MONITOR) else None


def _load(application_id: int) -> Application:
    return services.get_visible(db.session, current_user, application_id, _monitor_scope())


def _openable(application_id: int) -> Application:
    """The application as its detail page would open it for the current user (task and history links)."""
    if not any(can(code) for code in VIEWERS):
        raise NotFound("申请不存在")
    return _load(application_id)


subjects.opens_with("oa_application", _openable)


# --- forms ---------------------------------------------------------------------------------------------


def _details_form(type_code: str, formdata: MultiDict[str, Any] | None, stored: dict[str, Any] | None = None
                  ) -> TaskForm | None:
    """The type's own fields: posted values, or a draft's stored (JSON) values read back as if posted."""
    cls = services.details_form_class(type_code) if type_code else None
    if cls is None:
        return None
    if formdata is None and stored:
        formdata = MultiDict({f"details-{name}": "y" if value is True else str(value)
                              for name, value in stored.items() if value not in (None, False)})
    form = cls(formdata=formdata, prefix="details", meta={"csrf": False})
    form.prepare(lambda code: dictionaries.choices(db.session, code))
    return form


def _application_form(application: Application | None = None) -> ApplicationForm:
    form = ApplicationForm(obj=application)  # posted data on POST, the draft's values on GET
    form.type_code.choices = dictionaries.choices(db.session, services.TYPES, blank="请选择")
    form.handler_id.choices = [(0, "请选择")] + [
        (u.id, f"{u.name}（{u.work_no} · {u.org.name}）")
        for u in services.handler_candidates(db.session, current_user, current_user)]
    return form


def _render_form(form: ApplicationForm, details: TaskForm | None, application: Application | None,
                 status: int = 200) -> Any:
    return render_template("oa/application_form.html", form=form, details=details, application=application,
                           allowed=attachments.ALLOWED_TEXT, max_mb=params.get_int(attachments.MAX_MB),
                           max_count=attachments.MAX_PER_APPLICATION), status


def _validated(form: ApplicationForm, details: TaskForm | None) -> str:
    """Return the first problem of the form and the type's fields, or ""."""
    ok = form.validate()
    if not ok:
        return first_error(form)
    if details is not None and not details.validate():
        return first_error(details)
    return ""


def _store_files(application: Application) -> int:
    """Store the uploaded attachments; return how many were stored."""
    stored = 0
    for upload in request.files.getlist("attachments"):
        if upload and upload.filename:
            attachments.add(db.session, application, current_user, upload.filename, upload.read())
            stored += 1
    return stored


@bp.get("/")
@require(APPLY)
def mine() -> Any:
    stmt = services.mine(current_user)
    if status := enum_arg("status", ApplicationStatus):
        stmt = stmt.where(Application.status == status)
    page = db.paginate(stmt, per_page=30, error_out=False)
    return render_template("oa/applications.html", page=page, statuses=list(ApplicationStatus),
                           type_label=lambda code: services.type_label(db.session, code))


@bp.get("/type-fields")
@require(APPLY)
def type_fields() -> Any:
    """The selected type's own fields (htmx swaps them into the form)."""
    return render_template("oa/_details_fields.html",
                           details=_details_form(request.args.get("type_code", ""), None))


@bp.route("/new", methods=["GET", "POST"])
@require(APPLY)
def create() -> Any:
    form = _application_form()
    type_code = form.type_code.data or request.args.get("type", "")
    if request.method == "GET":
        form.type_code.data = type_code
        return _render_form(form, _details_form(type_code, None), None)
    details = _details_form(type_code, request.form)
    problem = _validated(form, details)
    if problem:
        flash(problem, "danger")
        return _render_form(form, details, None, 422)
    try:
        application = services.create_application(
            db.session, current_user, type_code=type_code, title=form.title.data or "",
            description=form.description.data or "", handler_id=form.handler_id.data,
            details=services.plain_details(details) if details else {})
        _store_files(application)
    except DomainError as exc:
        return refused(exc, lambda: _render_form(form, details, None))
    db.session.commit()
    flash("申请已保存为草稿；确认无误后请点击“提交申请”", "success")
    return redirect(url_for("applications.detail", application_id=application.id))


@bp.route("/<int:application_id>/edit", methods=["GET", "POST"])
@require(APPLY)
def edit(application_id: int) -> Any:
    application = _load(application_id)
    services.ensure_editable(application, current_user)  # 申请已提交，不能修改 (409)
    form = _application_form(application)
    type_code = form.type_code.data or application.type_code
    if request.method == "GET":
        return _render_form(form, _details_form(type_code, None, application.details), application)
    details = _details_form(type_code, request.form)
    problem = _validated(form, details)
    if problem:
        flash(problem, "danger")
        return _render_form(form, details, application, 422)
    try:
        services.update_application(
            db.session, application, current_user, type_code=type_code, title=form.title.data or "",
            description=form.description.data or "", handler_id=form.handler_id.data,
            details=services.plain_details(details) if details else {})
        _store_files(application)
    except DomainError as exc:
        return refused(exc, lambda: _render_form(form, details, _load(application_id)))
    db.session.commit()
    flash("申请已保存", "success")
    return redirect(url_for("applications.detail", application_id=application.id))


@bp.post("/<int:application_id>/submit")
@require(APPLY)
def submit(application_id: int) -> Any:
    application = _load(application_id)
    services.submit(db.session, application, current_user)
    db.session.commit()
    flash(f"申请已提交给 {application.handler.name}，提交后不能再修改", "success")
    return redirect(url_for("applications.detail", application_id=application.id))


@bp.post("/<int:application_id>/delete")
@require(APPLY)
def delete(application_id: int) -> Any:
    services.delete_draft(db.session, _load(application_id), current_user)
    db.session.commit()
    flash("草稿已删除", "success")
    return redirect(url_for("applications.mine"))


@bp.post("/<int:application_id>/attachments")
@require(APPLY)
def upload(application_id: int) -> Any:
    application = _load(application_id)
    stored = _store_files(application)
    if not stored:
        raise ValidationFailed("没有收到任何附件，请选择要上传的文件")
    db.session.commit()
    flash(f"已上传 {stored} 个附件", "success")
    return redirect(url_for("applications.detail", application_id=application_id))


@bp.post("/<int:application_id>/attachments/<int:attachment_id>/delete")
@require(APPLY)
def remove_attachment(application_id: int, attachment_id: int) -> Any:
    attachments.remove(db.session, _load(application_id), current_user, attachment_id)
    db.session.commit()
    flash("附件已删除", "success")
    return redirect(url_for("applications.detail", application_id=application_id))


@bp.get("/<int:application_id>/attachments/<int:attachment_id>")
@require(*VIEWERS)
def download(application_id: int, attachment_id: int) -> Any:
    attachment = attachments.get(db.session, _load(application_id), attachment_id)
    response = Response(attachment.content, mimetype=attachment.content_type)
    response.headers["Content-Disposition"] = (f"attachment; filename=attachment; "
                                               f"filename*=UTF-8''{quote(attachment.filename)}")
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


# --- detail and handling -----------------------------------------------------------------------------------


def _handle_form(task: Any, formdata: MultiDict[str, Any] | None) -> TaskForm:
    return views.build_form(db.session, HANDLE_FORM, formdata, None, task=task, user=current_user)


def _render_detail(application: Application, form: TaskForm | None = None, errors: list[str] | None = None,
                   status: int = 200) -> Any:
    task = services.open_task(db.session, application, current_user)
    if task is not None and form is None:
        form = _handle_form(task, None)
    mine_draft = application.status == ApplicationStatus.DRAFT and application.applicant_id == current_user.id
    return render_template(
        "oa/application_detail.html", application=application, task=task, form=form, errors=errors or [],
        details=services.details_rows(db.session, application), editable=mine_draft,
        type_label=services.type_label(db.session, application.type_code), upload_form=AttachmentForm(),
        diagram_url=url_for("applications.diagram", application_id=application.id) if application.instance_id
        else "", age=monitoring.age(application, clock.now()),
    ), status


@bp.get("/<int:application_id>")
@require(*VIEWERS)
def detail(application_id: int) -> Any:
    return _render_detail(_load(application_id))


@bp.post("/<int:application_id>/handle")
@require(HANDLE)
def handle(application_id: int) -> Any:
    application = _load(application_id)
    task = services.open_task(db.session, application, current_user)
    if task is None:
        flash("该申请当前不在您的待办中，可能已被处理", "warning")
        return redirect(url_for("applications.detail", application_id=application_id))
    form = _handle_form(task, request.form)
    outcome = request.form.get("outcome", "")
    comment = (form.comment.data or "").strip()
    errors = form.check_outcome(outcome, comment)
    if not form.validate() or errors:
        db.session.rollback()
        return _render_detail(application, form, errors or [first_error(form)], 422)
    services.handle(db.session, application, current_user, form, outcome, comment)
    db.session.commit()
    if outcome == "forward":
        flash(f"已转交 {application.current_handler.name if application.current_handler else ''} 处理", "success")
    else:
        flash("申请已处理完成", "success")
    return redirect(url_for("applications.todo"))


@bp.get("/<int:application_id>/diagram.json")
@require(*VIEWERS)
def diagram(application_id: int) -> Any:
    """The current process segment with done/current elements, and the route written on the handler task."""
    application = _load(application_id)
    instance = db.session.get(ProcessInstance, application.instance_id) if application.instance_id else None
    if instance is None:
        raise NotFound("该申请尚未提交")
    payload = views.diagram_payload(instance)
    payload["notes"] = {"handle": monitoring.route_notes(application, instance.id)}
    return jsonify(payload)


# --- 待办申请 and 申请监控 ------------------------------------------------------------------------------------


@bp.get("/todo")
@require(HANDLE)
def todo() -> Any:
    done = db.paginate(services.handled_by(current_user), per_page=20, error_out=False)
    return render_template("oa/application_todo.html", waiting=services.waiting_for(db.session, current_user),
                           done=done, now=clock.now(), age=monitoring.age,
                           type_label=lambda code: services.type_label(db.session, code))


def _monitor_filters() -> monitoring.Filters:
    args = request.args
    return monitoring.Filters(type_code=args.get("type", ""), status=args.get("status", ""),
                              text=args.get("q", "").strip(), handler=args.get("handler", "").strip(),
                              start=monitoring.parse_date(args.get("start", "")),
                              end=monitoring.parse_date(args.get("end", "")))


@bp.get("/monitor")
@require(MONITOR)
def monitor() -> Any:
    scope = data_scope.scope_of(db.session, current_user, MONITOR)
    stmt = monitoring.query(scope, _monitor_filters())
    page = db.paginate(stmt, per_page=30, error_out=False)
    return render_template("oa/application_monitor.html", page=page, now=clock.now(), age=monitoring.age,
                           types=dictionaries.choices(db.session, services.TYPES),
                           statuses=[s for s in ApplicationStatus if s != ApplicationStatus.DRAFT],
                           type_label=lambda code: services.type_label(db.session, code))


@bp.get("/monitor/export")
@require(MONITOR)
def monitor_export() -> Any:
    scope = data_scope.scope_of(db.session, current_user, MONITOR)
    labels = dict(dictionaries.choices(db.session, services.TYPES))
    now = clock.now()
    headers = ["编号", "申请类型", "标题", "申请人", "组织", "状态", "结果", "当前处理人", "流转路径", "流转次数",
               "提交时间", "完成时间", "耗时"]
    rows = ((a.id, labels.get(a.type_code, a.type_code), a.title, a.applicant.name, a.org.name, a.status.label,
             monitoring.result_label(a.result), a.current_handler.name if a.current_handler else "",
             services.route_names(a), a.hop_count, a.submitted_at, a.completed_at, monitoring.age(a, now))
            for a in db.session.scalars(monitoring.query(scope, _monitor_filters())))
    return xlsx_response("申请监控", headers, rows)



@bp.app_template_filter("filesize")
def filesize(size: int) -> str:
    """1536 → 1.5 KB; small files in bytes."""
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
