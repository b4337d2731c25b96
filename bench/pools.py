"""Pool benchmarks: the recycle sweep over 1,000,000 customers vs one hand-written SQL UPDATE doing the
same moves, and claims per second under 16 concurrent claimers — on SQLite and on PostgreSQL.

    .venv/bin/python bench/pools.py                 # SQLite, then PostgreSQL if it answers
    .venv/bin/python bench/pools.py --customers 200000 --skip-pg
    .venv/bin/python bench/pools.py --claims-only            # claims per second only

The SQLite database is a temporary file; on PostgreSQL a scratch database is created next to
LICAI_BENCH_PG_URL (default postgresql+psycopg://127.0.0.1:5432/test) and dropped afterwards.
Each timed run happens inside a transaction that is rolled back, so the sweep and the baseline
start from the same data; the figure is the median of the runs.
"""

from __future__ import annotations

import argparse
import atexit
import os
import random
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

# One scratch instance folder for every app this run builds (claimer processes included), removed at exit.
INSTANCE = tempfile.mkdtemp(prefix="licai-bench-")
atexit.register(shutil.rmtree, INSTANCE, True)

from app import clock, create_app  # noqa: E402
from app.database import UTCDateTime  # noqa: E402
from app.extensions import db  # noqa: E402
from app.pools import recycle, services  # noqa: E402

SEATS = 200
SETTINGS = recycle.RecycleSettings()  # the shipped defaults: 7 / 12 / 30 days and 3 / 3 days / 3 recycles

BASELINE = """
UPDATE customer SET
  prev_seat_id = service_seat_id,
  service_seat_id = NULL,
  pool = CASE WHEN red_flag_at IS NOT NULL AND red_flag_at <= :red_cut THEN 'head'
              WHEN recycle_count + 1 >= :city_after THEN 'city' ELSE 'public' END,
  pool_reason = CASE
    WHEN red_flag_at IS NOT NULL AND red_flag_at <= :red_cut THEN 'red_flag'
    WHEN red_flag_at IS NULL AND assigned_at IS NOT NULL AND valid_call_count = 0 AND assigned_at <= :no_call_cut
      THEN 'recycle_no_call'
    WHEN red_flag_at IS NULL AND assigned_at IS NOT NULL AND followup_count >= :max_followups
      THEN 'recycle_max_followups'
    ELSE 'recycle_few_followups' END,
  pool_changed_at = :now,
  assigned_at = NULL,
  type = CASE WHEN red_flag_at IS NOT NULL AND red_flag_at <= :red_cut THEN type
              WHEN type = 'new' THEN 'intent' ELSE type END,
  recycle_count = CASE WHEN red_flag_at IS NOT NULL AND red_flag_at <= :red_cut THEN recycle_count
                       ELSE recycle_count + 1 END,
  red_flag_at = CASE WHEN red_flag_at IS NOT NULL AND red_flag_at <= :red_cut THEN red_flag_at END
WHERE pool = 'personal' AND type IN ('new', 'intent', 'valid') AND (
  (red_flag_at IS NOT NULL AND red_flag_at <= :red_cut)
  OR (red_flag_at IS NULL AND assigned_at IS NOT NULL AND (
        (valid_call_count = 0 AND assigned_at <= :no_call_cut)
        OR followup_count >= :max_followups
        OR (assigned_at <= :check_cut AND followup_count < :required))))
"""


def build(url: str, customers: int, public: int) -> Any:
    """Migrate a fresh database, add orgs and seats, and generate customers with set-based SQL."""
    from flask_migrate import upgrade

    from app import demo
    from app.cli import seed_base

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SCHEDULER_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 20, "max_overflow": 0}},
                     instance_path=INSTANCE)
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        seed_base()
        ctx = demo.DemoContext(size="small")
        demo._core(db.session, ctx)  # orgs and the demo users, without the domain demo data
        org_id = ctx.orgs["SH-LC1"].id
        hashed = ctx.users["seat01"].password_hash
        db.session.execute(sa.text(
            "INSERT INTO users (username, work_no, name, org_id, level, tier, weight, status, phone, email, "
            "password_hash, failed_logins, created_at) VALUES (:u, :w, :n, :o, '', '', 1, 'active', '', '', :h, 0, "
            ":c)"), [{"u": f"bench{i}", "w": f"B{i:05d}", "n": f"坐席{i}", "o": org_id, "h": hashed,
                      "c": clock.now()} for i in range(SEATS)])
        seat_role = db.session.scalar(sa.text("SELECT id FROM role WHERE code = 'seat'"))
        db.session.execute(sa.text("INSERT INTO user_role (user_id, role_id) SELECT id, :r FROM users "
                                   "WHERE username LIKE 'bench%'"), {"r": seat_role})
        first_seat = db.session.scalar(sa.text("SELECT min(id) FROM users WHERE username LIKE 'bench%'"))
        db.session.commit()
        t0 = time.perf_counter()
        generate(customers, public, org_id, first_seat)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE customer")
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        print(f"  generated {customers:,} personal-pool + {public:,} public-pool customers in "
              f"{time.perf_counter() - t0:.1f} s")
    return app


def generate(customers: int, public: int, org_id: int, first_seat: int) -> None:
    """Personal-pool customers spread over assignment ages and follow-up counts, then a public pool."""
    now = clock.now()
    params = {"n": customers, "p": public, "org": org_id, "seat0": first_seat, "seats": SEATS, "now": now}
    columns = ("number, name, gender, id_type, type, grade, source, import_batch, tags, remark, service_seat_id, "
               "service_org_id, pool, pool_reason, pool_changed_at, assigned_at, followup_count, valid_call_count, "
               "recycle_count, red_flag_reason, invalid_reason, invalid_note, red_flag_at, created_at, updated_at")
    # Shapes: assigned 0–34 days ago; 2 % never validly called; 1.7 % at 12 follow-ups; 1 % red-flagged.
    personal_cases = """
        CASE WHEN i % 10 = 0 THEN 'dealt' WHEN i % 10 = 1 THEN 'new' WHEN i % 10 = 2 THEN 'valid' ELSE 'intent' END,
        '', '', '', '', '', :seat0 + i % :seats, :org, 'personal', 'assign', {assigned}, {assigned},
        CASE WHEN i % 60 = 0 THEN 12 ELSE i % 10 END, CASE WHEN i % 50 = 0 THEN 0 ELSE 1 END, i % 3, '', '', '',
        CASE WHEN i % 100 = 0 THEN {flagged} END, {assigned}, {assigned}"""
    if db.engine.dialect.name == "postgresql":
        assigned = "CAST(:now AS timestamptz) - (i % 35) * interval '1 day' - (i % 24) * interval '1 hour'"
        flagged = "CAST(:now AS timestamptz) - (i % 5) * interval '1 day'"
        db.session.execute(sa.text(
            f"INSERT INTO customer ({columns}) SELECT 'B' || lpad(i::text, 9, '0'), '客户' || i, 'unknown', "
            f"'id_card', {personal_cases.format(assigned=assigned, flagged=flagged)} "
            "FROM generate_series(1, :n) AS i"), params)
        db.session.execute(sa.text(
            f"INSERT INTO customer ({columns}) SELECT 'P' || lpad(i::text, 9, '0'), '公共' || i, 'unknown', "
            "'id_card', 'intent', '', '', '', '', '', NULL, :org, 'public', 'release', "
            "CAST(:now AS timestamptz) - i * interval '1 second', NULL, 0, 0, 1, '', '', '', NULL, :now, :now "
            "FROM generate_series(1, :p) AS i"), params)
    else:
        stamp = now.astimezone(clock.UTC).strftime("%Y-%m-%d %H:%M:%S")
        params["stamp"] = stamp
        assigned = "strftime('%Y-%m-%d %H:%M:%f000', :stamp, '-' || (i % 35) || ' days', '-' || (i % 24) || ' hours')"
        flagged = "strftime('%Y-%m-%d %H:%M:%f000', :stamp, '-' || (i % 5) || ' days')"
        db.session.execute(sa.text(
            f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) "
            f"INSERT INTO customer ({columns}) SELECT 'B' || printf('%09d', i), '客户' || i, 'unknown', 'id_card', "
            f"{personal_cases.format(assigned=assigned, flagged=flagged)} FROM s"), params)
        db.session.execute(sa.text(
            f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :p) "
            f"INSERT INTO customer ({columns}) SELECT 'P' || printf('%09d', i), '公共' || i, 'unknown', 'id_card', "
            "'intent', '', '', '', '', '', NULL, :org, 'public', 'release', "
            "strftime('%Y-%m-%d %H:%M:%f000', :stamp, '-' || i || ' seconds'), NULL, 0, 0, 1, '', '', '', NULL, "
            ":stamp, :stamp FROM s"), params)


def timed_in_rollback(work: Any, runs: int) -> tuple[float, int]:
    """Median seconds of ``work(connection-bound session)`` over runs, each rolled back afterwards."""
    times, moved = [], 0
    for _ in range(runs):
        db.session.rollback()
        db.session.connection()  # begin outside the timing
        start = time.perf_counter()
        moved = work()
        times.append(time.perf_counter() - start)
        db.session.rollback()
    return statistics.median(times), moved


def bench_sweep(app: Any, runs: int) -> None:
    with app.app_context():
        now = clock.now()

        def sweep() -> int:
            return recycle.sweep(db.session, now, SETTINGS).total

        times = {"now": now, "red_cut": now - timedelta(days=SETTINGS.red_flag_days),
                 "no_call_cut": now - timedelta(days=SETTINGS.no_call_days),
                 "check_cut": now - timedelta(days=SETTINGS.check_days)}
        # Bind the times as the ORM does (UTCDateTime: naive UTC text on SQLite, timestamptz on PostgreSQL).
        statement = sa.text(BASELINE).bindparams(*[sa.bindparam(k, type_=UTCDateTime()) for k in times])

        def baseline() -> int:
            result = db.session.execute(statement, {
                **times, "max_followups": SETTINGS.max_followups, "required": SETTINGS.required_followups,
                "city_after": SETTINGS.city_after_recycles})
            return int(result.rowcount)  # type: ignore[attr-defined]

        base_s, base_moved = timed_in_rollback(baseline, runs)
        sweep_s, sweep_moved = timed_in_rollback(sweep, runs)
        status = "OK" if sweep_s <= 1.5 * base_s else "OVER TARGET"
        print(f"  recycle sweep: {sweep_s * 1000:8.0f} ms  (moved {sweep_moved:,}; UPDATE + history INSERT … SELECT "
              f"+ counts)")
        print(f"  hand-written UPDATE: {base_s * 1000:8.0f} ms  (moved {base_moved:,}; no history)")
        print(f"  ratio: {sweep_s / base_s:.2f}x  (target <= 1.5x) {status}")
        assert sweep_moved == base_moved, "the sweep and the baseline must move the same customers"


# The plain-SQL baseline of a claim: one conditional UPDATE and its commit, no limits and no history.
BASELINE_CLAIM = sa.text("UPDATE customer SET service_seat_id = :seat, pool = 'personal', pool_reason = 'bench' "
                         "WHERE id = :id AND service_seat_id IS NULL AND pool = 'public' RETURNING id")


def _claimer(url: str, seat_id: int, public_ids: list[int], mode: str, barrier: Any, seconds: float,
             results: Any) -> None:
    """One claiming seat in its own process (as a gunicorn worker would be): claim until time is up."""
    from app.auth.models import User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SCHEDULER_ENABLED": False},
                     instance_path=INSTANCE)
    rng = random.Random(seat_id)  # noqa: S311
    won = lost = 0
    with app.app_context():
        seat = db.session.get(User, seat_id)
        db.session.rollback()
        barrier.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            if mode == "baseline":
                claimed = list(db.session.scalars(BASELINE_CLAIM, {"seat": seat_id, "id": rng.choice(public_ids)}))
            elif mode == "extract":
                claimed = services.extract(db.session, seat, [rng.choice(public_ids)]).moved
            else:
                claimed = [c for c in [services.take_next(db.session, seat)] if c]
            db.session.commit()
            won += len(claimed)
            lost += 0 if claimed else 1
        db.session.remove()
        db.engine.dispose()
    results.put((won, lost))


def bench_claims(app: Any, url: str, seconds: float, claimers: int = 16) -> None:
    """Claims per second: 16 seats (processes) extracting one chosen customer at a time, then taking the next;
    first the plain-SQL baseline (one conditional UPDATE per claim), whose customers are put back afterwards."""
    import multiprocessing

    with app.app_context():
        public_ids = list(db.session.scalars(sa.text("SELECT id FROM customer WHERE pool = 'public'")))
        seat_ids = list(db.session.scalars(sa.text(
            "SELECT id FROM users WHERE username LIKE 'bench%' ORDER BY id LIMIT :n"), {"n": claimers}))
        db.session.execute(sa.text("UPDATE system_parameter SET value = '1000000' WHERE key IN "
                                   "('pools.daily_extract_limit', 'pools.owned_customer_cap')"))
        db.session.commit()
        db.engine.dispose()
    context = multiprocessing.get_context("fork")
    for mode in ("baseline", "extract", "take_next"):
        barrier, results = context.Barrier(claimers), context.Queue()
        workers = [context.Process(target=_claimer, args=(url, seat_id, public_ids, mode, barrier, seconds, results))
                   for seat_id in seat_ids]
        for worker in workers:
            worker.start()
        outcomes = [results.get(timeout=seconds + 120) for _ in workers]
        for worker in workers:
            worker.join()
        won, lost = sum(o[0] for o in outcomes), sum(o[1] for o in outcomes)
        with app.app_context():
            doubles = db.session.scalar(sa.text(
                "SELECT count(*) FROM (SELECT customer_id FROM pool_history WHERE reason = 'extract' "
                "GROUP BY customer_id HAVING count(*) > 1) d"))
            if mode == "baseline":  # hand the customers back so the service-layer runs find the same pool
                db.session.execute(sa.text("UPDATE customer SET service_seat_id = NULL, pool = 'public', "
                                           "pool_reason = 'release' WHERE pool_reason = 'bench'"))
                db.session.commit()
            db.engine.dispose()
        print(f"  claims/s, {claimers} concurrent seats, {mode:9}: {won / seconds:8.0f} "
              f"({won:,} claims, {lost:,} lost races, {doubles} double claims)")


def run(label: str, url: str, args: argparse.Namespace) -> None:
    print(f"== {label} (load average {os.getloadavg()[0]:.1f})")
    app = build(url, args.customers, args.public)
    if not args.claims_only:
        bench_sweep(app, args.runs)
    bench_claims(app, url, args.seconds)
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--public", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--claims-only", action="store_true", help="leave out the recycle sweep")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"rules: {SETTINGS}")
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
