"""Log-in, lockout, server-side sessions, password changes and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import NoReturn

from flask import current_app, has_app_context
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from app import clock
from app.admin import params
from app.audit import services as audit
from app.auth import password_policy, throttle
from app.auth.models import ApiToken, LoginSession, User, UserStatus
from app.database import DbSession
from app.errors import Conflict, DomainError, ValidationFailed
from app.org import scope as data_scope
from app.org.scope import Scope

# scrypt (werkzeug's default KDF and cost); the hash string records its parameters, so a cheaper
# test setting (PASSWORD_HASH_METHOD) never weakens stored production hashes.
DEFAULT_PASSWORD_METHOD = "scrypt"  # noqa: S105  (a KDF name, not a password)

IDLE_TIMEOUT_MINUTES = params.define("auth.idle_timeout_minutes", "int", 30, "会话空闲超时（分钟）",
                                     "超过此时长无操作需重新登录", "安全", minimum=1)
# How stale last_seen_at may get before a request refreshes it (keeps GET requests read-only).
TOUCH_INTERVAL = timedelta(seconds=60)


class LoginFailed(DomainError):
    status = 401
    code = "login_failed"


class LoginThrottled(LoginFailed):
    status = 429
    code = "login_throttled"


@dataclass(frozen=True)
class NewSession:
    user: User
    token: str


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest under which a session or API token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_policy(password: str, username: str = "", name: str = "") -> None:
    """Refuse a password that is too short, too simple or guessable (app.auth.password_policy), in Chinese."""
    password_policy.check(password, username, name)


def _method() -> str:
    if has_app_context():
        return str(current_app.config.get("PASSWORD_HASH_METHOD", DEFAULT_PASSWORD_METHOD))
    return DEFAULT_PASSWORD_METHOD


def hash_password(password: str) -> str:
    """Hash a password with scrypt."""
    return generate_password_hash(password, method=_method())


def verify_password(user: User, password: str) -> bool:
    """Tell whether ``password`` is the user's current password."""
    return check_password_hash(user.password_hash, password)


def set_password(session: DbSession, user: User, password: str) -> None:
    """Change a user's password after checking the policy; every open session of theirs ends."""
    check_password_policy(password, user.username, user.name)
    user.password_hash = hash_password(password)
    user.password_changed_at = clock.now()
    revoke_user_sessions(session, user.id, reason="password_changed")


def authenticate(session: DbSession, username: str, password: str, ip: str, user_agent: str) -> NewSession:
    """Check credentials behind the shared throttle (app.auth.throttle); failures are counted in the database.

    The caller commits even when LoginFailed is raised, so the counters are kept. A throttled attempt is
    refused before any lookup, the same for known and unknown names.
    """
    now = clock.now()
    source = throttle.Source(ip, username)
    try:
        throttle.check(session, source)
    except throttle.Throttled as exc:
        raise LoginThrottled(exc.message) from None
    user = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    # An unknown name costs one scrypt check too, so timing does not tell which names exist.
    if not check_password_hash(user.password_hash if user is not None else _dummy_hash(), password) or user is None:
        _count_failure(session, source, user)
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise LoginFailed(f"账户已锁定，请 {minutes} 分钟后再试，或联系管理员解锁", code="account_locked")
    if user.status != UserStatus.ACTIVE:
        raise LoginFailed("账户已停用", code="account_disabled")
    throttle.record_success(session, source)
    # A login is one audit row by the user who logged in: its bookkeeping on the account is no edit of it
    # (a statement, not an attribute change the automatic diff would log as "修改 用户" by 匿名).
    session.execute(update(User).where(User.id == user.id).values(failed_logins=0, last_login_at=now))
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(user_id=user.id, token_hash=hash_token(token), ip=ip[:64],
                             user_agent=user_agent[:255], created_at=now, last_seen_at=now))
    session.flush()
    with audit.acting_as(audit.Actor(user.id, user.name, ip)):
        audit.record(session, "auth.login", user, summary=f"{user.username} 登录")
    return NewSession(user, token)


@cache
def _dummy_hash_for(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def _dummy_hash() -> str:
    """A hash of a random password with the current method: checking it costs what a real check costs."""
    return _dummy_hash_for(_method())


def _count_failure(session: DbSession, source: throttle.Source, user: User | None) -> NoReturn:
    """Count a wrong password on the shared throttle and refuse; the account itself is never locked."""
    locked = throttle.record_failure(session, source)
    if user is not None:
        # One atomic increment: two workers failing at once both count (shown to admins, locks nothing).
        session.execute(update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1))
        summary = f"{user.username} 密码错误" + ("，该来源已暂停登录" if locked else "")
        audit.record(session, "auth.locked" if locked else "auth.login_failed", user, summary=summary)
    if locked:
        minutes = params.get_int(throttle.LOCKOUT_MINUTES, session)
        raise LoginThrottled(f"尝试次数过多，请 {minutes} 分钟后再试")
    raise LoginFailed("用户名或密码错误")


def locked_until(session: DbSession, user: User) -> datetime | None:
    """Until when the account is locked (an old lock) or some source is paused from it (app.auth.throttle)."""
    if user.is_locked:
        return user.locked_until
    return throttle.paused_until(session, user.username)


def unlock(session: DbSession, user: User) -> None:
    """Clear a lockout and every log-in throttle on the account (admin action)."""
    user.locked_until = None
    user.failed_logins = 0
    throttle.clear_name(session, user.username)
    audit.record(session, "auth.unlock", user, summary=f"解锁 {user.username}")


def session_by_token(session: DbSession, token: str) -> LoginSession | None:
    """Return the live login session for a browser token, or None if revoked or unknown."""
    return session.scalar(
        select(LoginSession).where(LoginSession.token_hash == hash_token(token), LoginSession.revoked_at.is_(None))
    )


def is_idle(login: LoginSession, session: DbSession) -> bool:
    """Tell whether a login session has been idle longer than the idle timeout."""
    limit = timedelta(minutes=params.get_int(IDLE_TIMEOUT_MINUTES, session))
    return clock.now() - login.last_seen_at > limit


def needs_touch(login: LoginSession) -> bool:
    return clock.now() - login.last_seen_at > TOUCH_INTERVAL


def revoke_session(session: DbSession, login_id: int, reason: str) -> None:
    """End one login session server-side."""
    session.execute(
        update(LoginSession).where(LoginSession.id == login_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=clock.now(), revoked_reason=reason)
    )


def revoke_user_sessions(session: DbSession, user_id: int, reason: str, keep_id: int | None = None) -> None:
    """End every open login session of a user (password change, leaving, force logout)."""
    stmt = update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
    if keep_id is not None:
        stmt = stmt.where(LoginSession.id != keep_id)
    session.execute(stmt.values(revoked_at=clock.now(), revoked_reason=reason))


def online_sessions(session: DbSession, scope: Scope | None = None) -> list[LoginSession]:
    """List open login sessions seen within the idle timeout (在线用户), limited to a data scope if given."""
    cutoff = clock.now() - timedelta(minutes=params.get_int(IDLE_TIMEOUT_MINUTES, session))
    stmt = (select(LoginSession).join(User, User.id == LoginSession.user_id)
            .where(LoginSession.revoked_at.is_(None), LoginSession.last_seen_at >= cutoff)
            .options(selectinload(LoginSession.user).selectinload(User.org))
            .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc()))
    if scope is not None:
        stmt = data_scope.apply(stmt, scope, User.org_id, User.id)
    return list(session.scalars(stmt))


def force_logout(session: DbSession, login: LoginSession) -> None:
    """End one browser session from the online-users screen (强制下线); audited."""
    if login.revoked_at is not None:
        raise Conflict("该会话已经结束")
    revoke_session(session, login.id, "forced")
    audit.record(session, "auth.force_logout", login.user, before={"session_id": login.id, "ip": login.ip},
                 summary=f"强制下线 {login.user.name}（{login.user.username}）来自 {login.ip or '未知地址'} 的会话")


def force_logout_user(session: DbSession, user: User) -> int:
    """End every open session of a user (全部下线); audited. Returns how many sessions ended."""
    ended = session.scalar(select(func.count(LoginSession.id))
                           .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))) or 0
    if not ended:
        raise Conflict(f"{user.name} 当前没有在线会话")
    revoke_user_sessions(session, user.id, reason="forced")
    audit.record(session, "auth.force_logout", user, after={"sessions_ended": ended},
                 summary=f"强制下线 {user.name}（{user.username}）的全部 {ended} 个会话")
    return ended


def create_api_token(session: DbSession, user: User, name: str) -> tuple[ApiToken, str]:
    """Create an API token; the clear text is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationFailed("请填写令牌名称")
    token = "lf_" + secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, name=name[:100], prefix=token[:10], token_hash=hash_token(token))
    session.add(record)
    session.flush()
    return record, token


def user_for_api_token(session: DbSession, token: str) -> User | None:
    """Return the active user owning a live API token, or None."""
    record = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    )
    if record is None or record.user.status != UserStatus.ACTIVE:
        return None
    return record.user


def revoke_api_token(session: DbSession, record: ApiToken) -> None:
    record.revoked_at = clock.now()
