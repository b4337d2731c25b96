"""Log-in throttling (登录限流) kept in the database, so every gunicorn worker sees the same counters.

Three counters, each one row of ``login_throttle`` bumped by a single upsert (INSERT … ON CONFLICT DO
UPDATE … RETURNING, the same statement on SQLite and PostgreSQL, atomic under concurrent workers):

* ``ip:<address>`` — failures from one source across every account: a guesser spraying names is blocked.
* ``pair:<address>|<name>`` — failures from one source on one account: that source alone is blocked for
  the lockout minutes (系统参数 auth.lockout_threshold / auth.lockout_minutes). The owner, elsewhere, is not.
* ``name:<name>`` — failures on one account from everywhere (a botnet): past twice the lockout
  threshold, only a short progressive delay (1 s, 2 s, 4 s … capped at 30 s), skipped for a source that
  has logged in to that account before, so a stranger can slow guessing but never lock its owner out.

Counters are keyed by the name as typed (lower-cased), known or not, so refusals look the same for
unknown and known users.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, case, delete, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.admin import params
from app.auth.models import LoginSession, User
from app.database import DbSession, UTCDateTime
from app.extensions import Base

LOCKOUT_THRESHOLD = params.define("auth.lockout_threshold", "int", 5, "登录失败锁定次数",
                                  "同一来源对同一账户输错密码达到此次数后，暂停该来源登录该账户（账户本身不锁定）",
                                  "安全", minimum=1)
LOCKOUT_MINUTES = params.define("auth.lockout_minutes", "int", 15, "登录锁定时长（分钟）", "", "安全", minimum=1)
IP_THRESHOLD = params.define("auth.ip_threshold", "int", 30, "单个来源登录失败上限",
                             "同一 IP 在锁定时长内累计输错密码达到此次数后，暂停该 IP 的登录", "安全", minimum=1)
ACCOUNT_DELAY_CAP_SECONDS = 30
KNOWN_SOURCE_DAYS = 90
KEY_LENGTH = 200


class LoginThrottle(Base):
    """One failure counter: a source, a (source, name) pair or a name, with its window and block."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class Throttled(Exception):
    """The attempt is refused before any password is checked."""

    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = max(1, seconds)

    @property
    def message(self) -> str:
        if self.seconds < 60:
            return f"尝试次数过多，请 {self.seconds} 秒后再试"
        return f"尝试次数过多，请 {(self.seconds + 59) // 60} 分钟后再试"


@dataclass(frozen=True)
class Source:
    """Who is trying: the client address (after trusted proxies) and the name as typed."""

    ip: str
    name: str

    @property
    def keys(self) -> tuple[str, str, str]:
        name = self.name.strip().lower()
        return (f"ip:{self.ip}"[:KEY_LENGTH], f"pair:{self.ip}|{name}"[:KEY_LENGTH], f"name:{name}"[:KEY_LENGTH])


def _window(session: DbSession) -> timedelta:
    return timedelta(minutes=params.get_int(LOCKOUT_MINUTES, session))


def check(session: DbSession, source: Source) -> None:
    """Raise Throttled while any of the source's counters is blocked (the name's delay spares known sources)."""
    now = clock.now()
    ip_key, pair_key, name_key = source.keys
    rows = session.execute(select(LoginThrottle.key, LoginThrottle.blocked_until)
                           .where(LoginThrottle.key.in_((ip_key, pair_key, name_key)),
                                  LoginThrottle.blocked_until > now)).all()
    waits = {key: until for key, until in rows if until is not None}
    if name_key in waits and _is_known_source(session, source):
        del waits[name_key]
    if waits:
        raise Throttled(int((max(waits.values()) - now).total_seconds()) + 1)


def _is_known_source(session: DbSession, source: Source) -> bool:
    """Tell whether this address has logged in to this account recently (its owner, most likely)."""
    since = clock.now() - timedelta(days=KNOWN_SOURCE_DAYS)
    return session.scalar(
        select(LoginSession.id).join(User, User.id == LoginSession.user_id)
        .where(func.lower(User.username) == source.name.strip().lower(), LoginSession.ip == source.ip[:64],
               LoginSession.created_at >= since).limit(1)
    ) is not None


def _bump(session: DbSession, key: str, now: datetime, window: timedelta) -> int:
    """Count one failure on ``key`` in one statement, restarting a window that has run out; return the count."""
    table = LoginThrottle.__table__
    insert: Any = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(table).values(key=key, failures=1, window_start=now)
    stale = table.c.window_start < now - window
    moment = literal(now, type_=table.c.window_start.type)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.key], set_={
        "failures": case((stale, 1), else_=table.c.failures + 1),
        "window_start": case((stale, moment), else_=table.c.window_start),
    }).returning(table.c.failures)
    return int(session.execute(stmt).scalar_one())


def _block(session: DbSession, key: str, until: datetime) -> None:
    session.query(LoginThrottle).filter(LoginThrottle.key == key).update({"blocked_until": until})


def record_failure(session: DbSession, source: Source) -> bool:
    """Count a failed attempt on all three counters and set blocks; True if this source is now locked."""
    now = clock.now()
    window = _window(session)
    ip_key, pair_key, name_key = source.keys
    locked = False
    if _bump(session, ip_key, now, window) >= params.get_int(IP_THRESHOLD, session):
        _block(session, ip_key, now + window)
        locked = True
    threshold = params.get_int(LOCKOUT_THRESHOLD, session)
    if _bump(session, pair_key, now, window) >= threshold:
        _block(session, pair_key, now + window)
        locked = True
    # Twice the pair threshold: one source is paused long before it can slow the account for anyone else.
    over = _bump(session, name_key, now, window) - 2 * threshold
    if over >= 0:
        _block(session, name_key, now + timedelta(seconds=min(2 ** over, ACCOUNT_DELAY_CAP_SECONDS)))
    return locked


def record_success(session: DbSession, source: Source) -> None:
    """Forget the pair and the account counters after a right password; the source's own count stays."""
    _ip_key, pair_key, name_key = source.keys
    session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_((pair_key, name_key))))
    # Rows whose window and block both ran out are dead weight: dropped here, a cheap indexed delete.
    cutoff = clock.now() - timedelta(days=1)
    session.execute(delete(LoginThrottle).where(LoginThrottle.window_start < cutoff,
                                                (LoginThrottle.blocked_until.is_(None))
                                                | (LoginThrottle.blocked_until < cutoff)))


def _name_keys(name: str) -> ColumnElement[bool]:
    name = name.strip().lower()
    return ((LoginThrottle.key == f"name:{name}")
            | (LoginThrottle.key.startswith("pair:") & LoginThrottle.key.endswith(f"|{name}", autoescape=True)))


def paused_until(session: DbSession, name: str) -> datetime | None:
    """Until when some source (or everyone, for the short delay) is paused from logging in to the account."""
    return session.scalar(select(func.max(LoginThrottle.blocked_until))
                          .where(_name_keys(name), LoginThrottle.blocked_until > clock.now()))


def clear_name(session: DbSession, name: str) -> None:
    """Lift every block on an account (admin unlock): its pair counters and its account delay."""
    session.execute(delete(LoginThrottle).where(_name_keys(name)))
