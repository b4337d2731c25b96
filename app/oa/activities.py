"""Offline activities (活动管理): plan a salon or seminar, invite customers (邀约), record attendance.

Who sees an activity: everyone in the organising org and below it (a branch's salon is open to every
seat of the branch to invite to), and managers whose scope covers the organising org. Invitees are
customers' personal data: a seat sees the people they invited; managers of the activity see all.
Recording someone as attended sends ``app.signals.activity_attended`` so the customers domain can
log the attendance as a follow-up (跟进) on the customer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select

from app import clock, signals
from app.admin import dictionaries
from app.auth.models import User
from app.customers import services as customer_services
from app.customers.models import Customer
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.oa.models import Activity, ActivityInvitee, ActivityStatus, Branch, InviteeStatus
from app.org import scope as data_scope
from app.org.models import Org
from app.org.scope import Scope

KINDS = dictionaries.define("oa_activity_kind", "活动类型", [
    ("salon", "理财沙龙"), ("seminar", "投资讲座"), ("appreciation", "客户答谢会"), ("other", "其他活动")])


def visible_condition(user: User, manage_scope: Scope | None) -> ColumnElement[bool]:
    """Activities of the user's own org or any org above it, those they organise, and those a manager covers."""
    managed = data_scope.org_condition(manage_scope, Activity.org_id) if manage_scope is not None else false()
    return or_(Activity.org_id.in_(user.org.ancestor_ids), Activity.organizer_id == user.id, managed)


def get_visible(session: DbSession, user: User, activity_id: int, manage_scope: Scope | None) -> Activity:
    activity = session.scalar(select(Activity).where(Activity.id == activity_id,
                                                     visible_condition(user, manage_scope)))
    if activity is None:
        raise NotFound("活动不存在或您无权查看")
    return activity


def listing(user: User, manage_scope: Scope | None, when: str = "upcoming") -> Select[Any]:
    stmt = select(Activity).where(visible_condition(user, manage_scope))
    now = clock.now()
    if when == "upcoming":
        return stmt.where(Activity.ends_at >= now).order_by(Activity.starts_at)
    if when == "past":
        stmt = stmt.where(Activity.ends_at < now)
    return stmt.order_by(Activity.starts_at.desc())


def manages(session: DbSession, manage_scope: Scope | None, activity: Activity) -> bool:
    """Whether a manager's scope covers the activity's organising org."""
    return manage_scope is not None and data_scope.covers(session, manage_scope, activity.org_id)


def organising_orgs(session: DbSession, manage_scope: Scope) -> list[Org]:
    return list(session.scalars(data_scope.apply(select(Org), manage_scope, Org.id)
                                .where(Org.active.is_(True)).order_by(Org.path)))


def _check(session: DbSession, manage_scope: Scope, values: dict[str, Any]) -> dict[str, Any]:
    if not (values.get("title") or "").strip():
        raise ValidationFailed("请填写活动名称")
    if values["kind"] not in {code for code, _ in dictionaries.choices(session, KINDS)}:
        raise ValidationFailed("请选择有效的活动类型")
    starts, ends = values["starts_at"], values["ends_at"]
    if not isinstance(starts, datetime) or not isinstance(ends, datetime) or ends <= starts:
        raise ValidationFailed("结束时间须晚于开始时间")
    if values["org_id"] not in {o.id for o in organising_orgs(session, manage_scope)}:
        raise ValidationFailed("主办组织须在您的管理范围内")
    branch_id = values.get("branch_id") or None
    if branch_id is not None:
        branch = session.get(Branch, branch_id)
        if branch is None or not branch.active:
            raise ValidationFailed("举办网点无效")
    capacity = int(values.get("capacity") or 0)
    if capacity < 0:
        raise ValidationFailed("人数上限不能为负数")
    return {"title": values["title"].strip()[:200], "kind": values["kind"], "starts_at": starts, "ends_at": ends,
            "location": (values.get("location") or "").strip()[:200], "branch_id": branch_id, "capacity": capacity,
            "description": (values.get("description") or "").strip(), "org_id": values["org_id"]}


def local_to_utc(moment: datetime) -> datetime:
    """A time typed in the browser (Asia/Shanghai, naive) as an aware UTC time."""
    return (moment.replace(tzinfo=clock.SHANGHAI) if moment.tzinfo is None else moment).astimezone(UTC)


def create(session: DbSession, organizer: User, manage_scope: Scope, values: dict[str, Any]) -> Activity:
    """Plan a new activity of an org the organizer manages."""
    activity = Activity(organizer_id=organizer.id, status=ActivityStatus.PLANNED, **_check(session, manage_scope,
                                                                                           values))
    session.add(activity)
    session.flush()
    return activity


def update(session: DbSession, activity: Activity, manage_scope: Scope, values: dict[str, Any]) -> None:
    if not manages(session, manage_scope, activity):
        raise NotFound("活动不存在或您无权修改")
    if activity.status != ActivityStatus.PLANNED:
        raise Conflict("只有筹备中的活动可以修改")
    for key, value in _check(session, manage_scope, values).items():
        setattr(activity, key, value)
    session.flush()


def unrecorded(session: DbSession, activity: Activity) -> int:
    """Invitees whose attendance (到场 / 未到) has not been recorded yet."""
    tally = counts(session, activity)
    return tally["total"] - tally[InviteeStatus.ATTENDED.value] - tally[InviteeStatus.ABSENT.value]


def set_status(session: DbSession, activity: Activity, manage_scope: Scope, status: ActivityStatus, *,
               confirmed: bool = False) -> None:
    """结束 or 取消 a planned activity.

    结束 says the activity took place: not before it starts (a salon not held yet is 取消), and with invitees
    whose attendance is not recorded only when the manager confirms it (attendance can still be added later).
    """
    if not manages(session, manage_scope, activity):
        raise NotFound("活动不存在或您无权修改")
    if activity.status != ActivityStatus.PLANNED:
        raise Conflict(f"活动{activity.status.label}")
    if status == ActivityStatus.FINISHED:
        if activity.starts_at > clock.now():
            raise ValidationFailed(f"活动尚未开始（{clock.local(activity.starts_at):%Y-%m-%d %H:%M} 开始），不能结束；"
                                   "不再举办请取消活动")
        missing = unrecorded(session, activity)
        if missing and not confirmed:
            raise Conflict(f"还有 {missing} 位邀约客户未登记到场情况：请先登记到场或未到，"
                           "或确认后结束（结束后仍可补登）")
    activity.status = status
    session.flush()


def invitees(session: DbSession, activity: Activity, user: User, manager: bool) -> list[ActivityInvitee]:
    """The invitees the user may see: all for the activity's managers, else their own."""
    stmt = select(ActivityInvitee).where(ActivityInvitee.activity_id == activity.id)
    if not manager:
        stmt = stmt.where(ActivityInvitee.invited_by_id == user.id)
    return list(session.scalars(stmt.order_by(ActivityInvitee.id)))


def counts(session: DbSession, activity: Activity) -> dict[str, int]:
    rows = session.execute(select(ActivityInvitee.status, func.count()).where(
        ActivityInvitee.activity_id == activity.id).group_by(ActivityInvitee.status)).all()
    by_status = {InviteeStatus(status).value: n for status, n in rows}
    return {"total": sum(by_status.values()), **{s.value: by_status.get(s.value, 0) for s in InviteeStatus}}


def invitable_customers(session: DbSession, user: User, text: str, limit: int = 10) -> list[Customer]:
    """Customers in the user's customer scope whose number starts with, or whose name contains, the text."""
    text = text.strip()
    if not text:
        return []
    stmt = customer_services.scoped(select(Customer), customer_services.customer_scope(session, user)).where(
        or_(Customer.number.startswith(text.upper(), autoescape=True), Customer.name.contains(text, autoescape=True)))
    return list(session.scalars(stmt.order_by(Customer.number).limit(limit)))


def customer_by_number(session: DbSession, user: User, number: str) -> Customer:
    """The customer a number (客户编号, or a merged one's) names, if it is in the user's customer scope."""
    number = number.strip().upper()
    found = customer_services.resolve_number(session, number)
    scope = customer_services.customer_scope(session, user)
    customer = session.get(Customer, found) if found is not None else None
    if customer is None or not data_scope.covers(session, scope, customer.service_org_id, customer.service_seat_id):
        raise ValidationFailed(f"客户编号 {number} 不存在或不是您服务范围内的客户，请从搜索结果中选择")
    return customer


def customer_numbers(session: DbSession, invitees: list[ActivityInvitee]) -> dict[int, str]:
    """客户编号 of the invitees linked to a customer, by customer id."""
    ids = {i.customer_id for i in invitees if i.customer_id is not None}
    rows = session.execute(select(Customer.id, Customer.number).where(Customer.id.in_(ids))).all() if ids else []
    return {customer_id: number for customer_id, number in rows}


def invite(session: DbSession, activity: Activity, user: User, *, name: str, phone: str = "",
           customer_number: str = "", remark: str = "") -> ActivityInvitee:
    """邀约: add a customer (by 客户编号, within the user's customers) or another guest, within capacity."""
    if activity.status != ActivityStatus.PLANNED:
        raise Conflict(f"活动{activity.status.label}，不能再邀约")
    name, phone = (name or "").strip(), (phone or "").strip()
    customer = customer_by_number(session, user, customer_number) if (customer_number or "").strip() else None
    if customer is not None:
        name = name or customer.name
        if session.scalar(select(ActivityInvitee.id).where(ActivityInvitee.activity_id == activity.id,
                                                           ActivityInvitee.customer_id == customer.id)):
            raise Conflict(f"客户 {customer.number} 已在邀约名单中")
    if not name:
        raise ValidationFailed("请填写客户姓名，或输入客户编号")
    total = counts(session, activity)["total"]
    if activity.capacity and total >= activity.capacity:
        raise Conflict(f"活动人数已满（上限 {activity.capacity} 人）")
    if phone and session.scalar(select(ActivityInvitee.id).where(ActivityInvitee.activity_id == activity.id,
                                                                 ActivityInvitee.phone == phone)):
        raise Conflict(f"电话 {phone} 已在邀约名单中")
    invitee = ActivityInvitee(activity_id=activity.id, name=name[:50], phone=phone[:30],
                              customer_id=customer.id if customer is not None else None,
                              invited_by_id=user.id, remark=(remark or "").strip()[:200])
    session.add(invitee)
    session.flush()
    return invitee


def get_invitee(session: DbSession, activity: Activity, invitee_id: int, user: User, manager: bool
                ) -> ActivityInvitee:
    invitee = session.get(ActivityInvitee, invitee_id)
    if invitee is None or invitee.activity_id != activity.id or not (manager or invitee.invited_by_id == user.id):
        raise NotFound("邀约记录不存在或您无权查看")
    return invitee


def record_attendance(session: DbSession, activity: Activity, invitee: ActivityInvitee, user: User,
                      status: InviteeStatus) -> None:
    """Confirm, sign in (签到) or mark absent; attendance is announced to the customers domain."""
    if activity.status == ActivityStatus.CANCELLED:
        raise Conflict("活动已取消")
    if status in (InviteeStatus.ATTENDED, InviteeStatus.ABSENT) and activity.starts_at > clock.now():
        raise ValidationFailed("活动开始后才能登记到场情况")
    was_attended = invitee.status == InviteeStatus.ATTENDED
    invitee.status = status
    invitee.attended_at = clock.now() if status == InviteeStatus.ATTENDED else None
    session.flush()
    if status == InviteeStatus.ATTENDED and not was_attended:
        signals.activity_attended.send(session, activity=activity, invitee=invitee, actor=user)
