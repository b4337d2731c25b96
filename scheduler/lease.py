"""Leader election so only one scheduler process fires jobs; a second copy stands by.

PostgreSQL: a session-level ``pg_try_advisory_lock`` held on a dedicated connection (released by the
server if the process dies). Other databases (SQLite): a lease row with an owner and an expiry that
the leader renews; a stand-by takes over once the lease has expired.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from app import clock
from scheduler.models import SchedulerLease

LEASE_NAME = "scheduler"
ADVISORY_KEY = 0x4C494341  # "LICA"
log = logging.getLogger(__name__)


class LeaderLease:
    def __init__(self, engine: Engine, owner: str, ttl_seconds: int = 30) -> None:
        self.engine = engine
        self.owner = owner
        self.ttl = timedelta(seconds=ttl_seconds)
        self._pg_conn: Connection | None = None

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def acquire(self, now: datetime | None = None) -> bool:
        """Become (or stay) the leader; returns whether this process leads now."""
        if self.postgres:
            return self._acquire_pg()
        return self._acquire_row(now or clock.now())

    def _acquire_pg(self) -> bool:
        if self._pg_conn is not None:
            try:
                self._pg_conn.exec_driver_sql("SELECT 1")
                return True
            except Exception:  # noqa: BLE001  (a broken connection lost the lock with it)
                self._pg_conn = None
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({ADVISORY_KEY})").scalar()
        if got:
            self._pg_conn = conn
            return True
        conn.close()
        return False

    def _acquire_row(self, now: datetime) -> bool:
        table: Any = SchedulerLease.__table__
        expires = now + self.ttl
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(table).where(table.c.name == LEASE_NAME,
                                    (table.c.owner == self.owner) | (table.c.expires_at < now))
                .values(owner=self.owner, expires_at=expires)
            ).rowcount
            if taken:
                return True
            exists = conn.execute(select(table.c.name).where(table.c.name == LEASE_NAME)).first()
            if exists:
                return False
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(table).values(name=LEASE_NAME, owner=self.owner, expires_at=expires))
            return True
        except IntegrityError:
            return False

    def release(self) -> None:
        if self.postgres:
            if self._pg_conn is not None:
                try:
                    self._pg_conn.exec_driver_sql(f"SELECT pg_advisory_unlock({ADVISORY_KEY})")
                finally:
                    self._pg_conn.close()
                    self._pg_conn = None
            return
        table: Any = SchedulerLease.__table__
        with self.engine.begin() as conn:
            conn.execute(update(table).where(table.c.name == LEASE_NAME, table.c.owner == self.owner)
                         .values(expires_at=clock.now() - timedelta(seconds=1)))
