"""Quota daily facts rebuild over the big data set (5,000,000 follow-ups, 1,000 seats, a year) vs the plain
INSERT … SELECT that aggregates follow_up the same way — on SQLite and PostgreSQL.

    .venv/bin/python bench/facts_rebuild.py                    # scale 1.0, SQLite then PostgreSQL if it answers
    LICAI_BENCH_SCALE=0.01 .venv/bin/python bench/facts_rebuild.py --only sqlite

Timed: ``app.quotas.facts.rebuild`` for the whole year (配额维护's 重算实绩 over 365 days) and for the last 7 days
(the nightly repair), each against a hand-written DELETE of the same days + one INSERT … SELECT … GROUP BY over
follow_up (no intent marks, no lock, no row count). Every run happens in a transaction that is rolled back, so
the runs start from the same data; the figure is the median. The script checks both wrote the same counts.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import sqlalchemy as sa
from _bigdata import bench_scale, big_app
from _common import machine  # puts the repository on sys.path too

from app import clock  # noqa: E402
from app.extensions import db  # noqa: E402
from app.quotas import facts  # noqa: E402

SUMS = "SELECT coalesce(sum(valid_call), 0), coalesce(sum(visit), 0), coalesce(sum(invitation), 0), count(*) " \
       "FROM quota_daily_fact WHERE day >= :start AND day <= :end"


def baseline(session: Any, start: date, end: date) -> None:
    """The plain set-based statement: delete the days, insert the per (seat, day) counts of follow_up."""
    pg = session.get_bind().dialect.name == "postgresql"
    day = "CAST(timezone('Asia/Shanghai', at) AS date)" if pg else "date(at, '+8 hours')"
    lo = datetime.combine(start, clock_time.min, tzinfo=clock.SHANGHAI)
    hi = datetime.combine(end + timedelta(days=1), clock_time.min, tzinfo=clock.SHANGHAI)
    at_type = sa.bindparam("lo", type_=facts.FollowUp.at.type), sa.bindparam("hi", type_=facts.FollowUp.at.type)
    session.execute(sa.text("DELETE FROM quota_daily_fact WHERE day >= :start AND day <= :end"),
                    {"start": start, "end": end})
    names = _fact_columns(session)[2:]
    counted = {"valid_call": "kind = 'call' AND valid", "visit": "kind IN ('visit', 'incoming_visit')",
               "invitation": "kind = 'invitation'",
               # columns a later migration may add (every call, 来访, 沙龙)
               "call": "kind = 'call'", "incoming_visit": "kind = 'incoming_visit'", "salon": "kind = 'salon'"}
    values = ", ".join(f"sum(CASE WHEN {counted[name]} THEN 1 ELSE 0 END)" if name in counted else "0"
                       for name in names)
    # without a column for every call, an invalid call counts for nothing: leave those rows out
    only = "" if "call" in names else " AND (kind <> 'call' OR valid)"
    session.execute(sa.text(
        f"INSERT INTO quota_daily_fact (user_id, day, {', '.join(names)}) SELECT user_id, {day}, {values} "
        f"FROM follow_up WHERE at >= :lo AND at < :hi{only} GROUP BY user_id, {day}").bindparams(*at_type),
        {"lo": lo, "hi": hi})


def _fact_columns(session: Any) -> list[str]:
    return [column["name"] for column in sa.inspect(session.get_bind()).get_columns("quota_daily_fact")]


def timed(work: Callable[[], Any], start: date, end: date, runs: int) -> tuple[float, tuple[int, ...]]:
    """Median seconds of ``work`` over runs, each in a transaction rolled back afterwards; the sums it left."""
    samples, sums = [], ()
    for _ in range(runs):
        db.session.rollback()
        db.session.connection()  # begin outside the timing
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
        sums = tuple(int(v) for v in db.session.execute(sa.text(SUMS), {"start": start, "end": end}).one())
        db.session.rollback()
    return statistics.median(samples), sums


def run(kind: str, runs: int) -> None:
    with big_app(kind) as built:
        if built is None:
            print(f"{kind}: not answering, skipped")
            return
        app, ids = built
        version = db.session.scalar(sa.text("SELECT sqlite_version()" if kind == "sqlite" else "SHOW server_version"))
        print(f"{kind} {version}: {ids.counts['follow_up']:,} follow-ups, {ids.counts['quota_daily_fact']:,} fact rows "
              f"(scale {ids.scale:g})")
        today = clock.today()
        for label, days in (("a year (重算实绩, 365 days)", 365), ("the nightly repair (7 days)", 7)):
            start, end = today - timedelta(days=days - 1), today
            facts_s, facts_sums = timed(lambda s=start, e=end: facts.rebuild(db.session, s, e), start, end, runs)
            plain_s, plain_sums = timed(lambda s=start, e=end: baseline(db.session, s, e), start, end, runs)
            # the plain statement leaves out the intent marks: compare the follow-up counts only
            assert facts_sums[:3] == plain_sums[:3], f"rebuild {facts_sums} and baseline {plain_sums} disagree"
            print(f"  {label}: facts.rebuild {facts_s * 1000:8.0f} ms ({facts_sums[3]:,} seat-days) | "
                  f"plain INSERT … SELECT {plain_s * 1000:8.0f} ms | ratio {facts_s / plain_s:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(machine())
    print(f"scale {bench_scale():g}")
    for kind in ("sqlite", "postgresql"):
        if args.only in (None, kind):
            run(kind, args.runs)


if __name__ == "__main__":
    main()
