"""Report pages (查询&报表) over the big data set, on SQLite and PostgreSQL: server time of each page (summary +
chart + one detail page, this month, logged in through the Flask test client) against the plain aggregate SQL the
page's summary replaces, for a ratio.

    .venv/bin/python bench/reports.py                       # scale 1.0, SQLite then PostgreSQL if it answers
    LICAI_BENCH_SCALE=0.01 .venv/bin/python bench/reports.py --only sqlite

Viewers: the city manager (manager01: his branch, about a fifth of the data set), a head (big_h00: 20 seats) and a
seat (big_s0000). Each page is requested ``--runs`` times (default 20) after one warm-up; median and p95 printed.
The baseline is one hand-written GROUP BY over the same rows and period without data scope, labels or detail.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import sqlalchemy as sa
from _bigdata import bench_scale, big_app, login
from _common import machine, timed  # puts the repository on sys.path too

from app import clock  # noqa: E402
from app.extensions import db  # noqa: E402

# page, who, the plain aggregate it replaces (:lo/:hi instants, :start/:end days of this month)
PAGES: list[tuple[str, str, str]] = [
    ("/reports/trades/?by=status", "manager",
     "SELECT status, count(*), sum(intended_amount) FROM trade WHERE created_at >= :lo AND created_at < :hi "
     "GROUP BY status"),
    ("/reports/trades/?by=project", "head",
     "SELECT project_id, count(*), sum(intended_amount) FROM trade WHERE created_at >= :lo AND created_at < :hi "
     "GROUP BY project_id"),
    ("/reports/followups/?by=seat", "manager",
     "SELECT user_id, count(*), sum(CASE WHEN valid THEN 1 ELSE 0 END) FROM follow_up "
     "WHERE at >= :lo AND at < :hi GROUP BY user_id"),
    ("/reports/followups/?by=kind", "head",
     "SELECT kind, count(*) FROM follow_up WHERE at >= :lo AND at < :hi GROUP BY kind"),
    ("/reports/followups/?by=result", "seat",
     "SELECT result, count(*) FROM follow_up WHERE at >= :lo AND at < :hi GROUP BY result"),
    ("/reports/pools/?by=reason", "manager",
     "SELECT reason, count(*) FROM pool_history WHERE at >= :lo AND at < :hi GROUP BY reason"),
    ("/reports/pools/?by=move", "head",
     "SELECT from_pool, to_pool, count(*) FROM pool_history WHERE at >= :lo AND at < :hi GROUP BY from_pool, to_pool"),
    ("/reports/acquisition/?by=source", "manager",
     "SELECT source, count(*) FROM customer WHERE created_at >= :lo AND created_at < :hi GROUP BY source"),
    ("/reports/acquisition/?by=batch", "head",
     "SELECT import_batch, count(*) FROM customer WHERE created_at >= :lo AND created_at < :hi GROUP BY import_batch"),
    ("/reports/incomes/?by=project", "manager",
     "SELECT t.project_id, count(*), sum(i.amount) FROM trade_income i JOIN trade t ON t.id = i.trade_id "
     "WHERE i.income_date >= :start AND i.income_date <= :end GROUP BY t.project_id"),
]




def run(kind: str, runs: int) -> None:
    with big_app(kind) as built:
        if built is None:
            print(f"{kind}: not answering, skipped")
            return
        app, ids = built
        version = db.session.scalar(sa.text("SELECT sqlite_version()" if kind == "sqlite" else "SHOW server_version"))
        print(f"{kind} {version}: {ids.counts['customer']:,} customers, {ids.counts['follow_up']:,} follow-ups, "
              f"{ids.counts['trade']:,} trades, {ids.counts['pool_history']:,} pool moves (scale {ids.scale:g})")
        today = clock.today()
        start = today.replace(day=1)
        lo = datetime.combine(start, clock_time.min, tzinfo=clock.SHANGHAI)
        hi = datetime.combine(today + timedelta(days=1), clock_time.min, tzinfo=clock.SHANGHAI)
        if kind == "sqlite":  # stored as naive UTC text
            lo, hi = (moment.astimezone(UTC).replace(tzinfo=None) for moment in (lo, hi))
        binds = {"lo": lo, "hi": hi, "start": start, "end": today}
        clients = {}
        for who in ("manager", "head", "seat"):
            clients[who] = app.test_client()
            login(clients[who], getattr(ids, who))
        db.session.commit()
        for url, who, sql in PAGES:
            client = clients[who]

            def page(client: Any = client, url: str = url) -> None:
                response = client.get(url)
                assert response.status_code == 200, f"{url}: {response.status_code}"

            def plain(sql: str = sql) -> None:
                db.session.execute(sa.text(sql), binds).all()
                db.session.rollback()

            page_median, page_p95 = timed(page, runs)
            plain_median, _ = timed(plain, runs)
            print(f"  {url:40} {who:8} page {page_median:7.1f} ms (p95 {page_p95:7.1f}) | "
                  f"plain GROUP BY {plain_median:7.1f} ms | ratio {page_median / max(plain_median, 0.01):5.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print(machine())
    print(f"scale {bench_scale():g}")
    for kind in ("sqlite", "postgresql"):
        if args.only in (None, kind):
            run(kind, args.runs)


if __name__ == "__main__":
    main()
