"""投诉 screens: the complaint list (全部 / 未结案 / 我处理的), 超时投诉 with a chart per category, 登记投诉 (from
the 客户 360 page or the list), a complaint's page (status, SLA countdown, escalation, process history, diagram)
and 投诉类别维护."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app import clock
from app.auth.permissions import can, require
from app.complaints import services, sla
from app.complaints.access import FILE, VIEW
from app.complaints.models import Complaint, ComplaintChannel, ComplaintSeverity
from app.customers import services as customer_services
from app.errors import DomainError, NotFound, ValidationFailed, refused
from app.extensions import db
from app.workflow import subjects, views
from app.workflow.models import ProcessInstance, TaskStatus, WorkflowTask

bp = Blueprint("complaints", __name__, url_prefix="/complaints")

# Registered with the screens: the 客户 360 section and merge link, the demo loader, the process operations.
from app.complaints import customer_links, demo, process_ops  # noqa: E402, F401

VIEW_LABELS = {"all": "全部投诉", "open": "未结案", "overdue": "超时未结案", "mine": "我的投诉"}


def _load(complaint_id: int) -> Complaint:
    return services.get_visible(db.session, current_user, complaint_id)


subjects.opens_with(services.BUSINESS_PREFIX, _load)


@bp.get("/")
@require(VIEW)
def index() -> Any:
    view = request.args.get("view", "all")
    if view not in VIEW_LABELS:
        view = "all"
    category_id = request.args.get("category", type=int)
    page = db.paginate(services.listing(db.session, current_user, view=view, category_id=category_id),
                       per_page=30, error_out=False)
    return render_template("complaints/index.html", page=page, view=view, views=VIEW_LABELS,
                           categories=services.categories(db.session), category_id=category_id, now=clock.now())


@bp.get("/overdue")
@require(VIEW)
def overdue() -> Any:
    page = db.paginate(services.listing(db.session, current_user, view="overdue"), per_page=50, error_out=False)
    counts = services.overdue_by_category(db.session, current_user)
    overdue_chart = {"tooltip": {}, "grid": {"left": 40, "right": 20, "top": 20, "bottom": 40},
             "xAxis": {"type": "category", "data": [name for name, _n in counts]},
             "yAxis": {"type": "value", "minInterval": 1},
             "series": [{"type": "bar", "name": "超时投诉", "barMaxWidth": 48, "data": [n for _name, n in counts]}]}
    return render_template("complaints/overdue.html", page=page, counts=counts, overdue_chart=overdue_chart,
                           now=clock.now())


def _form_values() -> dict[str, Any]:
    form = request.form
    values: dict[str, Any] = {
        "customer_id": form.get("customer_id", type=int), "customer_number": form.get("customer_number", ""),
        "category_id": form.get("category_id", type=int), "channel": form.get("channel", ""),
        "severity": form.get("severity", ComplaintSeverity.NORMAL.value), "content": form.get("content", "")}
    return values


def _customer_for(values: dict[str, Any]) -> Any:
    """The customer the complaint is about (by id from 客户 360, or by the number typed), inside the scope."""
    scope = customer_services.customer_scope(db.session, current_user)
    customer_id = values.get("customer_id")
    if not customer_id and values.get("customer_number", "").strip():
        customer_id = customer_services.resolve_number(db.session, values["customer_number"])
        if customer_id is None:
            raise ValidationFailed("客户编号不存在")
    if not customer_id:
        raise ValidationFailed("请选择投诉的客户")
    return customer_services.get_customer(db.session, scope, customer_id)


def _render_new(values: dict[str, Any], customer: Any, status: int = 200) -> Any:
    return render_template("complaints/new.html", values=values, customer=customer,
                           categories=services.categories(db.session, active_only=True),
                           channels=list(ComplaintChannel), severities=list(ComplaintSeverity)), status


@bp.route("/new", methods=["GET", "POST"])
@require(FILE)
def new() -> Any:
    if request.method == "GET":
        customer_id = request.args.get("customer_id", type=int)
        values: dict[str, Any] = {"customer_id": customer_id, "customer_number": "", "category_id": None,
                  "channel": ComplaintChannel.PHONE.value, "severity": ComplaintSeverity.NORMAL.value, "content": ""}
        customer = _customer_for(values) if customer_id else None
        return _render_new(values, customer)
    values = _form_values()
    customer = None
    try:
        customer = _customer_for(values)
        complaint = services.file(db.session, current_user, customer_id=customer.id,
                                  category_id=values["category_id"], channel=values["channel"],
                                  content=values["content"], severity=values["severity"])
    except NotFound:
        raise
    except DomainError as exc:
        return refused(exc, lambda: _render_new(values, customer)[0])
    db.session.commit()
    flash(f"投诉 {complaint.number} 已登记，已分派给 {complaint.handler.name if complaint.handler else '处理人'}",
          "success")
    return redirect(url_for("complaints.detail", complaint_id=complaint.id))


@bp.get("/<int:complaint_id>")
@require(VIEW)
def detail(complaint_id: int) -> Any:
    complaint = _load(complaint_id)
    instance = db.session.get(ProcessInstance, complaint.process_instance_id) \
        if complaint.process_instance_id else None
    open_tasks = list(db.session.scalars(select(WorkflowTask).where(
        WorkflowTask.instance_id == complaint.process_instance_id, WorkflowTask.status == TaskStatus.OPEN)
        .order_by(WorkflowTask.id))) if instance else []
    late, countdown = sla.countdown(clock.local(complaint.due_at), clock.local(clock.now()))  # type: ignore[arg-type]
    return render_template(
        "complaints/detail.html", complaint=complaint, instance=instance, open_tasks=open_tasks,
        history=views.history(db.session, instance.id) if instance else [], late=late and complaint.is_open,
        countdown=countdown,
        diagram_url=url_for("complaints.diagram", complaint_id=complaint.id) if instance else "",
        monitor_url=url_for("workflow.instance", instance_id=instance.id) if instance and can("workflow.monitor")
        else "")


@bp.get("/<int:complaint_id>/diagram.json")
@require(VIEW)
def diagram(complaint_id: int) -> Any:
    complaint = _load(complaint_id)
    instance = db.session.get(ProcessInstance, complaint.process_instance_id) \
        if complaint.process_instance_id else None
    if instance is None:
        raise NotFound("该投诉没有处理流程")
    return jsonify(views.diagram_payload(instance))
