"""Work that must not hold a web request for minutes (large imports), run on a small thread pool.

Each task runs in its own application context with its own database session and commits as it
goes; progress lives in database rows, so any worker process can answer the polling requests.
If the process dies mid-task the row stops advancing and the screen says so (see
``app.customers.imports.is_stalled``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from flask import Flask, current_app

from app.extensions import db

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_running: set[Future[None]] = set()
WORKERS = 2


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="licai-bg")
        return _executor


def submit(func: Callable[..., None], *args: Any) -> Future[None]:
    """Run ``func(*args)`` in the background inside an app context of the current app."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        with app.app_context():
            try:
                func(*args)
            except Exception:
                logger.exception("background task %s failed", getattr(func, "__name__", func))
            finally:
                db.session.remove()

    future = _pool().submit(run)
    with _lock:
        _running.add(future)
    future.add_done_callback(lambda done: _forget(done))
    return future


def _forget(future: Future[None]) -> None:
    with _lock:
        _running.discard(future)


def wait_idle(timeout: float = 60.0) -> bool:
    """Wait until every submitted task finished (tests, shutdown); True when idle."""
    with _lock:
        pending = set(_running)
    if not pending:
        return True
    _done, not_done = wait(pending, timeout=timeout)
    return not not_done
