"""Process analytics (流程性能) pages over the big data set (200,000 trade_review instances, about 1,000,000 task
rows) vs the plain aggregate SQL they replace — on SQLite and PostgreSQL.

    .venv/bin/python bench/process_analytics.py                    # scale 1.0, SQLite then PostgreSQL if it answers
    LICAI_BENCH_SCALE=0.01 .venv/bin/python bench/process_analytics.py --only sqlite

Timed (server time through the Flask test client, logged in as designer01; median and p95 of --runs requests,
a quarter of them for the year; the app heap frozen with gc.freeze() as a worker would after start-up): the
process list, the trade_review page with its heatmap for this month and for a whole year (a custom range), and
the API. The baseline is one hand-written GROUP BY per element — count and average waiting time over the
same tasks, no percentiles, no handling time, no overdue counts, no instance figures — so the ratio shows what
the medians, p90s and the rest of the page cost on top of the plainest aggregate.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from _bigdata import bench_scale, big_app, login
from _common import machine  # puts the repository on sys.path too

from app import clock  # noqa: E402
from app.extensions import db  # noqa: E402
from app.performance.period import Grain, Period, this_month  # noqa: E402
from app.process_analytics import figures  # noqa: E402


def baseline(session: Any, period: Period) -> list[Any]:
    """Per element: how many tasks completed in the period and their mean wait — the plainest aggregate."""
    start, end = figures.bounds(period)
    task = figures.WorkflowTask
    wait = figures.seconds_between(task.created_at, sa.func.coalesce(task.claimed_at, task.completed_at))
    return list(session.execute(sa.select(task.element_id, sa.func.count(), sa.func.avg(wait)).where(
        task.process_key == "trade_review", task.completed_at >= start, task.completed_at < end,
        task.status == figures.TaskStatus.COMPLETED).group_by(task.element_id)))


def timed(work: Callable[[], Any], runs: int) -> tuple[float, float]:
    """Median and p95 milliseconds of ``work`` over ``runs`` (after one warm-up)."""
    work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]


def run(kind: str, runs: int) -> None:
    with big_app(kind) as built:
        if built is None:
            print(f"{kind}: not answering, skipped")
            return
        app, ids = built
        version = db.session.scalar(sa.text("SELECT sqlite_version()" if kind == "sqlite" else "SHOW server_version"))
        tasks = db.session.scalar(sa.text("SELECT count(*) FROM workflow_task"))
        claimed = db.session.scalar(sa.text("SELECT count(*) FROM workflow_task WHERE claimed_at IS NOT NULL"))
        instances = db.session.scalar(sa.text("SELECT count(*) FROM process_instance"))
        print(f"{kind} {version}: {tasks:,} task rows ({claimed:,} claimed), {instances:,} instances "
              f"(scale {ids.scale:g})")
        client = app.test_client()
        login(client, ids.designer)
        # As a web worker would after start-up: the app's heap is frozen so full collections do not walk it
        # (docs/performance.md, task calendar: that walk alone is about 100 ms here).
        gc.freeze()
        today = clock.today()
        month, year = this_month(), Period(Grain.RANGE, today - timedelta(days=364), today)
        year_args = f"grain=range&start={year.start.isoformat()}&end={year.end.isoformat()}"
        pages = [("process list, this month", "/process-analytics/", month),
                 ("trade_review heatmap, this month", "/process-analytics/trade_review", month),
                 ("trade_review heatmap, a year", f"/process-analytics/trade_review?{year_args}", year),
                 ("API trade_review, this month", "/api/v1/process-analytics/trade_review", month)]
        for label, url, period in pages:
            def get(u: str = url) -> None:
                response = client.get(u)
                assert response.status_code == 200, (u, response.status_code)
            count = runs if period is month else max(3, runs // 4)  # a year of tasks takes longer per request
            page_ms, page_p95 = timed(get, count)
            plain_ms, _ = timed(lambda p=period: baseline(db.session, p), count)
            print(f"  {label:34} median {page_ms:7.1f} ms  p95 {page_p95:7.1f} ms | plain GROUP BY "
                  f"{plain_ms:7.1f} ms | ratio {page_ms / plain_ms:5.1f}x")
        found = figures.element_figures(db.session, "trade_review", month)
        print("  this month per element: " + ", ".join(
            f"{e.element_id} n={e.completed} wait median {e.waiting.median} p90 {e.waiting.p90}" for e in found))
        gc.unfreeze()


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
