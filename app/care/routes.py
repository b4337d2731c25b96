"""客户关怀 screens: 生日关怀 and 纪念日关怀 lists (with care tasks), the care message of one customer (rendered
from a care template, to copy and send) with 登记关怀, 关怀模板 maintenance, and the 客户 360 section."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock
from app.auth.permissions import can, require
from app.care import (
    demo,  # noqa: F401  (its demo data is registered whenever the screens are)
    occasions,
    services,
)
from app.care.access import CARE, CARE_TASKS, CARE_TEMPLATES
from app.care.models import CARE_KIND_LABELS, CareKind, CareRecord
from app.customers import links, sections
from app.customers import services as customers
from app.customers.models import Customer
from app.database import DbSession
from app.errors import DomainError, ValidationFailed, refused
from app.extensions import db
from app.org import scope as data_scope

bp = Blueprint("care", __name__, url_prefix="/care")

links.register("关怀记录", CareRecord.__table__.c.customer_id)

LIST_ENDPOINTS = {CareKind.BIRTHDAY: "care.birthdays", CareKind.ANNIVERSARY: "care.anniversaries"}


def care_scope() -> data_scope.Scope:
    return data_scope.scope_of(db.session, current_user, CARE)


def _int_arg(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


def _list_page(kind: CareKind, days: int | None = None) -> Any:
    if days is None:
        try:
            days = occasions.clean_days(request.args.get("days"))
        except ValidationFailed as exc:
            flash(exc.message, "danger")
            days = 7
    rows, total = occasions.listing(db.session, care_scope(), kind, clock.today(), days)
    task_scope = data_scope.scope_of(db.session, current_user, CARE_TASKS) if can(CARE_TASKS) else None
    return render_template("care/list.html", kind=kind, rows=rows, total=total, days=days,
                           day_choices=occasions.DAY_CHOICES, limit=occasions.LIST_LIMIT, today=clock.today(),
                           endpoint=LIST_ENDPOINTS[kind],
                           care_tasks=services.task_list(db.session, task_scope) if task_scope else [])


@bp.get("/birthdays")
@require(CARE)
def birthdays() -> Any:
    return _list_page(CareKind.BIRTHDAY)


@bp.get("/anniversaries")
@require(CARE)
def anniversaries() -> Any:
    return _list_page(CareKind.ANNIVERSARY)


@bp.post("/<kind>/tasks")
@require(CARE_TASKS)
def create_task(kind: str) -> Any:
    care_kind = occasions.clean_kind(kind)
    raw_days = request.form.get("days")
    try:
        days = occasions.clean_days(raw_days)
        chosen = None if request.form.get("all") == "1" else [
            int(v) for v in request.form.getlist("customer_id") if v.isdigit() and len(v) < 10]
        care, added = services.create_task(db.session, current_user,
                                           data_scope.scope_of(db.session, current_user, CARE_TASKS),
                                           care_kind, days, chosen)
    except DomainError as exc:
        return refused(exc, lambda: _list_page(care_kind, 7))
    db.session.commit()
    flash(f"已生成关怀任务“{care.task.name}”，{added} 位客户交给各自的服务坐席", "success")
    return redirect(url_for(LIST_ENDPOINTS[care_kind], days=days))


def _message_page(customer: Customer, kind: CareKind, template_id: int | None, typed: str | None = None) -> Any:
    msg = services.message(db.session, customer, current_user, kind, template_id)
    return render_template("care/message.html", customer=customer, kind=kind, message=msg,
                           text=msg.text if typed is None else typed, kinds=CARE_KIND_LABELS,
                           templates=services.template_choices(db.session, kind),
                           records=services.customer_records(db.session, customer.id, limit=10),
                           placeholders=services.PLACEHOLDERS)


def _kind_arg(raw: str | None) -> CareKind:
    try:
        return CareKind(raw or CareKind.BIRTHDAY.value)
    except ValueError as exc:
        raise ValidationFailed("关怀类型无效") from exc


@bp.get("/customers/<int:customer_id>")
@require(CARE)
def message(customer_id: int) -> Any:
    customer = customers.get_customer(db.session, care_scope(), customer_id)
    return _message_page(customer, _kind_arg(request.args.get("kind")), _int_arg(request.args.get("template")))


def _date_arg(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed("关怀日期格式应为 YYYY-MM-DD") from exc


@bp.post("/customers/<int:customer_id>/records")
@require(CARE)
def record(customer_id: int) -> Any:
    customer = customers.get_customer(db.session, care_scope(), customer_id)
    kind_raw, text = request.form.get("kind"), request.form.get("message", "")
    template_id = _int_arg(request.form.get("template_id"))
    try:
        services.record(db.session, customer, current_user, kind=kind_raw, message_text=text,
                        template_id=template_id, occasion=_date_arg(request.form.get("occasion")))
    except DomainError as exc:
        def page() -> Any:
            return _message_page(customers.get_customer(db.session, care_scope(), customer_id),
                                 _kind_arg(kind_raw if kind_raw in CARE_KIND_LABELS else None), template_id, text)
        return refused(exc, page)
    db.session.commit()
    flash(f"已登记对 {customer.name} 的关怀", "success")
    return redirect(url_for("customers.detail", customer_id=customer.id) + "#section-care")


# --- 关怀模板 -----------------------------------------------------------------------------------------------


def _templates_page(values: dict[str, Any] | None = None, editing: int | None = None) -> Any:
    return render_template("care/templates.html", items=services.care_templates(db.session),
                           kinds=CARE_KIND_LABELS, values=values or {}, editing=editing,
                           unused=services.unused_templates(db.session), placeholders=services.PLACEHOLDERS)


@bp.get("/templates")
@require(CARE_TEMPLATES)
def templates() -> Any:
    editing = _int_arg(request.args.get("edit"))
    values: dict[str, Any] = {"kind": CareKind.BIRTHDAY.value}
    if editing:
        care = services.get_care_template(db.session, editing)
        values = {"kind": care.kind.value, "name": care.template.name, "title": care.template.title,
                  "body": care.template.body}
    return _templates_page(values, editing)


@bp.post("/templates")
@require(CARE_TEMPLATES)
def save_template() -> Any:
    editing = _int_arg(request.form.get("care_template_id"))
    values = {key: request.form.get(key, "") for key in ("kind", "name", "title", "body")}
    try:
        care = services.get_care_template(db.session, editing) if editing else None
        saved = services.save_template(db.session, care, **values)
    except DomainError as exc:
        return refused(exc, lambda: _templates_page(values, editing))
    db.session.commit()
    flash(f"已保存关怀模板“{saved.template.name}”", "success")
    return redirect(url_for("care.templates"))


@bp.post("/templates/adopt")
@require(CARE_TEMPLATES)
def adopt_template() -> Any:
    try:
        template_id = _int_arg(request.form.get("template_id"))
        if template_id is None:
            raise ValidationFailed("请选择要用作关怀模板的内容模板")
        saved = services.adopt_template(db.session, template_id, request.form.get("kind"))
    except DomainError as exc:
        return refused(exc, lambda: _templates_page({"kind": CareKind.BIRTHDAY.value}))
    db.session.commit()
    flash(f"内容模板“{saved.template.name}”已用作关怀模板", "success")
    return redirect(url_for("care.templates"))


# --- 客户 360 -------------------------------------------------------------------------------------------------


def _customer_section(session: DbSession, customer: Customer) -> dict[str, Any]:
    """客户 360: this customer's care history, and the way to care now."""
    return {"care_records": services.customer_records(session, customer.id), "care_may": can(CARE)}


sections.add("care", "客户关怀", "care/_customer_section.html", _customer_section, order=75)
