"""Member level evaluation (会员等级评定) over 1,000,000 members vs one hand-written SQL UPDATE (and the same
INSERT … SELECT into the level history) — on SQLite, then PostgreSQL if it answers.

    .venv/bin/python bench/member_levels.py                   # 1,000,000 members
    .venv/bin/python bench/member_levels.py --members 100000 --only sqlite

The scratch database gets the small demo (its three levels and the shipped rules/member_levels.dmn) and then,
set-based, ``--members`` member rows (points 0–2,999, cumulative subscription 0–4,990,000) and a trade for every
third of them (arrival-confirmed, 10万–900万, one in ten settled or refunded, so 持有金额 differs from 累计认购).
The generated rows name customers that do not exist (foreign keys are off while they are written): the
evaluation never reads the customer table. Timed: ``app.members.levels.evaluate_all`` — the decision table
compiled to one CASE in one UPDATE plus the history INSERT … SELECT — against the same work written by hand.
Every run starts from the same data (a rolled-back transaction, everyone still 未定级, so every row changes);
the figure is the median of the runs, taken alternately after a warm-up. The script checks both leave the same
level counts.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from _common import command_line, scratch_app  # puts the repository on sys.path too

from app import clock  # noqa: E402
from app.extensions import db  # noqa: E402
from app.members import levels  # noqa: E402

FIRST_ID = 10_000_000  # generated members' customer ids start here, past any real customer
HOLDING = ("(SELECT coalesce(sum(t.arrival_amount), 0) FROM trade t WHERE t.customer_id = member.customer_id "
           "AND t.arrival_confirmed AND t.status NOT IN ('failed', 'refunded', 'settled'))")
LEVEL = (f"CASE WHEN points_balance >= 2000 THEN 'gold' WHEN {HOLDING} >= 5000000 THEN 'gold' "
         f"WHEN points_balance >= 500 THEN 'silver' WHEN {HOLDING} >= 1000000 THEN 'silver' "
         "WHEN cumulative_subscription >= 3000000 THEN 'silver' ELSE 'normal' END")
BASELINE_UPDATE = (f"UPDATE member SET previous_level = level_code, level_code = {LEVEL}, level_since = :now "
                   f"WHERE level_code <> {LEVEL}")
BASELINE_HISTORY = ("INSERT INTO member_level_change (customer_id, from_level, to_level, \"trigger\", changed_at) "
                    "SELECT customer_id, previous_level, level_code, 'nightly', :now FROM member "
                    "WHERE level_since = :now")
COUNTS = "SELECT level_code, count(*) FROM member GROUP BY level_code ORDER BY level_code"


def generate(session: Any, members: int) -> None:
    """Write the members and their trades set-based (recursive CTE), foreign keys off on SQLite."""
    pg = session.get_bind().dialect.name == "postgresql"
    if pg:
        session.execute(sa.text("SET session_replication_role = replica"))  # no FK triggers for the fake ids
    else:
        session.commit()
        session.execute(sa.text("PRAGMA foreign_keys = OFF"))
    numbers = ("SELECT generate_series(0, :n - 1) AS i" if pg else
               "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < :n - 1) SELECT i FROM seq")
    now = clock.now()
    session.execute(sa.text(
        "INSERT INTO member (customer_id, level_code, previous_level, points_balance, cumulative_subscription, "
        f"joined_at) SELECT {FIRST_ID} + i, '', '', (i * 7919) % 3000, ((i * 104729) % 500) * 10000, :now "
        f"FROM ({numbers}) AS s").bindparams(sa.bindparam("now", type_=db.Model.metadata.tables[
            "member"].c.joined_at.type)), {"n": members, "now": now})
    ref = session.execute(sa.text("SELECT project_id, seat_id, org_id FROM trade LIMIT 1")).one()
    statuses = "CASE WHEN i % 10 = 0 THEN 'settled' WHEN i % 10 = 5 THEN 'refunded' ELSE 'income' END"
    session.execute(sa.text(
        "INSERT INTO trade (trade_no, customer_id, project_id, seat_id, org_id, intended_amount, arrival_amount, "
        "arrival_confirmed, status, status_reason, returned_from, review_round, contract_no, "
        "collective_contract_no, bank_name, bank_account, remark, status_changed_at, created_at, member_level, "
        "member_fee_discount, member_yield_bonus) "
        f"SELECT 'BM' || i, {FIRST_ID} + i * 3, :project, :seat, :org, ((i * 31) % 90 + 10) * 100000, "
        f"((i * 31) % 90 + 10) * 100000, {'true' if pg else '1'}, {statuses}, '', '', 1, '', '', '', '', '', "
        ":now, :now, '', 0, 0 "
        f"FROM ({numbers}) AS s").bindparams(sa.bindparam("now", type_=db.Model.metadata.tables[
            "trade"].c.created_at.type)),
        {"n": members // 3, "project": ref.project_id, "seat": ref.seat_id, "org": ref.org_id, "now": now})
    session.commit()
    if not pg:
        session.execute(sa.text("PRAGMA foreign_keys = ON"))
        session.execute(sa.text("ANALYZE"))
        session.commit()


def timed(work: Callable[[], Any], runs: int) -> tuple[float, list[tuple[str, int]]]:
    """Median seconds of ``work`` over runs, each in a transaction rolled back afterwards; the level counts."""
    samples: list[float] = []
    counts: list[tuple[str, int]] = []
    for _ in range(runs):
        db.session.rollback()
        db.session.connection()  # begin outside the timing
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
        counts = [tuple(row) for row in db.session.execute(sa.text(COUNTS))]  # type: ignore[misc]
        db.session.rollback()
    return statistics.median(samples), counts


def baseline() -> None:
    now = clock.now()
    param = sa.bindparam("now", type_=db.Model.metadata.tables["member"].c.level_since.type)
    db.session.execute(sa.text(BASELINE_UPDATE).bindparams(param), {"now": now})
    db.session.execute(sa.text(BASELINE_HISTORY).bindparams(param), {"now": now})


def run(kind: str, members: int, runs: int) -> None:
    with scratch_app(kind) as app:
        if app is None:
            print(f"{kind}: not answering, skipped")
            return
        db.session.execute(sa.text("UPDATE member SET level_code = ''"))  # the demo's members start 未定级 too
        db.session.commit()
        started = time.perf_counter()
        generate(db.session, members)
        total = db.session.scalar(sa.text("SELECT count(*) FROM member"))
        trades = db.session.scalar(sa.text("SELECT count(*) FROM trade"))
        print(f"{kind}: {total:,} members, {trades:,} trades generated in {time.perf_counter() - started:.1f} s")
        # one untimed run each to warm the cache, then interleaved with the order swapped every round, so neither
        # side always gets the first (slower) slot and a busy moment of the shared machine hits both alike
        ours_runs, plain_runs = [], []
        timed(baseline, 1)
        for round_no in range(runs):
            pair = [(ours_runs, lambda: levels.evaluate_all(db.session, clock.now())), (plain_runs, baseline)]
            for bucket, work in pair if round_no % 2 == 0 else reversed(pair):
                bucket.append(timed(work, 1))
        ours, our_counts = statistics.median(r[0] for r in ours_runs), ours_runs[-1][1]
        plain, plain_counts = statistics.median(r[0] for r in plain_runs), plain_runs[-1][1]
        assert our_counts == plain_counts, f"evaluate_all {our_counts} and the baseline {plain_counts} disagree"
        print(f"  levels.evaluate_all {ours:7.2f} s | hand-written UPDATE + INSERT … SELECT {plain:7.2f} s | "
              f"ratio {ours / plain:.2f}x | target < 60 s | levels {dict(our_counts)}")


def main() -> None:
    kinds, args = command_line(__doc__, runs=3, more=lambda parser: parser.add_argument(
        "--members", type=int, default=1_000_000))
    for kind in kinds:
        run(kind, args.members, args.runs)


if __name__ == "__main__":
    main()
