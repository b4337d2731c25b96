"""Mining conditions (挖掘条件): counting typical conditions over 1,000,000 customers through the condition
engine (validate + compile + scope + count) vs the same count as hand-written SQL — on SQLite and PostgreSQL.

    .venv/bin/python bench/conditions.py                 # SQLite, then PostgreSQL if it answers
    .venv/bin/python bench/conditions.py --customers 200000 --skip-pg

The SQLite database is a temporary file; on PostgreSQL a scratch database is created next to
LICAI_BENCH_PG_URL (default postgresql+psycopg://127.0.0.1:5432/test) and dropped afterwards.
Each figure is the median of the runs (the first, cold run is not counted). Target: < 300 ms per count.
"""

from __future__ import annotations

import argparse
import atexit
import os
import re
import shutil
import sqlite3
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from _common import machine, pg_databases  # puts the repository on sys.path too

INSTANCE = tempfile.mkdtemp(prefix="licai-bench-")
atexit.register(shutil.rmtree, INSTANCE, True)

from app import clock, create_app  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.database import UTCDateTime  # noqa: E402
from app.extensions import db  # noqa: E402
from app.mining import conditions  # noqa: E402
from app.org.models import Org  # noqa: E402
from app.org.scope import scope_of  # noqa: E402

TARGET_MS = 300
BATCHES = 200  # import batches IMP000 … IMP199
SOURCES = ("phone", "web", "referral", "salon", "import", "walk_in", "other")


def build(url: str, customers: int) -> Any:
    """Migrate a fresh database, add the demo orgs and users, and generate customers with set-based SQL."""
    from flask_migrate import upgrade

    from app import demo
    from app.cli import seed_base

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SCHEDULER_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "scrypt:1024:8:1"}, instance_path=INSTANCE)
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        seed_base()
        ctx = demo.DemoContext(size="small")
        demo._core(db.session, ctx)  # orgs and the demo users, without the domain demo data
        db.session.commit()
        orgs = [ctx.orgs[code].id for code in ("SH-LC1", "SH-LC1-A", "SH-LC2", "SH-BO")]
        seats = [ctx.users[name].id for name in ("seat01", "seat02", "seat11")]
        t0 = time.perf_counter()
        generate(customers, orgs, seats)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE customer")
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        print(f"  generated {customers:,} customers in {time.perf_counter() - t0:.1f} s")
    return app


def generate(customers: int, orgs: list[int], seats: list[int]) -> None:
    """Customers over 4 orgs, 5 types, 7 sources, 200 import batches, created up to 2 years and last validly
    called up to 60 days ago (every 4th never)."""
    now = clock.now()
    params: dict[str, Any] = {"n": customers, "now": now}
    org_case = "CASE i % 4 " + " ".join(f"WHEN {k} THEN {o}" for k, o in enumerate(orgs)) + " END"
    seat_case = "CASE i % 6 " + " ".join(f"WHEN {k} THEN {s}" for k, s in enumerate(seats)) + " ELSE NULL END"
    source_case = "CASE i % 7 " + " ".join(f"WHEN {k} THEN '{s}'" for k, s in enumerate(SOURCES)) + " END"
    columns = ("number, name, gender, id_type, type, grade, source, import_batch, tags, remark, service_seat_id, "
               "service_org_id, pool, pool_reason, pool_changed_at, assigned_at, followup_count, valid_call_count, "
               "last_valid_call_at, recycle_count, red_flag_reason, invalid_reason, invalid_note, created_at, "
               "updated_at")
    cases = f"""
        CASE i % 5 WHEN 0 THEN 'new' WHEN 1 THEN 'intent' WHEN 2 THEN 'valid' WHEN 3 THEN 'invalid' ELSE 'dealt' END,
        CASE i % 3 WHEN 0 THEN 'A' WHEN 1 THEN 'B' ELSE 'C' END, {source_case},
        {{batch}}, '', '', {seat_case}, {org_case},
        CASE WHEN i % 6 < 3 THEN 'personal' ELSE 'department' END, 'assign', {{created}}, {{created}},
        i % 9, i % 4, CASE WHEN i % 4 = 0 THEN NULL ELSE {{called}} END, 0, '', '', '', {{created}}, {{created}}"""
    if db.engine.dialect.name == "postgresql":
        batch = "'IMP' || lpad(((i / 5000) % 200)::text, 3, '0')"
        created = "CAST(:now AS timestamptz) - (i % 730) * interval '1 day' - (i % 24) * interval '1 hour'"
        called = "CAST(:now AS timestamptz) - (i % 61) * interval '1 day' - (i % 13) * interval '1 hour'"
        db.session.execute(sa.text(
            f"INSERT INTO customer ({columns}) SELECT 'C' || lpad(i::text, 9, '0'), '客户' || i, 'unknown', "
            f"'id_card', {cases.format(batch=batch, created=created, called=called)} "
            "FROM generate_series(1, :n) AS i"), params)
    else:
        params["stamp"] = now.astimezone(clock.UTC).strftime("%Y-%m-%d %H:%M:%S")
        batch = "'IMP' || printf('%03d', (i / 5000) % 200)"
        created = "strftime('%Y-%m-%d %H:%M:%f000', :stamp, '-' || (i % 730) || ' days', '-' || (i % 24) || ' hours')"
        called = "strftime('%Y-%m-%d %H:%M:%f000', :stamp, '-' || (i % 61) || ' days', '-' || (i % 13) || ' hours')"
        db.session.execute(sa.text(
            f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) "
            f"INSERT INTO customer ({columns}) SELECT 'C' || printf('%09d', i), '客户' || i, 'unknown', 'id_card', "
            f"{cases.format(batch=batch, created=created, called=called)} FROM s"), params)


def cases(org_ids: dict[str, int]) -> list[tuple[str, str, dict[str, Any], str, dict[str, Any]]]:
    """(label, user, spec, hand-written WHERE, its parameters) of the typical conditions."""
    subtree = "(service_org_id IN (SELECT id FROM org WHERE path LIKE :path) OR service_seat_id = :uid)"
    return [
        ("意向 + 3 天无有效跟进 + 导入编号, head01 (本部门及下级)", "head01",
         {"op": "and", "items": [{"field": "type", "cmp": "in", "value": ["intent"]},
                                 {"field": "last_valid_call_at", "cmp": "before", "value": {"days_ago": 3}},
                                 {"field": "import_batch", "cmp": "in", "value": ["IMP007"]}]},
         f"type = 'intent' AND (last_valid_call_at IS NULL OR last_valid_call_at < :cut3) "
         f"AND import_batch = 'IMP007' AND {subtree}", {}),
        ("意向/有效 + 30 天内创建 + 来源网络推广, manager01 (本分公司)", "manager01",
         {"op": "and", "items": [{"field": "type", "cmp": "in", "value": ["intent", "valid"]},
                                 {"field": "created_at", "cmp": "after", "value": {"days_ago": 30}},
                                 {"field": "source", "cmp": "in", "value": ["web"]}]},
         f"type IN ('intent', 'valid') AND created_at >= :cut30 AND source = 'web' AND {subtree}", {}),
        ("理财一部（含下级）+ 新建 + 跟进 ≤ 2 次, admin (全部)", "admin",
         {"op": "and", "items": [{"field": "service_org", "cmp": "in", "value": [org_ids["SH-LC1"]]},
                                 {"field": "type", "cmp": "in", "value": ["new"]},
                                 {"field": "followup_count", "cmp": "between", "value": {"from": None, "to": 2}}]},
         "service_org_id IN (SELECT id FROM org WHERE path LIKE :lc1) AND type = 'new' AND followup_count <= 2", {}),
        ("(意向 或 有效) 且 60 天前起无有效跟进 或 导入编号 IMP001/IMP002, head01", "head01",
         {"op": "or", "items": [
             {"op": "and", "items": [{"field": "type", "cmp": "in", "value": ["intent", "valid"]},
                                     {"field": "last_valid_call_at", "cmp": "before", "value": {"days_ago": 60}}]},
             {"field": "import_batch", "cmp": "in", "value": ["IMP001", "IMP002"]}]},
         f"((type IN ('intent', 'valid') AND (last_valid_call_at IS NULL OR last_valid_call_at < :cut60)) "
         f"OR import_batch IN ('IMP001', 'IMP002')) AND {subtree}", {}),
    ]


def timed(work: Any, runs: int) -> tuple[float, int]:
    work()  # warm the cache; not counted
    times, result = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench_counts(app: Any, runs: int) -> None:
    with app.app_context():
        now = clock.now()
        org_ids = {org.code: org.id for org in db.session.scalars(sa.select(Org))}
        lc1_path = db.session.scalar(sa.select(Org.path).where(Org.code == "SH-LC1"))
        times = {"cut3": now - timedelta(days=3), "cut30": now - timedelta(days=30), "cut60": now - timedelta(days=60)}
        for label, username, spec, where, _extra in cases(org_ids):
            user = db.session.scalar(sa.select(User).where(User.username == username))
            assert user is not None
            scope = scope_of(db.session, user, "mining.conditions")
            path = scope.subtree_path or "/"
            used = {k: v for k, v in times.items() if re.search(rf":{k}\b", where)}
            statement = sa.text(f"SELECT count(*) FROM customer WHERE {where}").bindparams(
                *[sa.bindparam(k, type_=UTCDateTime()) for k in used])
            values: dict[str, Any] = dict(used)
            values.update({"path": f"{path}%", "uid": user.id, "lc1": f"{lc1_path}%"})

            def engine(spec: dict[str, Any] = spec, scope: Any = scope) -> int:
                return conditions.count(db.session, spec, scope, now)

            def baseline(statement: Any = statement, values: dict[str, Any] = values) -> int:
                return int(db.session.execute(statement, values).scalar() or 0)

            engine_s, engine_n = timed(engine, runs)
            base_s, base_n = timed(baseline, runs)
            status = "OK" if engine_s * 1000 < TARGET_MS else "OVER TARGET"
            print(f"  {label}")
            print(f"    engine {engine_s * 1000:7.1f} ms  (count {engine_n:,})  "
                  f"hand-written SQL {base_s * 1000:7.1f} ms (count {base_n:,})  "
                  f"ratio {engine_s / base_s:.2f}x  target < {TARGET_MS} ms {status}")
            assert engine_n == base_n, "the engine and the hand-written SQL must count the same customers"
            db.session.rollback()


def run(label: str, url: str, args: argparse.Namespace) -> None:
    print(f"== {label} (load average {os.getloadavg()[0]:.1f})")
    app = build(url, args.customers)
    bench_counts(app, args.runs)
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory(prefix="licai-bench-") as folder:
            run(f"SQLite {sqlite3.sqlite_version}", f"sqlite:///{folder}/bench.db", args)
    if args.skip_pg:
        return
    with pg_databases() as pg:
        if pg is None:
            print("== PostgreSQL not answering; skipped")
            return
        version, create = pg
        run(f"PostgreSQL {version}", create(), args)


if __name__ == "__main__":
    main()
