"""Staff-performance benchmark (业绩查询): server time of /performance/ on the big data set (bench/_bigdata.py:
1,000 seats, 5,000,000 follow-ups, 200,000 trades over a year) for a head (20 seats), the city manager
(his branch) and admin (every seat), this month and a year-long range, against the plain aggregate SQL
the page replaces (counts per seat straight from follow_up and trade, no facts, no calendar, no rendering).

    .venv/bin/python bench/staff_performance.py                   # SQLite, then PostgreSQL if it answers
    LICAI_BENCH_SCALE=0.01 .venv/bin/python bench/staff_performance.py --only sqlite   # quick smoke run

Target (docs/performance.md): < 200 ms server time per page on both databases. Figures are the median and
p95 of ``--runs`` requests through the Flask test client, logged in, after one warm-up request.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as clock_time
from typing import Any

import sqlalchemy as sa
from _bigdata import big_app, login  # puts the repository on sys.path too
from _common import machine, median_ms, p95_ms, twin

from app import clock  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.extensions import db  # noqa: E402
from app.followups.models import FollowUp, FollowUpKind  # noqa: E402
from app.performance import deals  # noqa: E402
from app.performance.access import PERFORMANCE_VIEW  # noqa: E402
from app.performance.period import this_month  # noqa: E402
from app.performance.seats import seats as seats_of  # noqa: E402
from app.trades.models import Trade  # noqa: E402


def timed(action: Callable[[], Any], runs: int) -> list[float]:
    action()  # warm-up: caches, the first query plans
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def baseline(seat_ids: list[int], start: Any, end: Any) -> None:
    """The plain aggregate the page replaces: per seat, each kind of follow-up and the deals, from the sources."""
    lo = datetime.combine(start, clock_time.min, tzinfo=clock.SHANGHAI)
    hi = datetime.combine(end + timedelta(days=1), clock_time.min, tzinfo=clock.SHANGHAI)
    kinds = [sa.func.sum(sa.case((FollowUp.kind == kind, 1), else_=0)) for kind in FollowUpKind]
    valid = sa.func.sum(sa.case((sa.and_(FollowUp.kind == FollowUpKind.CALL, FollowUp.valid.is_(True)), 1), else_=0))
    db.session.execute(sa.select(FollowUp.user_id, *kinds, valid).where(
        FollowUp.user_id.in_(seat_ids), FollowUp.at >= lo, FollowUp.at < hi).group_by(FollowUp.user_id)).all()
    db.session.execute(sa.select(Trade.seat_id, *deals.aggregates(db.session)).where(
        deals.in_period(start, end), Trade.seat_id.in_(seat_ids)).group_by(Trade.seat_id)).all()
    db.session.rollback()


def run(kind: str, runs: int) -> None:
    with big_app(kind) as built:
        if built is None:
            print(f"\n{kind}: not answering, skipped")
            return
        app, ids = built
        print(f"\n{kind}: {ids.counts}")
        month = this_month()
        today = clock.today()
        year = f"grain=range&start={(today - timedelta(days=364)).isoformat()}&end={today.isoformat()}"
        cases = [("head, 20 seats, this month", ids.head_id, "/performance/", month.start, month.end),
                 ("head, 20 seats, by week", ids.head_id, "/performance/?grain=week&metric=valid_calls",
                  today - timedelta(days=today.weekday()), today),
                 ("head, 20 seats, 365-day range", ids.head_id, f"/performance/?{year}",
                  today - timedelta(days=364), today),
                 ("seat alone, this month", ids.seat_id, "/performance/", month.start, month.end),
                 ("city manager, this month", ids.manager_id, "/performance/", month.start, month.end),
                 ("admin, every seat, this month", ids.admin_id, "/performance/", month.start, month.end)]
        http = twin(app)
        print(f"{'page':34} {'seats':>6} {'median':>9} {'p95':>9} {'plain SQL':>10} {'ratio':>6}")
        for label, viewer_id, url, start, end in cases:
            client = http.test_client()
            login(client, ids.usernames.get(viewer_id) or db.session.get(User, viewer_id).username)
            viewer = db.session.get(User, viewer_id)
            seat_ids = [seat.id for seat in seats_of(db.session, viewer, PERFORMANCE_VIEW)]
            db.session.rollback()

            def page(client: Any = client, url: str = url) -> None:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

            pages = timed(page, runs)
            plain = timed(lambda s=seat_ids, a=start, b=end: baseline(s, a, b), runs)
            print(f"{label:34} {len(seat_ids):>6} {median_ms(pages):>7.1f}ms {p95_ms(pages):>7.1f}ms "
                  f"{median_ms(plain):>8.1f}ms {median_ms(pages) / max(median_ms(plain), 0.001):>5.1f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print(machine())
    for kind in ("sqlite", "postgresql"):
        if args.only in (None, kind):
            run(kind, args.runs)


if __name__ == "__main__":
    main()
