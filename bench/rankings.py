"""Rankings benchmark (业绩排名): the month's three boards of ~1,000 seats over 200,000 trades and the daily facts
of 5,000,000 follow-ups (bench/_bigdata.py), through HTTP as the city manager — the page, the home page with its
金榜 / 银榜 panel, the API and the export — against the baseline: the plain aggregate SQL the boards replace
(deals per seat over ``trade``, invitations per seat over ``quota_daily_fact``, one month).

    .venv/bin/python bench/rankings.py                           # SQLite, then PostgreSQL if it answers
    LICAI_BENCH_SCALE=0.01 .venv/bin/python bench/rankings.py --only sqlite --runs 5

Target (docs/performance.md): < 200 ms server time per page on SQLite and PostgreSQL; figures are medians (p95).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from _bigdata import big_app, login  # puts the repository on sys.path (through _common)
from _common import machine, median_ms, p95_ms, twin

from app.auth.models import User  # noqa: E402
from app.extensions import db  # noqa: E402
from app.performance import deals, period, rankings, rankings_records  # noqa: E402
from app.quotas.models import DailyFact  # noqa: E402
from app.trades.models import Trade  # noqa: E402

TARGET_MS = 200


def timed(work: Callable[[], Any], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
        db.session.rollback()
    return samples


def baseline(start: Any, end: Any) -> Any:
    """The plain aggregate SQL the boards replace: deals and amounts per seat, invitations per seat."""
    trades = db.session.execute(sa.select(Trade.seat_id, sa.func.count(Trade.id), sa.func.sum(Trade.arrival_amount))
                                .where(deals.in_period(start, end)).group_by(Trade.seat_id)).all()
    invitations = db.session.execute(sa.select(DailyFact.user_id, sa.func.sum(DailyFact.invitation))
                                     .where(DailyFact.day >= start, DailyFact.day <= end)
                                     .group_by(DailyFact.user_id)).all()
    return trades, invitations


def bench(app: Any, ids: Any, label: str, runs: int) -> None:
    from app.cli import seed_base

    seed_base()  # a data set cached before 业绩排名 existed lacks its permission (writable copy: nothing kept)
    db.session.commit()
    month = period.this_month()
    manager = db.session.get(User, ids.manager_id)
    seat = db.session.get(User, ids.seat_id)
    found = rankings.boards(db.session, month.start, month.end)
    counts = {m.label: sum(1 for e in b.entries if e.value) for m, b in found.items()}
    place = rankings.rank_of(db.session, seat, rankings.RANKED[0], month.start, month.end)
    print(f"  {label}: {found[rankings.RANKED[0]].total:,} ranked seats; seats with a figure this month: {counts}; "
          f"{seat.username}'s 交易金额 rank {place}")
    names = (manager.username, seat.username)
    from app.auth.services import create_api_token

    _record, token = create_api_token(db.session, manager, "bench")
    db.session.commit()

    web = twin(app)
    clients = {}
    for name in names:
        client = web.test_client()
        login(client, name)
        clients[name] = client

    def get(client: Any, url: str, **kwargs: Any) -> Callable[[], None]:
        def call() -> None:
            response = client.get(url, **kwargs)
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return call

    manager_client, seat_client = clients[names[0]], clients[names[1]]
    department = seat.org_id
    pages = {
        "rankings page, company (HTTP)": get(manager_client, "/performance/rankings/"),
        "rankings page, seat's department (HTTP)": get(manager_client, f"/performance/rankings/?org_id={department}"),
        "rankings page as a seat (HTTP)": get(seat_client, "/performance/rankings/"),
        "新员工纪录 page, company (HTTP)": get(manager_client, "/performance/rankings/records"),
        "home page with 金榜/银榜 panel, seat (HTTP)": get(seat_client, "/"),
        "rankings API, 3 boards (HTTP)": get(web.test_client(), "/api/v1/performance/rankings",
                                                headers={"Authorization": f"Bearer {token}"}),
        "rankings export .xlsx, every seat (HTTP)": get(manager_client, "/performance/rankings/export"),
    }
    figures = {name: timed(call, runs) for name, call in pages.items()}
    services = {
        "three boards (service)": timed(lambda: rankings.boards(db.session, month.start, month.end), runs),
        "rank_of one seat (service)": timed(lambda: rankings.rank_of(db.session, db.session.get(User, ids.seat_id),
                                                                     rankings.RANKED[0], month.start, month.end),
                                            runs),
        "新员工纪录 both (service)": timed(lambda: (rankings_records.fastest_first_deals(db.session),
                                                 rankings_records.biggest_deals(db.session)), runs),
    }
    plain = timed(lambda: baseline(month.start, month.end), runs)
    for name, samples in figures.items():
        status = "OK" if median_ms(samples) < TARGET_MS else "OVER TARGET"
        print(f"  {label}: {name}: {median_ms(samples):6.1f} ms (p95 {p95_ms(samples):.1f}) "
              f"= {median_ms(samples) / median_ms(plain):.1f}× the plain SQL {status}")
    for name, samples in services.items():
        print(f"  {label}: {name}: {median_ms(samples):6.1f} ms (p95 {p95_ms(samples):.1f})")
    print(f"  {label}: baseline, plain aggregate SQL (deals + invitations per seat, month): "
          f"{median_ms(plain):6.1f} ms (p95 {p95_ms(plain):.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    scale = float(os.environ.get("LICAI_BENCH_SCALE", "1.0"))
    print(f"machine: {machine()}; scale {scale}")
    for kind in ("sqlite", "postgresql"):
        if args.only and kind != args.only:
            continue
        with big_app(kind, scale, writable=True) as built:
            if built is None:
                print(f"  [{kind}] PostgreSQL not answering; skipped")
                continue
            app, ids = built
            version = db.session.scalar(sa.text("SHOW server_version" if kind == "postgresql" else
                                                "SELECT sqlite_version()"))
            bench(app, ids, f"{'PostgreSQL' if kind == 'postgresql' else 'SQLite'} {version}", args.runs)


if __name__ == "__main__":
    main()
