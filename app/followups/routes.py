"""跟进记录 and 预约提醒 screens, the follow-up and appointment actions (from 客户 360 and the 有效跟进 page), the
follow-up and appointment sections of 客户 360 and the home-page panel. The 有效跟进 page is in work_routes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import clock
from app.admin import dictionaries
from app.auth.permissions import require
from app.customers import links, sections, visibility
from app.customers import routes as customer_screens
from app.customers.access import CUSTOMERS_VIEW
from app.customers.models import Customer
from app.database import DbSession
from app.errors import NotFound, ValidationFailed
from app.exports import EXPORT_CAP, capped, xlsx_response
from app.extensions import db
from app.followups import bp, services
from app.followups.access import FOLLOWUP_RESULT, FOLLOWUPS_RECORD, FOLLOWUPS_VIEW
from app.followups.models import FOLLOW_UP_KIND_LABELS, Appointment, AppointmentStatus, FollowUp
from app.followups.work_routes import answer, follow_up_form, refusals
from app.home import panels
from app.org import scope as data_scope
from app.pagination import keyset_page
from forms.base import first_error
from forms.followups import AppointmentForm, RescheduleForm

links.register("跟进记录", FollowUp.__table__.c.customer_id)
links.register("预约", Appointment.__table__.c.customer_id)


def _follow_up_section(session: DbSession, customer: Customer) -> dict[str, Any]:
    results = dict(dictionaries.choices(session, FOLLOWUP_RESULT))
    return {"follow_ups": services.follow_ups_of(session, customer.id), "follow_up_form": follow_up_form(customer),
            "results": results, "valid_seconds": services.valid_call_seconds(session),
            "may_follow_up": visibility.may_follow_up(customer)}


def _appointment_section(session: DbSession, customer: Customer) -> dict[str, Any]:
    return {"appointments": services.appointments_of(session, customer.id), "appointment_form": AppointmentForm(),
            "may_follow_up": visibility.may_follow_up(customer)}


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
@refusals("#work-follow_up-error")
def record(customer_id: int) -> Any:
    """Log a follow-up (记录跟进) from 客户 360 or the 有效跟进 page."""
    customer = _customer(customer_id)
    form = follow_up_form(customer)
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    at = clock.from_local(form.at.data) if form.at.data else None
    services.log_follow_up(db.session, customer, current_user, services.FollowUpInput(
        kind=form.kind.data or "", at=at, phone=form.phone.data or "", connected=bool(form.connected.data),
        duration_seconds=form.duration_seconds.data or 0, result=form.result.data or "",
        content=form.content.data or "", new_type=form.new_type.data or ""))
    return answer(customer.id, "follow_up", "跟进已记录",
                  fallback=url_for("customers.detail", customer_id=customer.id) + "#section-follow_ups")


@bp.post("/customers/<int:customer_id>/appointments")
@require(FOLLOWUPS_RECORD)
@refusals("#work-appointments-error")
def book(customer_id: int) -> Any:
    customer = _customer(customer_id)
    form = AppointmentForm()
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    appointment = services.book_appointment(db.session, customer, current_user, clock.from_local(form.at.data),
                                            form.content.data or "")
    return answer(customer.id, "appointments", f"已预约 {clock.local(appointment.at):%Y-%m-%d %H:%M}",
                  fallback=url_for("customers.detail", customer_id=customer.id) + "#section-appointments")


@bp.post("/appointments/<int:appointment_id>/<action>")
@require(FOLLOWUPS_RECORD)
@refusals("#work-appointments-error")
def close(appointment_id: int, action: str) -> Any:
    """完成 or 取消 an own appointment (预约提醒, 客户 360, 有效跟进)."""
    if action not in ("done", "cancel"):
        raise NotFound("操作不存在")
    appointment = services.own_appointment(db.session, current_user, appointment_id)
    services.close_appointment(db.session, appointment, done=action == "done")
    return answer(appointment.customer_id, "appointments", "预约已完成" if action == "done" else "预约已取消",
                  fallback=request.referrer or url_for("followups.reminders"))


@bp.post("/appointments/<int:appointment_id>/reschedule")
@require(FOLLOWUPS_RECORD)
@refusals("#work-appointments-error")
def reschedule(appointment_id: int) -> Any:
    """改期: move an own pending appointment to another time."""
    appointment = services.own_appointment(db.session, current_user, appointment_id)
    form = RescheduleForm()
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    services.reschedule_appointment(db.session, appointment, clock.from_local(form.new_at.data))
    return answer(appointment.customer_id, "appointments", f"预约已改到 {clock.local(appointment.at):%Y-%m-%d %H:%M}",
                  fallback=request.referrer or url_for("followups.reminders"))


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


@bp.get("/records")
@require(FOLLOWUPS_VIEW)
def records() -> Any:
    """跟进记录: every follow-up in scope, with search and export."""
    f = _filters()
    # not counted: a head's follow-ups are found through their customers' orgs, and counting even 10,000 of
    # them reads half a million rows on SQLite
    stmt = services.follow_ups_query(_scope(), f).options(selectinload(FollowUp.customer), selectinload(FollowUp.user))
    page = keyset_page(stmt, (FollowUp.at.desc(), FollowUp.id.desc()), 50, counted=False)
    results = dict(dictionaries.choices(db.session, FOLLOWUP_RESULT))
    return render_template("followups/records.html", page=page, filters=f, kinds=FOLLOW_UP_KIND_LABELS,
                           results=results)


@bp.get("/export")
@require(FOLLOWUPS_VIEW)
def export() -> Any:
    results = dict(dictionaries.choices(db.session, FOLLOWUP_RESULT))
    stmt = services.follow_ups_query(_scope(), _filters()).limit(EXPORT_CAP + 1)
    rows = ([f.at, f.customer.number, f.customer.name, f.kind.label, f.phone, f.connected, f.valid,
             f.duration_seconds, results.get(f.result, f.result), f.content, f.user.name]
            for f in db.session.scalars(stmt.execution_options(yield_per=1000)))
    return xlsx_response("跟进记录", ["跟进时间", "客户编号", "客户姓名", "方式", "电话", "接通", "有效", "通话秒数",
                                  "结果", "内容", "跟进人"], capped(rows))


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
