"""有效跟进 work page (seed 000 §1.3): the customers to work with their next appointment, and the basic-information
edits the page makes, composed from the customer services so their checks stay in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, or_, select

from app import clock
from app.customers import services as customer_services
from app.customers.models import Customer, CustomerPhone, CustomerType
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.followups.models import Appointment, AppointmentStatus
from app.org import scope as data_scope
from rules import phones as phone_rules
from rules.labelled_enum import LabelledStrEnum


class WorkStatus(LabelledStrEnum):
    DUE = "due", "待跟进（未跟进或预约已到）"
    VALID = "valid", "已有效跟进"


WORK_STATUS_LABELS = WorkStatus.labels()
MIN_PHONE_TAIL = 3


@dataclass
class WorkFilter:
    """有效跟进客户查询: name or number, the last digits of a (masked) phone, type, status, last follow-up days."""

    q: str = ""
    phone_tail: str = ""
    type: str = ""
    status: str = ""
    day_from: date | None = None
    day_to: date | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.SHANGHAI)


def next_appointment_at() -> Any:
    """The customer's earliest pending appointment, as a correlated scalar subquery."""
    return (select(func.min(Appointment.at))
            .where(Appointment.customer_id == Customer.id, Appointment.status == AppointmentStatus.PENDING)
            .correlate(Customer).scalar_subquery())


def next_appointment(session: DbSession, customer_id: int) -> datetime | None:
    return session.scalar(select(next_appointment_at()).select_from(Customer).where(Customer.id == customer_id))


def work_customers(scope: data_scope.Scope, f: WorkFilter) -> Select[Any]:
    """Served customers in scope (a seat: its own) with their next pending appointment, the most urgent first."""
    next_at = next_appointment_at().label("next_at")
    stmt = customer_services.scoped(select(Customer, next_at), scope).where(Customer.service_seat_id.is_not(None))
    if f.q:
        stmt = stmt.where(or_(Customer.name.contains(f.q, autoescape=True), Customer.number == f.q.upper()))
    if f.phone_tail:
        stmt = stmt.where(exists().where(CustomerPhone.customer_id == Customer.id,
                                         CustomerPhone.phone.endswith(f.phone_tail, autoescape=True)))
    if f.type:
        stmt = stmt.where(Customer.type == CustomerType(f.type))
    if f.status == WorkStatus.DUE:
        due_by = _day_start(clock.today() + timedelta(days=1))
        stmt = stmt.where(or_(Customer.followup_count == 0, exists().where(
            Appointment.customer_id == Customer.id, Appointment.status == AppointmentStatus.PENDING,
            Appointment.at < due_by)))
    elif f.status == WorkStatus.VALID:
        stmt = stmt.where(Customer.valid_call_count > 0)
    if f.day_from:
        stmt = stmt.where(Customer.last_followup_at >= _day_start(f.day_from))
    if f.day_to:
        stmt = stmt.where(Customer.last_followup_at < _day_start(f.day_to + timedelta(days=1)))
    return stmt.order_by(next_at.is_(None), next_at, Customer.last_followup_at.asc().nullsfirst(), Customer.id)


def clean_phone_tail(raw: str) -> str:
    """The digits a seat typed to find a customer by a masked phone; refuse fewer than three."""
    digits = "".join(ch for ch in phone_rules.clean(raw) if ch in "0123456789")[-11:]
    if raw.strip() and len(digits) < MIN_PHONE_TAIL:
        raise ValidationFailed(f"电话尾号至少输入 {MIN_PHONE_TAIL} 位数字")
    return digits


# --- 客户基础信息维护 --------------------------------------------------------------------------------


def save_basic_info(session: DbSession, customer: Customer, *, name: str, gender: str, birthday: date | None,
                    grade: str) -> None:
    """Change name, gender, birthday and grade; every other field stays as it is."""
    customer_services.update_customer(session, customer, customer_services.CustomerInput(
        name=name, gender=gender, birthday=birthday, id_type=customer.id_type.value,
        id_number=customer.id_number or "", category_id=customer.category_id, grade=grade, source=customer.source,
        tags=customer.tags, remark=customer.remark))


def correct_phone(session: DbSession, customer: Customer, phone_id: int, raw: str) -> CustomerPhone:
    """Correct a mistyped phone number in place (修改电话), keeping its remark and primary mark."""
    record = next((p for p in customer.phones if p.id == phone_id), None)
    if record is None:
        raise NotFound("电话不存在")
    phones = customer_services.clean_phones([raw])
    if not phones:
        raise ValidationFailed("请填写电话号码")
    if phones[0] == record.phone:
        return record
    if any(p.phone == phones[0] for p in customer.phones):
        raise Conflict(f"该客户已登记电话 {phones[0]}")
    customer_services.check_duplicates(session, None, phones, exclude_id=customer.id)
    record.phone = phones[0]
    session.flush()
    return record
