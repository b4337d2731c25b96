"""Shared set-up for bench scripts: a migrated scratch database (SQLite file or a PostgreSQL database)."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://127.0.0.1:5432/test")


def machine() -> str:
    cpus = os.cpu_count()
    with open("/proc/meminfo") as fh:
        mem_kb = int(fh.readline().split()[1])
    return f"{platform.processor() or platform.machine()}, {cpus} cores, {mem_kb / 1024 / 1024:.0f} GiB, " \
           f"Python {platform.python_version()}, SQLAlchemy {sa.__version__}"


def pg_available() -> bool:
    try:
        engine = sa.create_engine(PG_URL, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": 3})
        with engine.connect():
            return True
    except Exception:  # noqa: BLE001
        return False


@contextmanager
def scratch_app(kind: str, demo: bool = True) -> Iterator[Any]:
    """Yield an app (context pushed) on a fresh migrated database with base data (and the small demo)."""
    from flask_migrate import upgrade

    from app import create_app
    from app import demo as demo_data
    from app.cli import seed_base
    from app.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="licai-bench-"))
    admin = None
    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'bench.db'}"
    else:
        name = f"licai_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "scrypt:1024:8:1", "SCHEDULER_ENABLED": False},
                     instance_path=str(tmp / "instance"))
    try:
        with app.app_context():
            upgrade(directory=str(REPO / "migrations"))
            seed_base()
            if demo:
                demo_data.load(db.session, size="small")
            db.session.commit()
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


def twin(app: Any) -> Any:
    """A second app on the same database for HTTP requests: requests through the first one would share
    its pushed app context (and ``g``, where the logged-in user and permissions are cached)."""
    from app import create_app

    return create_app(dict(app.config), instance_path=app.instance_path)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def p95_ms(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[int(len(ordered) * 0.95) - 1] * 1000
