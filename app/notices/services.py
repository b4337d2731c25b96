"""Publishing notices to everyone, an org (and below) or chosen people; receipts, pop-ups and the ticker.

Publishing writes one receipt row per recipient who is active at that moment, so "who has read it"
is a plain query and people who join later do not inherit old notices. Urgent notices (紧急) and
major announcements (重大公告) pop up on every page until the recipient acknowledges (知悉) them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, insert, or_, select, update

from app import clock
from app.admin import params
from app.auth.models import Role, User, UserStatus, user_roles
from app.auth.permissions import ADMIN_ROLE
from app.database import DbSession, write_soon
from app.errors import Conflict, NotFound, ValidationFailed
from app.notices.models import Audience, Notice, NoticeLevel, NoticeReceipt, NoticeTemplate
from app.org.models import Org

TICKER_DAYS = params.define("notices.ticker_days", "int", 7, "状态栏滚动通知天数",
                            "发布后多少天内的通知标题在顶部状态栏滚动显示", section="日常管理", minimum=1)
TICKER_LIMIT = 10


# --- templates (内容模板维护) ------------------------------------------------------------------------------


def _template_values(name: str, title: str, body: str) -> tuple[str, str, str]:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写模板名称")
    return name[:100], (title or "").strip()[:200], (body or "").strip()


def create_template(session: DbSession, *, name: str, title: str, body: str) -> NoticeTemplate:
    name, title, body = _template_values(name, title, body)
    if session.scalar(select(NoticeTemplate.id).where(NoticeTemplate.name == name)):
        raise Conflict(f"模板“{name}”已存在")
    template = NoticeTemplate(name=name, title=title, body=body)
    session.add(template)
    session.flush()
    return template


def update_template(session: DbSession, template: NoticeTemplate, *, name: str, title: str, body: str) -> None:
    name, title, body = _template_values(name, title, body)
    if session.scalar(select(NoticeTemplate.id).where(NoticeTemplate.name == name,
                                                      NoticeTemplate.id != template.id)):
        raise Conflict(f"模板“{name}”已存在")
    template.name, template.title, template.body = name, title, body
    session.flush()


def set_template_active(session: DbSession, template: NoticeTemplate, active: bool) -> None:
    template.active = active
    session.flush()


def get_template(session: DbSession, template_id: int) -> NoticeTemplate:
    template = session.get(NoticeTemplate, template_id)
    if template is None:
        raise NotFound("内容模板不存在")
    return template


def templates(session: DbSession, active_only: bool = False) -> list[NoticeTemplate]:
    stmt = select(NoticeTemplate)
    if active_only:
        stmt = stmt.where(NoticeTemplate.active.is_(True))
    return list(session.scalars(stmt.order_by(NoticeTemplate.name)))


# --- publishing ------------------------------------------------------------------------------------------


def recipients(session: DbSession, audience: Audience, org_id: int | None, user_ids: list[int]) -> list[int]:
    """Ids of the active employees an audience means now."""
    stmt = select(User.id).where(User.status == UserStatus.ACTIVE)
    if audience == Audience.ORG:
        org = session.get(Org, org_id) if org_id else None
        if org is None:
            raise ValidationFailed("请选择接收通知的组织")
        stmt = stmt.join(Org, Org.id == User.org_id).where(Org.path.startswith(org.path))
    elif audience == Audience.USERS:
        if not user_ids:
            raise ValidationFailed("请选择接收通知的人员")
        stmt = stmt.where(User.id.in_(user_ids))
    ids = list(session.scalars(stmt.order_by(User.id)))
    if not ids:
        raise ValidationFailed("没有可接收该通知的在职员工")
    return ids


def system_publisher(session: DbSession) -> User | None:
    """Who system notices (reminders the scheduler sends) appear from: the first active admin account."""
    return session.scalar(select(User).join(user_roles, user_roles.c.user_id == User.id)
                          .join(Role, Role.id == user_roles.c.role_id)
                          .where(Role.code == ADMIN_ROLE, User.status == UserStatus.ACTIVE)
                          .order_by(User.id).limit(1))


def publish(session: DbSession, publisher: User, *, title: str, body: str, level: NoticeLevel, major: bool,
            audience: Audience, org_id: int | None = None, user_ids: list[int] | None = None,
            expires_at: datetime | None = None) -> Notice:
    """Publish a notice and give every recipient an unread receipt."""
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise ValidationFailed("请填写通知标题和内容")
    if len(title) > 200:
        raise ValidationFailed("通知标题不能超过 200 字")
    now = clock.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed("截止时间须晚于现在")
    people = recipients(session, audience, org_id, list(user_ids or []))
    notice = Notice(title=title, body=body, level=level, major=major, audience=audience,
                    audience_org_id=org_id if audience == Audience.ORG else None, published_by_id=publisher.id,
                    published_at=now, expires_at=expires_at)
    session.add(notice)
    session.flush()
    session.execute(insert(NoticeReceipt), [{"notice_id": notice.id, "user_id": uid} for uid in people])
    return notice


def withdraw(session: DbSession, notice: Notice) -> None:
    """撤回: the notice leaves every list, the ticker and pop-ups; receipts stay for the record."""
    if notice.withdrawn_at is not None:
        raise Conflict("该通知已撤回")
    notice.withdrawn_at = clock.now()
    session.flush()


def get_notice(session: DbSession, notice_id: int) -> Notice:
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NotFound("通知不存在")
    return notice


def admin_listing() -> Select[Any]:
    return select(Notice).order_by(Notice.published_at.desc(), Notice.id.desc())


def receipt_counts(session: DbSession, notices: list[Notice]) -> dict[int, tuple[int, int]]:
    """Notice id → (read, recipients), for one page of notices in one query."""
    rows = session.execute(select(NoticeReceipt.notice_id, func.count(NoticeReceipt.read_at), func.count())
                           .where(NoticeReceipt.notice_id.in_([n.id for n in notices]))
                           .group_by(NoticeReceipt.notice_id)).all()
    return {notice_id: (read, total) for notice_id, read, total in rows}


def receipts(session: DbSession, notice: Notice) -> list[NoticeReceipt]:
    """Every recipient with read and acknowledgement times (回执), unread first."""
    return list(session.scalars(select(NoticeReceipt).join(User, User.id == NoticeReceipt.user_id)
                                .where(NoticeReceipt.notice_id == notice.id)
                                .order_by(NoticeReceipt.read_at.is_not(None), User.work_no)))


# --- what a recipient sees ------------------------------------------------------------------------------


def _current(now: datetime) -> ColumnElement[bool]:
    return and_(Notice.withdrawn_at.is_(None), or_(Notice.expires_at.is_(None), Notice.expires_at > now))


def mine(user: User) -> Select[Any]:
    """My notices, newest first (withdrawn ones are gone); :func:`my_receipts` gives the receipts of a page."""
    return (select(Notice).join(NoticeReceipt, NoticeReceipt.notice_id == Notice.id)
            .where(NoticeReceipt.user_id == user.id, Notice.withdrawn_at.is_(None))
            .order_by(Notice.published_at.desc(), Notice.id.desc()))


def my_receipts(session: DbSession, user: User, notices: list[Notice]) -> dict[int, NoticeReceipt]:
    return {r.notice_id: r for r in session.scalars(select(NoticeReceipt).where(
        NoticeReceipt.user_id == user.id, NoticeReceipt.notice_id.in_([n.id for n in notices])))}


def received(session: DbSession, user: User, notice_id: int) -> tuple[Notice, NoticeReceipt]:
    """A notice the user received; anyone else's looks missing."""
    row = session.execute(select(Notice, NoticeReceipt).join(NoticeReceipt, NoticeReceipt.notice_id == Notice.id)
                          .where(Notice.id == notice_id, NoticeReceipt.user_id == user.id,
                                 Notice.withdrawn_at.is_(None))).first()
    if row is None:
        raise NotFound("通知不存在或您无权查看")
    return row[0], row[1]


def ticker(session: DbSession, user: User, now: datetime) -> list[Notice]:
    """Titles for the status bar: my current notices of the last days, newest first."""
    since = now - timedelta(days=params.get_int(TICKER_DAYS, session))
    return list(session.scalars(select(Notice).join(NoticeReceipt, NoticeReceipt.notice_id == Notice.id)
                                .where(NoticeReceipt.user_id == user.id, _current(now), Notice.published_at >= since)
                                .order_by(Notice.published_at.desc()).limit(TICKER_LIMIT)))


def pending_popup(session: DbSession, user: User, now: datetime) -> Notice | None:
    """The oldest urgent notice or major announcement the user has not acknowledged yet."""
    return session.scalar(select(Notice).join(NoticeReceipt, NoticeReceipt.notice_id == Notice.id)
                          .where(NoticeReceipt.user_id == user.id, NoticeReceipt.acknowledged_at.is_(None),
                                 _current(now), or_(Notice.level == NoticeLevel.URGENT, Notice.major.is_(True)))
                          .order_by(Notice.published_at, Notice.id).limit(1))


def major(session: DbSession, user: User, now: datetime, limit: int = 5) -> list[tuple[Notice, NoticeReceipt]]:
    """Current major announcements (重大公告) for the home page."""
    rows = session.execute(select(Notice, NoticeReceipt).join(NoticeReceipt, NoticeReceipt.notice_id == Notice.id)
                           .where(NoticeReceipt.user_id == user.id, Notice.major.is_(True), _current(now))
                           .order_by(Notice.published_at.desc()).limit(limit)).all()
    return [(n, r) for n, r in rows]


def unread_count(session: DbSession, user: User) -> int:
    return session.scalar(select(func.count()).select_from(NoticeReceipt).join(Notice)
                          .where(NoticeReceipt.user_id == user.id, NoticeReceipt.read_at.is_(None),
                                 Notice.withdrawn_at.is_(None))) or 0


def mark_read(notice: Notice, user: User) -> None:
    """Record the first reading (a page view, so it may run inside a read-only request)."""
    write_soon(update(NoticeReceipt).where(NoticeReceipt.notice_id == notice.id, NoticeReceipt.user_id == user.id,
                                           NoticeReceipt.read_at.is_(None)).values(read_at=clock.now()))


def acknowledge(session: DbSession, notice: Notice, receipt: NoticeReceipt) -> None:
    """我已知悉: the pop-up stops; acknowledging also counts as reading."""
    now = clock.now()
    receipt.acknowledged_at = receipt.acknowledged_at or now
    receipt.read_at = receipt.read_at or now
    session.flush()
