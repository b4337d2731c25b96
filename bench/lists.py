"""The large lists over the big data set: server time of the first, a middle and the last page through the Flask
test client, logged in as the user whose scope makes the list large — on SQLite and PostgreSQL.

    .venv/bin/python bench/lists.py                       # scale 1.0, SQLite then PostgreSQL if it answers
    LICAI_BENCH_SCALE=0.01 .venv/bin/python bench/lists.py --only sqlite

Lists (keyset pages with a count bounded at 10,000, ``app.pagination``): 客户信息管理 for the city manager of
上海分公司 and for a department head, 公共信息池 for a seat, 部门信息池 and 城市经理公共池 for the city manager,
跟进记录 for the city manager and a head, 交易监控 for admin, 日志查询 for admin (1,000,000 audit rows are added to
a scratch copy first) and 我的待办 (已办 and 组内待办) for a branch's finance user. A middle page is the page after
the row in the middle of the whole table in the list's order (``?after=<its key>``); the last is ``?last=1``.

Baselines, plain SQL on the same table without data scope, labels or template: ``keyset`` is the page's rows
fetched by the sort key at that depth (``WHERE key < :cursor ORDER BY key LIMIT 51``), ``offset`` the same rows by
``LIMIT 50 OFFSET n`` and ``count`` the exact ``count(*)`` — what the pages ran before (an exact count of the scope
and OFFSET) cost at least that.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from _bigdata import bench_scale, big_app, login
from _common import machine, twin  # puts the repository on sys.path too

from app.extensions import db  # noqa: E402

AUDIT_ROWS = 1_000_000


@dataclass(frozen=True)
class Case:
    label: str
    username: str
    url: str
    table: str
    where: str  # the list's main condition, without data scope
    keys: tuple[str, ...]
    descending: bool


def cases(ids: Any, finance: str, finance_id: int) -> list[Case]:
    return [
        Case("客户信息管理（城市经理）", ids.manager, "/customers/", "customer", "1=1", ("id",), True),
        Case("客户信息管理（部门主管）", ids.head, "/customers/", "customer", "1=1", ("id",), True),
        Case("公共信息池（坐席）", ids.seat, "/pools/public", "customer", "pool = 'public'",
             ("pool_changed_at", "id"), False),
        Case("部门信息池（城市经理）", ids.manager, "/pools/department", "customer", "pool = 'department'",
             ("pool_changed_at", "id"), True),
        Case("城市经理公共池（城市经理）", ids.manager, "/pools/city", "customer", "pool = 'city'",
             ("pool_changed_at", "id"), True),
        Case("跟进记录（城市经理）", ids.manager, "/followups/records", "follow_up", "1=1", ("at", "id"), True),
        Case("跟进记录（部门主管）", ids.head, "/followups/records", "follow_up", "1=1", ("at", "id"), True),
        Case("交易监控（admin）", ids.admin, "/trades/admin/monitor", "trade", "1=1", ("id",), True),
        Case("日志查询（admin）", ids.admin, "/admin/audit/", "audit_log", "1=1", ("id",), True),
        Case("我的待办 已办（财务）", finance, "/tasks/?tab=done", "workflow_task",
             f"completed_by_id = {finance_id}", ("completed_at", "id"), True),
        Case("我的待办 组内（财务）", finance, "/tasks/?tab=group", "workflow_task",
             "status = 'open' AND candidate_role = 'finance'", ("created_at", "id"), True),
    ]


def timed(work: Callable[[], Any], runs: int) -> tuple[float, float]:
    """Median and p95 milliseconds of ``work`` after one warm-up run."""
    work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return median_p95(samples)


def median_p95(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]


class SqlClock:
    """Seconds spent in the database driver per statement, from the engine's cursor events."""

    def __init__(self, engine: Any) -> None:
        self.statements: list[tuple[float, str]] = []
        self._started: list[float] = []
        sa.event.listen(engine, "before_cursor_execute", lambda *_: self._started.append(time.perf_counter()))
        sa.event.listen(engine, "after_cursor_execute", self._stop)

    def _stop(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.statements.append((time.perf_counter() - self._started.pop(), statement))


def add_audit_rows(kind: str, count: int) -> None:
    """``count`` audit rows over the last year, set-based."""
    rows = (f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) SELECT i FROM n"
            if kind == "sqlite" else f"SELECT generate_series(1, {count}) AS i")
    at = ("datetime(julianday('2026-06-17 02:00:00') - (:count - i) * 365.0 / :count)" if kind == "sqlite"
          else "timestamptz '2026-06-17 02:00:00+00' - (:count - i) * interval '31536 seconds' / (:count / 1000.0)")
    db.session.execute(sa.text(
        "INSERT INTO audit_log (at, actor_id, actor_name, action, object_type, object_id, summary, ip) "  # noqa: S608
        f"SELECT {at}, 1, 'admin', 'customer.update', 'customer', CAST(i AS VARCHAR(20)), '修改客户资料', "
        f"'10.0.0.1' FROM ({rows}) AS s"), {"count": count})
    db.session.commit()
    if kind == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE audit_log")


def cursor_text(value: Any) -> str:
    if isinstance(value, str):  # a SQLite timestamp: stored in UTC without the offset
        value = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.isoformat() if isinstance(value, datetime) else str(value)


def run(kind: str, runs: int, only: str = "") -> None:
    with big_app(kind, writable=True) as built:
        if built is None:
            print(f"{kind}: not answering, skipped")
            return
        app, ids = built
        version = db.session.scalar(sa.text("SELECT sqlite_version()" if kind == "sqlite" else "SHOW server_version"))
        started = time.perf_counter()
        add_audit_rows(kind, int(AUDIT_ROWS * ids.scale))
        print(f"{kind} {version}: {ids.counts['customer']:,} customers, {ids.counts['follow_up']:,} follow-ups, "
              f"{ids.counts['trade']:,} trades, {ids.counts['workflow_task']:,} task rows, "
              f"{int(AUDIT_ROWS * ids.scale):,} audit rows added in {time.perf_counter() - started:.0f} s "
              f"(scale {ids.scale:g})")
        finance = "big_f0"
        finance_id = db.session.scalar(sa.text("SELECT id FROM users WHERE username = :u"), {"u": finance})
        db.session.commit()  # SQLite: the requests' log-ins need the write lock
        web, clients = twin(app), {}
        with web.app_context():
            sql_clock = SqlClock(db.engine)
        for case in cases(ids, finance, finance_id):
            if only not in case.label:
                continue
            if case.username not in clients:
                clients[case.username] = web.test_client()
                login(clients[case.username], case.username)
            measure(case, clients[case.username], sql_clock, runs)


def measure(case: Case, client: Any, sql_clock: SqlClock, runs: int) -> None:
    direction = "DESC" if case.descending else "ASC"
    order = ", ".join(f"{k} {direction}" for k in case.keys)
    columns = ", ".join(case.keys)
    total = db.session.scalar(sa.text(f"SELECT count(*) FROM {case.table} WHERE {case.where}"))  # noqa: S608
    middle = db.session.execute(sa.text(f"SELECT {columns} FROM {case.table} WHERE {case.where} "  # noqa: S608
                                        f"ORDER BY {order} LIMIT 1 OFFSET :n"), {"n": total // 2}).one()
    db.session.rollback()
    cursor = "~".join(cursor_text(v) for v in middle)
    joined = "&" if "?" in case.url else "?"
    compare = "<" if case.descending else ">"
    row_key = f"({columns})" if len(case.keys) > 1 else columns
    params = {f"k{i}": v for i, v in enumerate(middle)}
    marks = ", ".join(f":k{i}" for i in range(len(middle)))
    bound = f"({marks})" if len(case.keys) > 1 else marks

    sql_ms: list[float] = []
    list_ms: list[float] = []
    on_table = re.compile(rf"FROM {case.table}\b")

    def get(url: str) -> Callable[[], None]:
        def work() -> None:
            sql_clock.statements.clear()
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            sql_ms.append(sum(t for t, _ in sql_clock.statements) * 1000)
            list_ms.append(sum(t for t, sql in sql_clock.statements if on_table.search(sql)) * 1000)
        return work

    def sql(statement: str, values: dict[str, Any] | None = None) -> Callable[[], None]:
        def work() -> None:
            db.session.execute(sa.text(statement), values or {}).all()
            db.session.rollback()
        return work

    where = f"WHERE {case.where}"
    keyset_sql = sql(f"SELECT * FROM {case.table} {where} AND {row_key} {compare} {bound} "  # noqa: S608
                     f"ORDER BY {order} LIMIT 51", params)
    offset_sql = sql(f"SELECT * FROM {case.table} {where} ORDER BY {order} LIMIT 50 OFFSET {total // 2}")  # noqa: S608
    count_sql = sql(f"SELECT count(*) FROM {case.table} {where}")  # noqa: S608
    pages = {"first": case.url, "middle": f"{case.url}{joined}{urlencode({'after': cursor})}",
             "last": f"{case.url}{joined}last=1"}
    figures = {name: timed(get(url), runs) for name, url in pages.items()}
    sql_median, sql_p95 = median_p95(sql_ms)
    list_median, list_p95 = median_p95(list_ms)
    plain = {name: timed(work, max(3, runs // 4))[0] for name, work in
             (("keyset", keyset_sql), ("offset", offset_sql), ("count", count_sql))}
    print(f"  {case.label:<16} {total:>9,} rows | " + " | ".join(
        f"{name} {median:6.1f} / {p95:6.1f} ms" for name, (median, p95) in figures.items())
        + f" | all SQL of a request {sql_median:5.1f} / {sql_p95:6.1f} ms, of it on {case.table} (page + count) "
          f"{list_median:5.1f} / {list_p95:6.1f} ms"
        + f" || plain SQL (middle): keyset {plain['keyset']:6.1f} ms, OFFSET {plain['offset']:7.1f} ms, "
          f"count(*) {plain['count']:7.1f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--list", default="", help="only the lists whose label contains this, e.g. 跟进记录")
    args = parser.parse_args()
    print(machine())
    print(f"scale {bench_scale():g}; per page: median / p95 of {args.runs} requests")
    for kind in ("sqlite", "postgresql"):
        if args.only in (None, kind):
            run(kind, args.runs, args.list)


if __name__ == "__main__":
    main()
