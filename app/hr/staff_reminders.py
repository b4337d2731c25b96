"""Certificate expiry reminders (资格证书到期提醒): what is inside the window, and the one notice per certificate.

A certificate enters the window ``hr.certificate_remind_days`` days before it expires and stays there once
expired. HR sees the window of the staff in its data scope on the home page, a holder sees their own, and the
scheduler job (``scheduler/hr_certificates.py``) sends the holder one system notice (系统通知) per certificate
and expiry date — a renewed certificate (new expiry date) is reminded again when its new date comes near.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import selectinload

from app import clock
from app.admin import dictionaries, params
from app.auth.models import User, UserStatus
from app.database import DbSession
from app.hr.staff import CERTIFICATE_DAYS, CERTIFICATE_TYPE
from app.hr.staff_models import StaffCertificate
from app.notices import services as notices
from app.notices.models import Audience, NoticeLevel
from app.org import scope as data_scope


def window_days(session: DbSession) -> int:
    return params.get_int(CERTIFICATE_DAYS, session)


def _in_window(today: date, days: int) -> ColumnElement[bool]:
    return StaffCertificate.expires_on.is_not(None) & (StaffCertificate.expires_on <= today + timedelta(days=days))


def expiring(scope: data_scope.Scope, today: date, days: int) -> Select[Any]:
    """Certificates of active staff in the scope that expire within ``days`` or have expired, soonest first."""
    stmt = (select(StaffCertificate).join(User, User.id == StaffCertificate.user_id)
            .where(_in_window(today, days), User.status == UserStatus.ACTIVE)
            .options(selectinload(StaffCertificate.user).selectinload(User.org))
            .order_by(StaffCertificate.expires_on, StaffCertificate.id))
    return data_scope.apply(stmt, scope, User.org_id, User.id)


def mine(session: DbSession, user: User) -> list[StaffCertificate]:
    """The holder's own certificates, soonest expiry first (长期有效 last)."""
    return list(session.scalars(select(StaffCertificate).where(StaffCertificate.user_id == user.id)
                                .order_by(StaffCertificate.expires_on.is_(None), StaffCertificate.expires_on,
                                          StaffCertificate.id)))


def _notice_text(certificate: StaffCertificate, label: str, today: date) -> tuple[str, str]:
    expires = certificate.expires_on
    assert expires is not None
    holder = certificate.user
    if expires < today:
        title = f"资格证书已过期：{label}（{expires:%Y-%m-%d}）"
        when = f"已于 {expires:%Y年%m月%d日} 过期"
    else:
        title = f"资格证书即将到期：{label}（{expires:%Y-%m-%d}）"
        when = f"将于 {expires:%Y年%m月%d日} 到期（还剩 {(expires - today).days} 天）"
    body = (f"{holder.name}：\n\n您的{label}（证书编号 {certificate.number}）{when}。请尽快办理续期，"
            "并将新证书交人事更新员工信息；证书过期期间不得从事相应业务。\n\n人事管理")
    return title, body


def send_due(session: DbSession, now: datetime) -> str:
    """Send one notice per certificate newly inside the window (active holders only); return a Chinese summary."""
    today = clock.local(now).date()  # type: ignore[union-attr]
    due = list(session.scalars(
        select(StaffCertificate).join(User, User.id == StaffCertificate.user_id)
        .where(_in_window(today, window_days(session)), User.status == UserStatus.ACTIVE,
               or_(StaffCertificate.reminded_for.is_(None),
                   StaffCertificate.reminded_for != StaffCertificate.expires_on))
        .options(selectinload(StaffCertificate.user))
        .order_by(StaffCertificate.expires_on, StaffCertificate.id).with_for_update(of=StaffCertificate)))
    if not due:
        return "没有新进入提醒期的资格证书"
    publisher = notices.system_publisher(session)
    if publisher is None:
        return f"{len(due)} 本资格证书待提醒，但没有在职的系统管理员可作为通知发布人"
    labels = dict(dictionaries.choices(session, CERTIFICATE_TYPE))
    for certificate in due:
        label = labels.get(certificate.cert_type) or dictionaries.label(session, CERTIFICATE_TYPE,
                                                                        certificate.cert_type)
        title, body = _notice_text(certificate, label, today)
        notices.publish(session, publisher, title=title, body=body, level=NoticeLevel.NORMAL, major=False,
                        audience=Audience.USERS, user_ids=[certificate.user_id])
        certificate.reminded_for = certificate.expires_on
    session.flush()
    return f"已向 {len({c.user_id for c in due})} 名员工发送 {len(due)} 条资格证书到期提醒"
