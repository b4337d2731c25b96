"""Instant messages: one-to-one conversations between active employees, unread counts, history.

A conversation is every message between two people; each user reaches only conversations they are a
party to, because every query is built from the caller's own id and the other person's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update

from app import clock
from app.auth.models import User, UserStatus
from app.chat.models import ChatMessage
from app.database import DbSession, write_soon
from app.errors import NotFound, ValidationFailed
from app.org.models import Org

MAX_LENGTH = 2000
PAGE = 50


@dataclass(frozen=True)
class Contact:
    user: User
    last: ChatMessage
    unread: int


def _between(user_id: int, other_id: int) -> Any:
    return or_(and_(ChatMessage.sender_id == user_id, ChatMessage.recipient_id == other_id),
               and_(ChatMessage.sender_id == other_id, ChatMessage.recipient_id == user_id))


def partner(session: DbSession, user: User, other_id: int) -> User:
    """The other person of a conversation (someone who left keeps their history)."""
    other = session.get(User, other_id)
    if other is None or other.id == user.id:
        raise NotFound("联系人不存在")
    return other


def contacts(session: DbSession, user: User) -> list[Contact]:
    """My conversations, most recent first, with the last message and how many I have not read."""
    other = case((ChatMessage.sender_id == user.id, ChatMessage.recipient_id), else_=ChatMessage.sender_id)
    unread = func.sum(case((and_(ChatMessage.recipient_id == user.id, ChatMessage.read_at.is_(None)), 1), else_=0))
    rows = session.execute(select(other.label("other_id"), func.max(ChatMessage.id).label("last_id"),
                                  unread.label("unread"))
                           .where(or_(ChatMessage.sender_id == user.id, ChatMessage.recipient_id == user.id))
                           .group_by(other).order_by(func.max(ChatMessage.id).desc()).limit(200)).all()
    if not rows:
        return []
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_([r.other_id for r in rows])))}
    lasts = {m.id: m for m in session.scalars(select(ChatMessage).where(
        ChatMessage.id.in_([r.last_id for r in rows])))}
    return [Contact(users[r.other_id], lasts[r.last_id], int(r.unread or 0)) for r in rows]


def directory(session: DbSession, user: User, text: str = "") -> list[User]:
    """Active colleagues to start a conversation with, by name or 工号."""
    stmt = (select(User).join(Org, Org.id == User.org_id)
            .where(User.status == UserStatus.ACTIVE, User.id != user.id))
    if text:
        stmt = stmt.where(or_(User.name.contains(text, autoescape=True), User.work_no.contains(text, autoescape=True)))
    return list(session.scalars(stmt.order_by(Org.path, User.work_no).limit(30)))


def send(session: DbSession, sender: User, recipient_id: int, body: str) -> ChatMessage:
    """Send a text to an active colleague."""
    recipient = partner(session, sender, recipient_id)
    if recipient.status != UserStatus.ACTIVE:
        raise ValidationFailed(f"{recipient.name} 已离职，不能再发送消息")
    body = (body or "").strip()
    if not body:
        raise ValidationFailed("请输入消息内容")
    if len(body) > MAX_LENGTH:
        raise ValidationFailed(f"消息不能超过 {MAX_LENGTH} 字")
    message = ChatMessage(sender_id=sender.id, recipient_id=recipient.id, body=body, sent_at=clock.now())
    session.add(message)
    session.flush()
    return message


def history(session: DbSession, user: User, other: User, *, after: int = 0, before: int = 0) -> list[ChatMessage]:
    """Messages of one conversation in order: newer than ``after`` (polling), else the page before ``before``."""
    stmt = select(ChatMessage).where(_between(user.id, other.id))
    if after:
        return list(session.scalars(stmt.where(ChatMessage.id > after).order_by(ChatMessage.id).limit(PAGE * 4)))
    if before:
        stmt = stmt.where(ChatMessage.id < before)
    newest_first = list(session.scalars(stmt.order_by(ChatMessage.id.desc()).limit(PAGE)))
    return newest_first[::-1]


def mark_read(user: User, other: User) -> None:
    """What the other person sent me is read once I look at the conversation (a GET, so a separate write)."""
    write_soon(update(ChatMessage).where(ChatMessage.sender_id == other.id, ChatMessage.recipient_id == user.id,
                                         ChatMessage.read_at.is_(None)).values(read_at=clock.now()))


def unread_total(session: DbSession, user: User) -> int:
    return session.scalar(select(func.count()).select_from(ChatMessage).where(
        ChatMessage.recipient_id == user.id, ChatMessage.read_at.is_(None))) or 0
