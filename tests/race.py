"""Several people acting at once, as separate gunicorn workers would: each in its own thread with its own app
(engine, connection pool, session), all released together by one barrier. Runs on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from app.extensions import db
from tests.conftest import make_app

K = TypeVar("K", bound=Hashable)


def at_once(database_url: str, instance: Path, keys: Sequence[K], work: Callable[[K, Any], Any],
            prepare: Callable[[K], Any] | None = None, timeout: float = 300) -> dict[K, Any]:
    """Run ``work(key, prepare(key))`` for every key at the same moment; return each key's result.

    ``prepare`` (e.g. loading the acting user) runs before the barrier, in the thread's own session, whose
    read transaction is then ended so the race starts from committed data. Any failure is re-raised.
    """
    racing = make_app(database_url, instance, SQLALCHEMY_ENGINE_OPTIONS={
        "pool_size": len(keys) + 2, "max_overflow": 0, "pool_timeout": 60})
    barrier = threading.Barrier(len(keys))
    results: dict[K, Any] = {}
    errors: list[BaseException] = []

    def run(key: K) -> None:
        try:
            with racing.app_context():
                prepared = prepare(key) if prepare is not None else None
                db.session.rollback()
                barrier.wait(timeout=60)
                results[key] = work(key, prepared)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    with racing.app_context():
        db.engine.dispose()
    assert not errors, errors[:3]
    return results
