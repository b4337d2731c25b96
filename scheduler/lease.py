"""Leader election so only one scheduler process fires jobs; a second copy stands by.

PostgreSQL: a session-level ``pg_try_advisory_lock`` held on a dedicated connection. The server
releases it when the process dies, and — because that connection sets ``idle_session_timeout`` to
the lease time and the keeper pings it every second — also when the process freezes.
Other databases (SQLite): a lease row with an owner and a short expiry (``LEASE_SECONDS``) that the
leader renews every ``RENEW_SECONDS`` from a thread of its own; a stand-by takes over once the lease
has expired, so leadership moves within about ``LEASE_SECONDS`` of the leader's death.

:meth:`LeaderLease.fence` is the last word before a job commits: inside the job's own transaction it
checks (and on SQLite renews) the lease, so a leader that lost the lease while a job ran — frozen,
cut off — cannot commit that job's work.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from app import clock
from app.database import write_intent
from scheduler.models import SchedulerLease

LEASE_NAME = "scheduler"
ADVISORY_KEY = 0x4C494341  # "LICA"
LEASE_SECONDS = 4.0  # a dead or frozen leader is replaced after this long
RENEW_SECONDS = 1.0  # the leader renews (and the stand-by looks) this often
TAKEOVER_WAIT_SECONDS = 0.25  # a stand-by that waited longer for SQLite's write lock does not take over
log = logging.getLogger(__name__)


def leader_alive(session: Any) -> bool:
    """Tell whether some scheduler leads now (the 自动调度中心 badge), on either database."""
    if session.get_bind().dialect.name == "postgresql":
        held = session.execute(text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :key AND objsubid = 1 AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
            {"key": ADVISORY_KEY}).scalar()
        return bool(held)
    lease = session.get(SchedulerLease, LEASE_NAME)
    return lease is not None and lease.expires_at > clock.now()


class LeadershipLost(Exception):
    """Another scheduler holds the lease now: this process must not commit job work."""


class LeaderLease:
    def __init__(self, engine: Engine, owner: str, ttl_seconds: float = LEASE_SECONDS) -> None:
        self.engine = engine
        self.owner = owner
        self.ttl = timedelta(seconds=ttl_seconds)
        self._pg_conn: Connection | None = None
        self._pg_pid: int | None = None

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def acquire(self, now: datetime | None = None) -> bool:
        """Become (or stay) the leader; returns whether this process leads now."""
        if self.postgres:
            return self._acquire_pg()
        return self._acquire_row(now)

    def _acquire_pg(self) -> bool:
        if self._pg_conn is not None:
            try:
                self._pg_conn.exec_driver_sql("SELECT 1")  # the ping that keeps idle_session_timeout away
                return True
            except Exception:  # noqa: BLE001  (a broken connection lost the lock with it)
                self._drop_pg_conn()
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({ADVISORY_KEY})").scalar()
        if not got:
            conn.close()
            return False
        if int(conn.exec_driver_sql("SHOW server_version_num").scalar() or 0) >= 140000:
            # A frozen process stops pinging: the server ends the session and frees the lock.
            conn.exec_driver_sql(f"SET idle_session_timeout = {int(self.ttl.total_seconds() * 1000):d}")
        self._pg_pid = int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() or 0)
        self._pg_conn = conn
        return True

    def _drop_pg_conn(self) -> None:
        """Forget the lock connection without handing it back to the pool (it carries the idle timeout)."""
        if self._pg_conn is not None:
            try:
                self._pg_conn.invalidate()
                self._pg_conn.close()
            except Exception:  # noqa: BLE001,S110  (already broken: nothing left to clean)
                pass
        self._pg_conn = None
        self._pg_pid = None

    def _read_row(self) -> Any:
        """The lease row (owner, expires_at), read without SQLite's write lock; None before the first leader."""
        table: Any = SchedulerLease.__table__
        token = write_intent.set(False)
        try:
            with self.engine.connect() as conn:
                return conn.execute(select(table.c.owner, table.c.expires_at)
                                    .where(table.c.name == LEASE_NAME)).first()
        finally:
            write_intent.reset(token)

    def _acquire_row(self, now: datetime | None) -> bool:
        row = self._read_row()
        mine = row is not None and row.owner == self.owner
        if row is not None and not mine and row.expires_at >= (now or clock.now()):
            return False  # the stand-by's frequent look costs no write lock
        asked = time.monotonic()
        token = write_intent.set(True)  # BEGIN IMMEDIATE whoever calls: the wait for the lock happens here
        try:
            return self._write_row(now, mine, asked)
        finally:
            write_intent.reset(token)

    def _write_row(self, now: datetime | None, mine: bool, asked: float) -> bool:
        table: Any = SchedulerLease.__table__
        with self.engine.begin() as conn:
            if not mine and time.monotonic() - asked > TAKEOVER_WAIT_SECONDS:
                # Another writer held SQLite's lock: the leader's renewal was queued behind it too. Let it
                # land first; a dead leader is still taken over on the next look, half a second later.
                return False
            # Read the clock after BEGIN IMMEDIATE got the write lock: a renewal that waited for it
            # must not write an expiry that is already in the past.
            moment = now or clock.now()
            taken = conn.execute(
                update(table).where(table.c.name == LEASE_NAME,
                                    (table.c.owner == self.owner) | (table.c.expires_at < moment))
                .values(owner=self.owner, expires_at=moment + self.ttl)
            ).rowcount
            if taken:
                return True
            exists = conn.execute(select(table.c.name).where(table.c.name == LEASE_NAME)).first()
            if exists:
                return False
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(table).values(name=LEASE_NAME, owner=self.owner,
                                                  expires_at=(now or clock.now()) + self.ttl))
            return True
        except IntegrityError:
            return False

    def fence(self, conn: Connection) -> None:
        """Inside a job's transaction, raise LeadershipLost unless this process still leads (SQLite: renew too)."""
        if self.postgres:
            held = conn.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :key AND objsubid = 1"
                " AND granted AND pid = :pid"), {"key": ADVISORY_KEY, "pid": self._pg_pid or -1}).scalar()
            if not held:
                raise LeadershipLost(self.owner)
            return
        table: Any = SchedulerLease.__table__
        # SQLite: the job's transaction holds the write lock, so nobody can take the lease before it commits.
        renewed = conn.execute(update(table).where(table.c.name == LEASE_NAME, table.c.owner == self.owner)
                               .values(expires_at=clock.now() + self.ttl)).rowcount
        if not renewed:
            raise LeadershipLost(self.owner)

    def release(self) -> None:
        """Give the lease up at once so a stand-by need not wait for it to expire."""
        if self.postgres:
            if self._pg_conn is not None:
                try:
                    self._pg_conn.exec_driver_sql(f"SELECT pg_advisory_unlock({ADVISORY_KEY})")
                except Exception:  # noqa: BLE001  (the session is gone, and the lock with it)
                    log.warning("advisory unlock failed; the lock went with the session")
                finally:
                    self._drop_pg_conn()
            return
        table: Any = SchedulerLease.__table__
        token = write_intent.set(True)
        try:
            with self.engine.begin() as conn:
                conn.execute(update(table).where(table.c.name == LEASE_NAME, table.c.owner == self.owner)
                             .values(expires_at=clock.now() - timedelta(seconds=1)))
        finally:
            write_intent.reset(token)
