"""Complaints: categories, filing (by a seat or the API), who sees which complaint, the overdue list.

Filing writes the complaint and starts its 投诉处理 instance (``bpmn/complaint.bpmn``) in one transaction: a
refusal anywhere (customer outside the filer's scope, empty content, no handler) writes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import selectinload

from app import clock, sequences, workflow
from app.auth.models import Role, User
from app.complaints import sla
from app.complaints.access import VIEW
from app.complaints.models import (
    OPEN_STATUSES,
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintSeverity,
    ComplaintStatus,
)
from app.customers import services as customer_services
from app.database import DbSession
from app.errors import NotFound, ValidationFailed
from app.org import scope as data_scope
from app.org.models import Org

PROCESS_KEY = "complaint"
BUSINESS_PREFIX = "complaint"
CONTENT_MAX = 4000
NUMBER_SEQUENCE = "complaint"


# --- categories ------------------------------------------------------------------------------------------------


def categories(session: DbSession, active_only: bool = False) -> list[ComplaintCategory]:
    stmt = select(ComplaintCategory).order_by(ComplaintCategory.sort, ComplaintCategory.id)
    if active_only:
        stmt = stmt.where(ComplaintCategory.active.is_(True))
    return list(session.scalars(stmt))


def get_category(session: DbSession, category_id: int) -> ComplaintCategory:
    category = session.get(ComplaintCategory, category_id)
    if category is None:
        raise NotFound("投诉类别不存在")
    return category


def save_category(session: DbSession, category: ComplaintCategory | None, *, name: str, handler_role: str,
                  org_id: int | None, sla_hours: int | None, sort: int = 0) -> ComplaintCategory:
    """Create or change a category; every value is checked before anything is written."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写类别名称")
    if len(name) > 60:
        raise ValidationFailed("类别名称不能超过 60 个字")
    clash = session.scalar(select(ComplaintCategory.id).where(ComplaintCategory.name == name))
    if clash is not None and (category is None or clash != category.id):
        raise ValidationFailed(f"投诉类别“{name}”已存在")
    if not handler_role or session.scalar(select(Role.id).where(Role.code == handler_role)) is None:
        raise ValidationFailed("请选择处理角色")
    if org_id is not None and session.get(Org, org_id) is None:
        raise ValidationFailed("处理部门不存在")
    if sla_hours is None:
        raise ValidationFailed("请填写处理时限（小时）")
    try:
        sla.check_hours(sla_hours)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from exc
    if category is None:
        category = ComplaintCategory(name=name, handler_role=handler_role, org_id=org_id, sla_hours=sla_hours,
                                     sort=sort)
        session.add(category)
    else:
        category.name, category.handler_role, category.org_id = name, handler_role, org_id
        category.sla_hours, category.sort = sla_hours, sort
    session.flush()
    return category


def set_category_active(session: DbSession, category: ComplaintCategory, active: bool) -> None:
    category.active = active
    session.flush()


# --- filing -----------------------------------------------------------------------------------------------------


def _enum(enum: Any, value: Any, what: str) -> Any:
    try:
        return enum(value)
    except ValueError as exc:
        raise ValidationFailed(f"{what}无效，可选：" + "、".join(m.label for m in enum)) from exc


def file(session: DbSession, user: User, *, customer_id: int, category_id: int | None, channel: str, content: str,
         severity: str = ComplaintSeverity.NORMAL.value) -> Complaint:
    """登记投诉: check everything, write the complaint and start its 投诉处理 instance."""
    customer = customer_services.get_customer(session, customer_services.customer_scope(session, user), customer_id)
    category = session.get(ComplaintCategory, category_id) if category_id else None
    if category is None or not category.active:
        raise ValidationFailed("请选择有效的投诉类别")
    channel_value = _enum(ComplaintChannel, channel, "投诉渠道")
    severity_value = _enum(ComplaintSeverity, severity or ComplaintSeverity.NORMAL.value, "严重程度")
    content = (content or "").strip()
    if not content:
        raise ValidationFailed("请填写投诉内容")
    if len(content) > CONTENT_MAX:
        raise ValidationFailed(f"投诉内容不能超过 {CONTENT_MAX} 个字")
    now = clock.now()
    serial = sequences.allocate(session, NUMBER_SEQUENCE)
    complaint = Complaint(
        number=f"TS{clock.today():%Y%m%d}{serial:06d}", customer_id=customer.id, category_id=category.id,
        channel=channel_value, content=content, severity=severity_value, status=ComplaintStatus.HANDLING,
        org_id=customer.service_org_id or user.org_id, filed_by_id=user.id,
        due_at=sla.due_at(now, category.sla_hours), created_at=now)
    session.add(complaint)
    session.flush()
    instance = workflow.start(
        session, PROCESS_KEY, business_key=f"{BUSINESS_PREFIX}:{complaint.id}",
        title=f"投诉 {complaint.number} · {customer.name}"[:200], org_id=complaint.org_id,
        owner_id=customer.service_seat_id or user.id, actor=user, related=[f"customer:{customer.id}"],
        data={"complaint_id": complaint.id, "complaint_number": complaint.number, "customer_id": customer.id,
              "category_id": category.id, "sla_duration": sla.timer_duration(category.sla_hours)})
    complaint.process_instance_id = instance.id
    session.flush()
    return complaint


# --- who sees what ----------------------------------------------------------------------------------------------


def viewing_scope(session: DbSession, user: User) -> data_scope.Scope:
    return data_scope.scope_of(session, user, VIEW)


def visible(scope: data_scope.Scope) -> ColumnElement[bool]:
    """Complaints of orgs in scope, and those the user handles or filed."""
    return or_(data_scope.org_condition(scope, Complaint.org_id, Complaint.handler_id),
               Complaint.filed_by_id == scope.user_id)


def get_visible(session: DbSession, user: User, complaint_id: int) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    scope = viewing_scope(session, user)
    if complaint is None or not (data_scope.covers(session, scope, complaint.org_id, complaint.handler_id)
                                 or complaint.filed_by_id == user.id):
        raise NotFound("投诉不存在或您无权查看")
    return complaint


VIEWS = ("all", "open", "overdue", "mine")


def listing(session: DbSession, user: User, *, view: str = "all", category_id: int | None = None,
            customer_id: int | None = None) -> Select[Any]:
    """投诉列表: all / open 未结案 / overdue 超时未结案 / mine 我的投诉 (handled by me); newest first, in scope."""
    stmt = select(Complaint).where(visible(viewing_scope(session, user))).options(
        selectinload(Complaint.customer), selectinload(Complaint.category), selectinload(Complaint.handler))
    if view == "open":
        stmt = stmt.where(Complaint.status.in_(OPEN_STATUSES))
    elif view == "overdue":
        stmt = stmt.where(Complaint.status.in_(OPEN_STATUSES), Complaint.due_at < clock.now())
    elif view == "mine":
        stmt = stmt.where(Complaint.handler_id == user.id)
    if category_id:
        stmt = stmt.where(Complaint.category_id == category_id)
    if customer_id:
        stmt = stmt.where(Complaint.customer_id == customer_id)
    return stmt.order_by(Complaint.created_at.desc(), Complaint.id.desc())


def overdue_by_category(session: DbSession, user: User) -> list[tuple[str, int]]:
    """Open complaints past their due time per category (in scope), the most first: the 超时投诉 chart."""
    rows = session.execute(
        select(ComplaintCategory.name, func.count(Complaint.id))
        .join(Complaint, Complaint.category_id == ComplaintCategory.id)
        .where(visible(viewing_scope(session, user)), Complaint.status.in_(OPEN_STATUSES),
               Complaint.due_at < clock.now())
        .group_by(ComplaintCategory.name).order_by(func.count(Complaint.id).desc(), ComplaintCategory.name))
    return [(name, int(n)) for name, n in rows]
