"""Distribution benchmark: 100,000 public-pool customers to 500 seats by weight (权重), history included,
through the distribution engine (plan = dry-run preview, then execute) vs the same work as hand-written SQL.

    .venv/bin/python bench/distribution.py                  # SQLite, then PostgreSQL if it answers
    .venv/bin/python bench/distribution.py --customers 20000 --skip-pg

Target (docs/performance.md): < 3 s on SQLite and on PostgreSQL, ≤ 1.5× the hand-written SQL.
Each timed run is rolled back, so the engine and the baseline start from the same data; figures are medians.
"""

from __future__ import annotations

import argparse
import atexit
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from _common import machine, pg_databases  # puts the repository on sys.path too

INSTANCE = tempfile.mkdtemp(prefix="licai-bench-")
atexit.register(shutil.rmtree, INSTANCE, True)

from app import clock, create_app  # noqa: E402
from app.admin import params  # noqa: E402
from app.database import UTCDateTime  # noqa: E402
from app.extensions import db  # noqa: E402
from app.mining import distribution  # noqa: E402
from app.mining.run_models import RunKind  # noqa: E402
from app.pools.services import OWNED_CAP  # noqa: E402
from rules.distribution import Method, Slot, shares  # noqa: E402

SEATS = 500

# The same plan and moves as the engine, written by hand: targets with ranges expanded into slots, the shuffled
# numbered source joined to them,
# the plan rows, one UPDATE … FROM the plan, one INSERT … SELECT of history.
BASELINE = [
    """INSERT INTO distribution_item (run_id, customer_id, seq, position, seat_id, org_id, from_pool, from_seat_id,
                                      moved)
       WITH RECURSIVE slots(position, seq, hi) AS (
           SELECT position, lo, hi FROM distribution_run_target WHERE run_id = :run AND quota > 0
           UNION ALL SELECT position, seq + 1, hi FROM slots WHERE seq < hi)
       SELECT :run, n.id, n.seq, slots.position, NULL, :org, n.pool, n.service_seat_id, FALSE
       FROM (SELECT c.id, c.pool, c.service_seat_id, row_number() OVER (ORDER BY random()) AS seq
             FROM customer c WHERE c.pool = 'public' AND c.type <> 'invalid'
               AND NOT EXISTS (SELECT 1 FROM customer_phone p WHERE p.customer_id = c.id AND p.phone IN (
                   SELECT phone FROM phone_blacklist_mark GROUP BY phone HAVING count(*) >= 3))) AS n
       JOIN slots ON slots.seq = n.seq""",
    """UPDATE distribution_item SET seat_id = (SELECT t.seat_id FROM distribution_run_target t
                                              WHERE t.run_id = :run AND t.position = distribution_item.position)
       WHERE run_id = :run""",
    """UPDATE customer SET prev_seat_id = coalesce(customer.service_seat_id, customer.prev_seat_id),
              service_seat_id = i.seat_id, service_org_id = i.org_id, pool = 'personal', pool_reason = 'distribute',
              pool_changed_at = :now, pool_move_batch = :batch, assigned_at = :now, followup_count = 0,
              valid_call_count = 0, red_flag_at = NULL, red_flag_reason = '', updated_at = :now
       FROM distribution_item i
       WHERE i.run_id = :run AND i.customer_id = customer.id AND customer.pool = i.from_pool
         AND customer.service_seat_id IS NULL""",
    """UPDATE distribution_item SET moved = TRUE WHERE run_id = :run""",
    """INSERT INTO pool_history (customer_id, at, from_pool, to_pool, from_seat_id, to_seat_id, org_id, reason,
                                 actor_id, note, run_id)
       SELECT i.customer_id, :now, i.from_pool, 'personal', NULL, i.seat_id, i.org_id, 'distribute', NULL, 'bench',
              :run FROM distribution_item i WHERE i.run_id = :run""",
]


def build(url: str, customers: int) -> Any:
    """Migrate a fresh database, add 500 seats with weights 1–5, and put customers in the public pool."""
    from flask_migrate import upgrade

    from app import demo
    from app.cli import seed_base

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SCHEDULER_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "scrypt:1024:8:1"}, instance_path=INSTANCE)
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        seed_base()
        ctx = demo.DemoContext(size="small")
        demo._core(db.session, ctx)
        org_id = ctx.orgs["SH-LC1"].id
        db.session.execute(sa.text(
            "INSERT INTO users (username, work_no, name, org_id, level, tier, weight, status, phone, email, "
            "password_hash, failed_logins, created_at) VALUES (:u, :w, :n, :o, '', '', :weight, 'active', '', '', "
            "'x', 0, :c)"), [{"u": f"bench{i}", "w": f"B{i:05d}", "n": f"坐席{i}", "o": org_id, "weight": 1 + i % 5,
                              "c": clock.now()} for i in range(SEATS)])
        params.set_value(db.session, OWNED_CAP, str(customers))
        now = clock.now()
        rows = "generate_series(1, :n) AS s(i)" if db.engine.dialect.name == "postgresql" else \
            "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) SELECT i FROM s) AS s"
        db.session.execute(sa.text(
            "INSERT INTO customer (number, name, gender, id_type, type, grade, source, import_batch, tags, remark, "
            "service_org_id, pool, pool_reason, pool_changed_at, followup_count, valid_call_count, recycle_count, "
            "red_flag_reason, invalid_reason, invalid_note, created_at, updated_at) "
            f"SELECT 'D' || i, '客户' || i, 'unknown', 'id_card', 'intent', '', '', '', '', '', :org, 'public', "
            f"'release', :now, 0, 0, 0, '', '', '', :now, :now FROM {rows}").bindparams(
                sa.bindparam("now", type_=UTCDateTime())), {"n": customers, "org": org_id, "now": now})
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
    return app


def seat_targets() -> list[distribution.Target]:
    rows = db.session.execute(sa.text("SELECT id, org_id, weight FROM users WHERE username LIKE 'bench%' ORDER BY id"))
    return [distribution.Target(r.id, r.org_id, r.weight, f"坐席{r.id}") for r in rows]


def timed(work: Any, runs: int) -> tuple[float, int]:
    times, moved = [], 0
    for _ in range(runs):
        db.session.rollback()
        db.session.connection()
        start = time.perf_counter()
        moved = work()
        times.append(time.perf_counter() - start)
        db.session.rollback()
    return statistics.median(times), moved


def bench(app: Any, label: str, runs: int) -> None:
    with app.app_context():
        targets = seat_targets()
        source = sa.select(distribution.Customer.id).where(distribution.Customer.pool == "public")

        def engine() -> int:
            run = distribution.plan(db.session, kind=RunKind.AUTO, method=Method.WEIGHT, targets=targets,
                                    source=source, actor_id=None, title="bench", rng=random.Random(1))
            return distribution.execute(db.session, run, None).moved

        def baseline() -> int:
            now = clock.now()
            n = int(db.session.scalar(sa.text("SELECT count(*) FROM customer WHERE pool = 'public'")) or 0)
            quotas = shares(n, [Slot(t.weight) for t in targets], Method.WEIGHT, random.Random(1))
            run_id = db.session.execute(sa.text(
                "INSERT INTO distribution_run (kind, status, method, title, source_count, planned, moved, skipped, "
                "created_at) VALUES ('auto', 'done', 'weight', 'bench', :n, :n, :n, 0, :now) RETURNING id").bindparams(
                    sa.bindparam("now", type_=UTCDateTime())), {"n": n, "now": now}).scalar_one()
            rows, hi = [], 0
            for position, (t, quota) in enumerate(zip(targets, quotas, strict=True), start=1):
                rows.append({"run": run_id, "p": position, "s": t.seat_id, "o": t.org_id, "w": t.weight, "q": quota,
                             "lo": hi + 1, "hi": hi + quota})
                hi += quota
            db.session.execute(sa.text(
                "INSERT INTO distribution_run_target (run_id, position, seat_id, org_id, label, weight, quota, lo, "
                "hi, allowed, moved) VALUES (:run, :p, :s, :o, '', :w, :q, :lo, :hi, :hi, 0)"), rows)
            moved = 0
            for statement in BASELINE:
                text = sa.text(statement)
                if ":now" in statement:
                    text = text.bindparams(sa.bindparam("now", type_=UTCDateTime()))
                values = {"run": run_id, "org": targets[0].org_id, "now": now, "batch": -1}
                result = db.session.execute(text, {k: v for k, v in values.items() if f":{k}" in statement})
                if statement.startswith("UPDATE customer"):
                    moved = int(result.rowcount)  # type: ignore[attr-defined]
            return moved

        base_s, base_moved = timed(baseline, runs)
        engine_s, engine_moved = timed(engine, runs)
        status = "OK" if engine_s <= 1.5 * base_s and engine_s < 3 else "OVER TARGET"
        print(f"  {label}: engine {engine_s * 1000:7.0f} ms (moved {engine_moved:,} to {SEATS} seats by weight, "
              f"plan + execute + history)")
        print(f"  {label}: hand-written SQL {base_s * 1000:7.0f} ms (moved {base_moved:,})")
        print(f"  {label}: ratio {engine_s / base_s:.2f}x (target <= 1.5x, < 3 s) {status}")
        assert engine_moved == base_moved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    print(machine())
    bench(build(f"sqlite:///{INSTANCE}/bench.db", args.customers), "SQLite", args.runs)
    if args.skip_pg:
        return
    with pg_databases() as pg:
        if pg is None:
            print("  PostgreSQL does not answer: skipped")
            return
        version, create = pg
        bench(build(create(), args.customers), f"PostgreSQL {version}", args.runs)


if __name__ == "__main__":
    main()
