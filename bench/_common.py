"""Shared set-up for bench scripts: a migrated scratch database (SQLite file or a PostgreSQL database)."""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
# Where scratch databases are created (and dropped afterwards): a server and a database to connect to first.
PG_URL = os.environ.get("LICAI_BENCH_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test")


def machine() -> str:
    """CPU model, cores, memory, Python and SQLAlchemy, and the load average the figures were taken under."""
    cpu = "?"
    try:
        cpu = next(line for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name")).split(":", 1)[1].strip()
    except (OSError, StopIteration):
        pass
    try:
        mem_kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                          if line.startswith("MemTotal")).split()[1])
        memory = f"{mem_kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration, ValueError):
        memory = "? RAM"
    return (f"{cpu}, {os.cpu_count()} cores, {memory}, Python {platform.python_version()}, "
            f"SQLAlchemy {sa.__version__}; load average {os.getloadavg()[0]:.1f} "
            f"(a shared machine: other work slows the figures)")


@contextmanager
def pg_databases() -> Iterator[tuple[str, Callable[[], str]] | None]:
    """Scratch PostgreSQL databases: yields the server version and a function that creates one more and
    returns its URL — or None when PostgreSQL does not answer. Every database created is dropped at exit."""
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool,
                             connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            version = str(conn.exec_driver_sql("SHOW server_version").scalar())
    except sa.exc.OperationalError:
        admin.dispose()
        yield None
        return
    created: list[str] = []

    def create() -> str:
        name = f"licai_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        created.append(name)
        return sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    try:
        yield version, create
    finally:
        with admin.connect() as conn:
            for name in created:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def scratch_app(kind: str, demo: bool = True) -> Iterator[Any]:
    """Yield an app (context pushed) on a fresh migrated database with base data (and the small demo);
    for ``kind == "postgresql"``, None when PostgreSQL does not answer."""
    from flask_migrate import upgrade

    from app import create_app
    from app import demo as demo_data
    from app.cli import seed_base
    from app.extensions import db

    with tempfile.TemporaryDirectory(prefix="licai-bench-") as folder, \
            (pg_databases() if kind == "postgresql" else nullcontext(None)) as pg:
        if kind == "postgresql" and pg is None:
            yield None
            return
        url = pg[1]() if pg else f"sqlite:///{folder}/bench.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                          "PASSWORD_HASH_METHOD": "scrypt:1024:8:1", "SCHEDULER_ENABLED": False},
                         instance_path=f"{folder}/instance")
        with app.app_context():
            upgrade(directory=str(REPO / "migrations"))
            seed_base()
            if demo:
                demo_data.load(db.session, size="small")
            db.session.commit()
            yield app
            db.session.remove()
            db.engine.dispose()


def twin(app: Any) -> Any:
    """A second app on the same database for HTTP requests: requests through the first one would share
    its pushed app context (and ``g``, where the logged-in user and permissions are cached).

    Loaded as a gunicorn worker loads it (deploy/gunicorn.conf.py ``post_worker_init``): what exists then is
    frozen out of the garbage collector's way, or a full collection every few requests scans it (~100 ms)."""
    from app import create_app

    web = create_app(dict(app.config), instance_path=app.instance_path)
    gc.freeze()
    return web


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def p95_ms(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[int(len(ordered) * 0.95) - 1] * 1000


def command_line(doc: str, *, runs: int | None = None, more: Callable[[argparse.ArgumentParser], object] | None = None
                 ) -> tuple[list[str], argparse.Namespace]:
    """The options bench scripts share — ``--only sqlite|postgresql`` and, given a default, ``--runs`` — plus
    ``more``; prints the machine line and returns the databases to measure, in order, with the arguments."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    if runs is not None:
        parser.add_argument("--runs", type=int, default=runs)
    if more is not None:
        more(parser)
    args = parser.parse_args()
    print(machine(), flush=True)
    return [kind for kind in ("sqlite", "postgresql") if args.only in (None, kind)], args


def timed(work: Callable[[], Any], runs: int) -> tuple[float, float]:
    """Median and p95 milliseconds of ``work`` over ``runs`` calls after one warm-up."""
    work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return median_ms(samples), p95_ms(samples)
