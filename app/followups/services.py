"""Recording follow-ups (有效跟进) and appointments (预约), keeping the customer's recycle counters current."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, case, func, literal, or_, select, update

from app import clock, signals
from app.admin import dictionaries, params
from app.auth.models import User
from app.customers import services as customer_services
from app.customers import visibility
from app.customers.models import Customer, CustomerType, Pool
from app.database import DbSession, UTCDateTime
from app.errors import Conflict, NotFound, ValidationFailed
from app.followups.access import FOLLOWUP_RESULT
from app.followups.models import Appointment, AppointmentStatus, FollowUp, FollowUpKind
from app.org import scope as data_scope
from rules import phones as phone_rules

VALID_CALL_SECONDS = params.define("followups.valid_call_seconds", "int", 60, "有效通话时长（秒）",
                                   "接通且通话达到此时长的电话记为有效电话跟进", "跟进", minimum=1)
MAX_BACKDATE_DAYS = 30
MAX_CALL_SECONDS = 24 * 3600
CLOCK_SKEW = timedelta(minutes=5)
MAX_BOOKING_DAYS = 366
BLANK_FOLLOW_UP = "请填写跟进结果或跟进内容"


@dataclass
class FollowUpInput:
    kind: str
    at: datetime | None = None
    phone: str = ""
    connected: bool = False
    duration_seconds: int = 0
    result: str = ""
    content: str = ""
    valid: bool | None = None  # None: decided by the valid-call rule (connected and long enough)
    new_type: str = ""


def valid_call_seconds(session: DbSession) -> int:
    return params.get_int(VALID_CALL_SECONDS, session)


def is_valid_call(connected: bool, duration_seconds: int, threshold_seconds: int) -> bool:
    """A call is a valid phone follow-up (有效电话) when it connected and lasted long enough."""
    return connected and duration_seconds >= threshold_seconds


def _check_time(at: datetime | None, now: datetime) -> datetime:
    if at is None:
        return now
    if at.tzinfo is None:
        raise ValidationFailed("跟进时间缺少时区")
    if at > now + CLOCK_SKEW:
        raise ValidationFailed("跟进时间不能晚于现在")
    if at < now - timedelta(days=MAX_BACKDATE_DAYS):
        raise ValidationFailed(f"只能补记 {MAX_BACKDATE_DAYS} 天内的跟进")
    return at


def log_follow_up(session: DbSession, customer: Customer, user: User, data: FollowUpInput) -> FollowUp:
    """Record a follow-up and update the counters the recycle rules read, atomically in SQL; a customer whose
    pool allows no follow-up (公共信息池: app.customers.visibility) is refused."""
    visibility.check_follow_up(customer)
    return _record(session, customer, user, data)


def _record(session: DbSession, customer: Customer, user: User, data: FollowUpInput) -> FollowUp:
    try:
        kind = FollowUpKind(data.kind)
    except ValueError as exc:
        raise ValidationFailed("跟进方式无效") from exc
    if data.new_type == CustomerType.INVALID.value:
        raise ValidationFailed(customer_services.INVALID_NEEDS_REASON)
    now = clock.now()
    at = _check_time(data.at, now)
    if data.result and data.result not in {code for code, _ in dictionaries.choices(session, FOLLOWUP_RESULT)}:
        raise ValidationFailed("跟进结果无效")
    content = (data.content or "").strip()
    if len(content) > 2000:
        raise ValidationFailed("跟进内容不能超过 2000 字")
    phone, connected, duration, valid = "", False, 0, True
    if kind == FollowUpKind.CALL:
        known = [p.phone for p in customer.phones]
        phone = phone_rules.clean(data.phone) if data.phone else (known[0] if known else "")
        if phone not in known:
            raise ValidationFailed("请选择客户登记的电话号码")
        duration = int(data.duration_seconds or 0)
        if duration < 0 or duration > MAX_CALL_SECONDS:
            raise ValidationFailed("通话时长无效")
        connected = bool(data.connected)
        if not connected and duration:
            raise ValidationFailed("未接通的电话通话时长应为 0")
        if data.valid is None:
            valid = is_valid_call(connected, duration, valid_call_seconds(session))
        elif data.valid and not connected:
            raise ValidationFailed("未接通的电话不能记为有效通话")
        else:
            valid = bool(data.valid)
    if not data.result and not content:
        # A blank follow-up would still count towards the recycle rules (three blank clicks would do).
        raise ValidationFailed(BLANK_FOLLOW_UP)
    record = FollowUp(customer_id=customer.id, user_id=user.id, kind=kind, at=at, phone=phone, connected=connected,
                      valid=valid, duration_seconds=duration, result=data.result, content=content, created_at=now)
    session.add(record)
    session.flush()
    _count(session, customer, at, valid_call=kind == FollowUpKind.CALL and valid)
    if data.new_type and data.new_type != customer.type.value:
        customer_services.set_type(session, customer, data.new_type)
    signals.follow_up_logged.send(session, follow_up=record)
    return record


def _count(session: DbSession, customer: Customer, at: datetime, valid_call: bool) -> None:
    # One UPDATE, evaluated against the row as it is when the lock is taken, so a follow-up logged
    # while the recycle sweep runs is counted exactly once, on whichever side of the move it lands.
    in_personal = Customer.pool == Pool.PERSONAL
    when = literal(at, UTCDateTime())
    values: dict[Any, Any] = {
        Customer.followup_count: case((in_personal, Customer.followup_count + 1), else_=Customer.followup_count),
        Customer.last_followup_at: case(
            (or_(Customer.last_followup_at.is_(None), Customer.last_followup_at < when), when),
            else_=Customer.last_followup_at),
    }
    if valid_call:
        values[Customer.valid_call_count] = case((in_personal, Customer.valid_call_count + 1),
                                                 else_=Customer.valid_call_count)
        values[Customer.last_valid_call_at] = case(
            (or_(Customer.last_valid_call_at.is_(None), Customer.last_valid_call_at < when), when),
            else_=Customer.last_valid_call_at)
        # A valid call is how a seat handles a red-flagged (标红) customer.
        values[Customer.red_flag_at] = case((in_personal, None), else_=Customer.red_flag_at)
    session.execute(update(Customer).where(Customer.id == customer.id).values(values),
                    execution_options={"synchronize_session": False})
    session.expire(customer)


def record_activity_attendance(session: DbSession, activity: Any, invitee: Any, actor: User) -> FollowUp | None:
    """Log an invited customer's attendance at an offline activity (活动, 沙龙) as a salon follow-up."""
    customer = session.get(Customer, invitee.customer_id) if getattr(invitee, "customer_id", None) else None
    if customer is None:
        return None  # not a customer, or a number merged away before the link was re-pointed
    title = str(getattr(activity, "title", "") or "")
    # Attendance is a fact about the customer, recorded whatever pool it sits in.
    return _record(session, customer, actor, FollowUpInput(
        kind=FollowUpKind.SALON.value, content=f"参加活动：{title}"[:2000], result="interested"))


def _on_activity_attended(session: DbSession, activity: Any, invitee: Any, actor: User, **_: Any) -> None:
    record_activity_attendance(session, activity, invitee, actor)


signals.activity_attended.connect(_on_activity_attended)


def follow_ups_of(session: DbSession, customer_id: int, limit: int = 100) -> list[FollowUp]:
    return list(session.scalars(select(FollowUp).where(FollowUp.customer_id == customer_id)
                                .order_by(FollowUp.at.desc(), FollowUp.id.desc()).limit(limit)))


@dataclass
class FollowUpFilter:
    kind: str = ""
    valid_only: bool = False
    day_from: date | None = None
    day_to: date | None = None
    q: str = ""


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.SHANGHAI)


def follow_ups_query(scope: data_scope.Scope, f: FollowUpFilter) -> Select[Any]:
    """Follow-ups in scope: a seat's own, a head's on customers of orgs in scope."""
    stmt = select(FollowUp).join(Customer, Customer.id == FollowUp.customer_id)
    stmt = data_scope.apply(stmt, scope, Customer.service_org_id, FollowUp.user_id)
    if f.kind:
        stmt = stmt.where(FollowUp.kind == FollowUpKind(f.kind))
    if f.valid_only:
        stmt = stmt.where(FollowUp.valid.is_(True))
    if f.day_from:
        stmt = stmt.where(FollowUp.at >= _day_start(f.day_from))
    if f.day_to:
        stmt = stmt.where(FollowUp.at < _day_start(f.day_to + timedelta(days=1)))
    if f.q:
        stmt = stmt.where(or_(Customer.name.contains(f.q, autoescape=True), Customer.number == f.q.upper(),
                              FollowUp.content.contains(f.q, autoescape=True)))
    return stmt.order_by(FollowUp.at.desc(), FollowUp.id.desc())


# --- appointments (预约) ----------------------------------------------------------------------------


def _check_appointment_time(at: datetime | None, now: datetime) -> datetime:
    if at is None:
        raise ValidationFailed("请选择预约时间")
    if at.tzinfo is None:
        raise ValidationFailed("预约时间缺少时区")
    if at <= now:
        raise ValidationFailed("预约时间必须晚于现在")
    if at > now + timedelta(days=MAX_BOOKING_DAYS):
        raise ValidationFailed("只能预约一年以内的时间")
    return at


def book_appointment(session: DbSession, customer: Customer, user: User, at: datetime | None,
                     content: str) -> Appointment:
    """Book an appointment with a customer at a future time (not one whose pool allows no follow-up)."""
    visibility.check_follow_up(customer)
    now = clock.now()
    at = _check_appointment_time(at, now)
    content = (content or "").strip()
    if len(content) > 500:
        raise ValidationFailed("预约内容不能超过 500 字")
    appointment = Appointment(customer_id=customer.id, user_id=user.id, at=at, content=content, created_at=now)
    session.add(appointment)
    session.flush()
    return appointment


def own_appointment(session: DbSession, user: User, appointment_id: int) -> Appointment:
    """Load one of the user's own appointments; anyone else's looks missing."""
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.user_id != user.id:
        raise NotFound("预约不存在")
    return appointment


def _check_pending(appointment: Appointment) -> None:
    if appointment.status != AppointmentStatus.PENDING:
        raise Conflict("该预约已处理")


def close_appointment(session: DbSession, appointment: Appointment, done: bool) -> None:
    """Mark an appointment done (已完成) or cancelled (已取消)."""
    _check_pending(appointment)
    appointment.status = AppointmentStatus.DONE if done else AppointmentStatus.CANCELLED
    appointment.closed_at = clock.now()
    session.flush()


def reschedule_appointment(session: DbSession, appointment: Appointment, at: datetime | None) -> None:
    """Move a pending appointment to another future time (改期)."""
    _check_pending(appointment)
    appointment.at = _check_appointment_time(at, clock.now())
    session.flush()


def appointments_of(session: DbSession, customer_id: int) -> list[Appointment]:
    return list(session.scalars(select(Appointment).where(Appointment.customer_id == customer_id)
                                .order_by(Appointment.at.desc())))


def appointments_on(session: DbSession, user_id: int, day: date) -> list[Appointment]:
    """A user's appointments on one local day (预约提醒 for that day)."""
    start = _day_start(day)
    return list(session.scalars(
        select(Appointment).where(Appointment.user_id == user_id, Appointment.at >= start,
                                  Appointment.at < start + timedelta(days=1),
                                  Appointment.status != AppointmentStatus.CANCELLED)
        .order_by(Appointment.at)))


def reminder_days(session: DbSession, user_id: int, first: date, days: int) -> list[tuple[date, int, int]]:
    """Per local day from ``first``: (day, pending appointments, all appointments) for the reminder strip."""
    start = _day_start(first)
    rows = session.execute(
        select(Appointment.at, Appointment.status).where(
            Appointment.user_id == user_id, Appointment.at >= start, Appointment.at < start + timedelta(days=days),
            Appointment.status != AppointmentStatus.CANCELLED))
    pending: dict[date, int] = {}
    total: dict[date, int] = {}
    for at, status in rows:
        day = clock.local(at).date()  # type: ignore[union-attr]
        total[day] = total.get(day, 0) + 1
        if status == AppointmentStatus.PENDING:
            pending[day] = pending.get(day, 0) + 1
    return [(first + timedelta(days=i), pending.get(first + timedelta(days=i), 0),
             total.get(first + timedelta(days=i), 0)) for i in range(days)]


def overdue_count(session: DbSession, user_id: int) -> int:
    """Pending appointments whose time has passed."""
    return int(session.scalar(select(func.count()).where(
        Appointment.user_id == user_id, Appointment.status == AppointmentStatus.PENDING,
        Appointment.at < clock.now())) or 0)
