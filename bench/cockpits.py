"""The cockpits (驾驶舱) over the big data set: server time per page through the Flask test client, logged in,
against the plain aggregate SQL each page replaces — on SQLite and PostgreSQL.

    .venv/bin/python bench/cockpits.py                       # scale 1.0, SQLite then PostgreSQL if it answers
    LICAI_BENCH_SCALE=0.01 .venv/bin/python bench/cockpits.py --only sqlite

Pages: 指导驾驶舱 for the city manager of 上海分公司 (branch scope) and for admin (everything), this month and
a whole year (自定义区间); 客户经理驾驶舱 for the busiest seat and for a head's whole department. Each figure is
the median and p95 of ``--runs`` requests (after one warm-up). The baseline runs the same grouped aggregates as
hand-written SQL without data scope, labels, charts or template (one statement per figure, run one after the
other), so the ratio shows what the page adds around its SQL. The leadership page keeps its figures five
minutes per scope and period: it is timed computed (``fresh=1``, what 刷新 does) and served from that cache.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import sqlalchemy as sa
from _bigdata import bench_scale, big_app, login
from _common import machine, timed, twin  # puts the repository on sys.path too

from app import clock  # noqa: E402
from app.extensions import db  # noqa: E402

DEAL = "arrival_confirmed AND arrival_date IS NOT NULL AND status NOT IN ('refunded', 'failed')"


def _month_case(column: str, starts: list[date]) -> str:
    whens = " ".join(f"WHEN {column} < '{start.isoformat()}' THEN {i}" for i, start in enumerate(starts[1:]))
    return f"CASE {whens} ELSE {len(starts) - 1} END"


def leadership_sql(start: date, end: date) -> list[tuple[str, dict[str, Any]]]:
    """The leadership cockpit's figures as plain SQL, company-wide."""
    first = (end.replace(day=1) - timedelta(days=330)).replace(day=1)
    starts, cursor = [], first
    while len(starts) < 12:
        starts.append(cursor)
        cursor = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1)
    period = {"start": start, "end": end}
    year = {"start": first, "end": end}
    lo = datetime.combine(start, clock_time.min, tzinfo=clock.SHANGHAI)
    hi = datetime.combine(end + timedelta(days=1), clock_time.min, tzinfo=clock.SHANGHAI)
    deal_in = f"{DEAL} AND arrival_date >= :start AND arrival_date <= :end"
    return [
        (f"SELECT count(*), sum(arrival_amount) FROM trade WHERE {deal_in}", period),
        (f"SELECT project_id, count(*), sum(arrival_amount) FROM trade WHERE {deal_in} GROUP BY project_id "
         "ORDER BY 3 DESC LIMIT 10", period),
        (f"SELECT org_id, count(*), sum(arrival_amount) FROM trade WHERE {deal_in} GROUP BY org_id", period),
        (f"SELECT seat_id, count(*), sum(arrival_amount) FROM trade WHERE {deal_in} GROUP BY seat_id "
         "ORDER BY 3 DESC LIMIT 10", period),
        (f"SELECT {_month_case('arrival_date', starts)}, count(*), sum(arrival_amount) FROM trade WHERE {deal_in} "
         "GROUP BY 1", year),
        (f"SELECT {_month_case('income_date', starts)}, sum(amount) FROM trade_income WHERE status = 'submitted' "
         "AND income_date >= :start AND income_date <= :end GROUP BY 1", year),
        (f"SELECT {_month_case('p.payment_date', starts)}, sum(l.amount) FROM interest_line l JOIN interest_payment p "
         "ON p.id = l.payment_id WHERE p.status = 'posted' AND p.payment_date >= :start AND p.payment_date <= :end "
         "GROUP BY 1", year),
        (f"SELECT count(*) FROM customer c WHERE EXISTS (SELECT 1 FROM trade t WHERE t.customer_id = c.id AND "
         f"t.{DEAL.replace(' AND ', ' AND t.')} AND t.status <> 'settled')", {}),
        ("SELECT pool, count(*) FROM customer GROUP BY pool", {}),
        ("SELECT reason, count(*) FROM pool_history WHERE at >= :lo AND at < :hi GROUP BY reason",
         {"lo": lo, "hi": hi}),
    ]


def manager_sql(seat_id: int, start: date, end: date) -> list[tuple[str, dict[str, Any]]]:
    """The manager cockpit's figures for one seat as plain SQL."""
    return [
        ("SELECT type, count(*) FROM customer WHERE service_seat_id = :seat AND pool = 'personal' GROUP BY type",
         {"seat": seat_id}),
        ("SELECT status, count(*), sum(arrival_amount) FROM trade WHERE seat_id = :seat GROUP BY status",
         {"seat": seat_id}),
        (f"SELECT count(*), sum(arrival_amount) FROM trade WHERE seat_id = :seat AND {DEAL} "
         "AND arrival_date >= :start AND arrival_date <= :end", {"seat": seat_id, "start": start, "end": end}),
        (f"SELECT seat_id, sum(arrival_amount) FROM trade WHERE {DEAL} AND arrival_date >= :start "
         "AND arrival_date <= :end GROUP BY seat_id", {"start": start, "end": end}),
    ]




def plain(statements: list[tuple[str, dict[str, Any]]]) -> Callable[[], None]:
    def run() -> None:
        for sql, params in statements:
            db.session.execute(sa.text(sql), params).all()
        db.session.rollback()
    return run


def page(client: Any, url: str) -> Callable[[], None]:
    def get() -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return get


def run(kind: str, runs: int) -> None:
    with big_app(kind) as built:
        if built is None:
            print(f"{kind}: not answering, skipped")
            return
        app, ids = built
        version = db.session.scalar(sa.text("SELECT sqlite_version()" if kind == "sqlite" else "SHOW server_version"))
        db.session.commit()
        print(f"{kind} {version}: {ids.counts.get('customer', 0):,} customers, {ids.counts.get('trade', 0):,} trades, "
              f"{ids.counts.get('pool_history', 0):,} pool moves (scale {ids.scale:g})")
        today = clock.today()
        month_start = today.replace(day=1)
        month_end = (month_start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        year_start = today - timedelta(days=364)
        db.session.commit()  # SQLite: the requests' log-ins need the write lock
        web, clients = twin(app), {}
        for username in (ids.manager, ids.admin, ids.seat, ids.head):
            clients[username] = web.test_client()
            login(clients[username], username)
        cases = [
            ("指导驾驶舱 本月（城市经理）", ids.manager, "/cockpits/leadership",
             leadership_sql(month_start, month_end)),
            ("指导驾驶舱 本月（admin 全部）", ids.admin, "/cockpits/leadership",
             leadership_sql(month_start, month_end)),
            ("指导驾驶舱 一年区间（城市经理）", ids.manager,
             f"/cockpits/leadership?grain=range&start={year_start}&end={today}", leadership_sql(year_start, today)),
            ("客户经理驾驶舱（坐席）", ids.seat, "/cockpits/manager", manager_sql(ids.seat_id, month_start, month_end)),
            ("客户经理驾驶舱（主管全部门）", ids.head, "/cockpits/manager",
             manager_sql(ids.seat_id, month_start, month_end)),
        ]
        for label, username, url, statements in cases:
            sql_median, _ = timed(plain(statements), runs)
            if "leadership" in url:  # computed (刷新, fresh=1) and then served from the five-minute cache
                joined = "&" if "?" in url else "?"
                cold_median, cold_p95 = timed(page(clients[username], f"{url}{joined}fresh=1"), runs)
                warm_median, warm_p95 = timed(page(clients[username], url), runs)
                print(f"  {label:<22} computed: median {cold_median:7.1f} ms  p95 {cold_p95:7.1f} ms | cached: "
                      f"median {warm_median:6.1f} ms  p95 {warm_p95:6.1f} ms | plain SQL {sql_median:7.1f} ms | "
                      f"ratio computed/plain {cold_median / sql_median:5.2f}x")
                continue
            page_median, page_p95 = timed(page(clients[username], url), runs)
            print(f"  {label:<22} page median {page_median:7.1f} ms  p95 {page_p95:7.1f} ms | plain SQL "
                  f"{sql_median:7.1f} ms | ratio {page_median / sql_median:5.2f}x")


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
