"""有效跟进 and 预约提醒 screens; the follow-up and appointment sections of 客户 360; the home-page panel."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app import clock
from app.admin import dictionaries
from app.auth.permissions import require
from app.customers import links, sections
from app.customers import routes as customer_screens
from app.customers.access import CUSTOMERS_VIEW
from app.customers.models import CUSTOMER_TYPE_LABELS, Customer, CustomerType
from app.database import DbSession
from app.errors import NotFound, ValidationFailed
from app.exports import xlsx_response
from app.extensions import db
from app.followups import services
from app.followups.access import FOLLOWUP_RESULT, FOLLOWUPS_RECORD, FOLLOWUPS_VIEW
from app.followups.models import FOLLOW_UP_KIND_LABELS, Appointment, AppointmentStatus, FollowUp
from app.home import panels
from app.org import scope as data_scope
from forms.base import first_error
from forms.followups import AppointmentForm, FollowUpForm

bp = Blueprint("followups", __name__, url_prefix="/followups")

links.register("跟进记录", FollowUp.__table__.c.customer_id)
links.register("预约", Appointment.__table__.c.customer_id)


def follow_up_form(customer: Customer) -> FollowUpForm:
    form = FollowUpForm()
    form.phone.choices = [(p.phone, f"{p.phone}（{p.kind_label}）") for p in customer.phones]
    form.result.choices = dictionaries.choices(db.session, FOLLOWUP_RESULT, blank="（请选择）")
    # 无效 needs a reason and moves the customer to the invalid pool: it has its own form (标记无效).
    form.new_type.choices = [("", "（不变）")] + [(k, v) for k, v in CUSTOMER_TYPE_LABELS.items()
                                                 if k != CustomerType.INVALID]
    return form


def _follow_up_section(session: DbSession, customer: Customer) -> dict[str, Any]:
    results = dict(dictionaries.choices(session, FOLLOWUP_RESULT))
    return {"follow_ups": services.follow_ups_of(session, customer.id), "follow_up_form": follow_up_form(customer),
            "results": results, "valid_seconds": services.valid_call_seconds(session)}


def _appointment_section(session: DbSession, customer: Customer) -> dict[str, Any]:
    return {"appointments": services.appointments_of(session, customer.id), "appointment_form": AppointmentForm()}


sections.add("follow_ups", "跟进记录（有效跟进）", "followups/_section_followups.html", _follow_up_section,
             permission=FOLLOWUPS_VIEW, order=10)
sections.add("appointments", "预约", "followups/_section_appointments.html", _appointment_section,
             permission=FOLLOWUPS_VIEW, order=20)


def _today_panel() -> dict[str, Any]:
    today = clock.today()
    return {"appointments": services.appointments_on(db.session, current_user.id, today),
            "overdue": services.overdue_count(db.session, current_user.id), "today": today}


panels.add("今日预约提醒", "followups/_panel_today.html", _today_panel, permission=FOLLOWUPS_VIEW, order=10)


def _customer(customer_id: int) -> Customer:
    return customer_screens.load(customer_id, CUSTOMERS_VIEW)


@bp.post("/customers/<int:customer_id>")
@require(FOLLOWUPS_RECORD)
def record(customer_id: int) -> Any:
    """Log a follow-up (记录跟进) from 客户 360."""
    customer = _customer(customer_id)
    form = follow_up_form(customer)
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    at = clock.from_local(form.at.data) if form.at.data else None
    services.log_follow_up(db.session, customer, current_user, services.FollowUpInput(
        kind=form.kind.data or "", at=at, phone=form.phone.data or "", connected=bool(form.connected.data),
        duration_seconds=form.duration_seconds.data or 0, result=form.result.data or "",
        content=form.content.data or "", new_type=form.new_type.data or ""))
    db.session.commit()
    flash("跟进已记录", "success")
    return redirect(url_for("customers.detail", customer_id=customer.id) + "#section-follow_ups")


@bp.post("/customers/<int:customer_id>/appointments")
@require(FOLLOWUPS_RECORD)
def book(customer_id: int) -> Any:
    customer = _customer(customer_id)
    form = AppointmentForm()
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    appointment = services.book_appointment(db.session, customer, current_user, clock.from_local(form.at.data),
                                            form.content.data or "")
    db.session.commit()
    flash(f"已预约 {clock.local(appointment.at):%Y-%m-%d %H:%M}", "success")
    return redirect(url_for("customers.detail", customer_id=customer.id) + "#section-appointments")


def _appointment(appointment_id: int) -> Appointment:
    appointment = db.session.get(Appointment, appointment_id)
    if appointment is None or appointment.user_id != current_user.id:
        raise NotFound("预约不存在")
    return appointment


@bp.post("/appointments/<int:appointment_id>/<action>")
@require(FOLLOWUPS_RECORD)
def close(appointment_id: int, action: str) -> Any:
    if action not in ("done", "cancel"):
        raise NotFound("操作不存在")
    appointment = _appointment(appointment_id)
    services.close_appointment(db.session, appointment, done=action == "done")
    db.session.commit()
    flash("预约已完成" if action == "done" else "预约已取消", "success")
    return redirect(request.referrer or url_for("followups.reminders"))


def _filters() -> services.FollowUpFilter:
    args = request.args

    def _day(name: str) -> date | None:
        try:
            return datetime.strptime(args.get(name, ""), "%Y-%m-%d").date()
        except ValueError:
            return None

    kind = args.get("kind", "")
    return services.FollowUpFilter(kind=kind if kind in FOLLOW_UP_KIND_LABELS else "",
                                   valid_only=args.get("valid") == "1", day_from=_day("from"), day_to=_day("to"),
                                   q=args.get("q", "").strip()[:50])


def _scope() -> data_scope.Scope:
    return data_scope.scope_of(db.session, current_user, FOLLOWUPS_VIEW)


@bp.get("/")
@require(FOLLOWUPS_VIEW)
def index() -> Any:
    f = _filters()
    page = db.paginate(services.follow_ups_query(_scope(), f), per_page=50, error_out=False)
    results = dict(dictionaries.choices(db.session, FOLLOWUP_RESULT))
    return render_template("followups/index.html", page=page, filters=f, kinds=FOLLOW_UP_KIND_LABELS,
                           results=results)


@bp.get("/export")
@require(FOLLOWUPS_VIEW)
def export() -> Any:
    results = dict(dictionaries.choices(db.session, FOLLOWUP_RESULT))
    stmt = services.follow_ups_query(_scope(), _filters()).limit(100_000)
    rows = ([f.at, f.customer.number, f.customer.name, f.kind.label, f.phone, f.connected, f.valid,
             f.duration_seconds, results.get(f.result, f.result), f.content, f.user.name]
            for f in db.session.scalars(stmt.execution_options(yield_per=1000)))
    return xlsx_response("跟进记录", ["跟进时间", "客户编号", "客户姓名", "方式", "电话", "接通", "有效", "通话秒数",
                                  "结果", "内容", "跟进人"], rows)


@bp.get("/reminders")
@require(FOLLOWUPS_VIEW)
def reminders() -> Any:
    """预约提醒: appointments per day; a strip of the next two weeks, the chosen day's list below."""
    today = clock.today()
    try:
        day = datetime.strptime(request.args.get("day", ""), "%Y-%m-%d").date()
    except ValueError:
        day = today
    strip = services.reminder_days(db.session, current_user.id, today, 14)
    overdue = db.session.scalars(select(Appointment).where(
        Appointment.user_id == current_user.id, Appointment.status == AppointmentStatus.PENDING,
        Appointment.at < clock.now()).order_by(Appointment.at).limit(50)).all()
    return render_template("followups/reminders.html", day=day, today=today, strip=strip,
                           appointments=services.appointments_on(db.session, current_user.id, day),
                           overdue=overdue, prev_day=day - timedelta(days=1), next_day=day + timedelta(days=1))
