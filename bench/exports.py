"""Export benchmark: the 客户信息 export of 10,000 and 100,000 customers through the app, time to first byte,
total time and peak memory, against writing the same rows with the bare libraries — SQLite and PostgreSQL.

    .venv/bin/python bench/exports.py                       # 100,000 customers; SQLite, then PostgreSQL
    .venv/bin/python bench/exports.py --customers 20000 --runs 3 --skip-pg

Customers (with one or two phones, an address, a few blacklisted phones) are generated set-based into a
scratch database (SQLite file; PostgreSQL database next to LICAI_BENCH_PG_URL, dropped afterwards). The
city manager manager01 exports through the test client, reading the body chunk by chunk as a server
would: 10,000 rows are one import batch (``?batch=``), 100,000 the whole scope (the export cap).
Every export case runs in a fresh process, so its peak RSS (``ru_maxrss``) less the RSS before the
first request is what the export itself held. The baselines write the same rows, already in memory,
with the writer alone, with openpyxl's write-only workbook and (when installed) XlsxWriter's
constant_memory mode; "plain query" reads the same columns with one SQL statement.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from _common import machine, median_ms, p95_ms, pg_databases  # puts the repository on sys.path too

BATCH_10K = "BENCH-10K"


def build(url: str, customers: int, instance: str) -> None:
    """Migrate a fresh database with base data and the small demo, then generate customers set-based."""
    from flask_migrate import upgrade

    from app import create_app, demo
    from app.cli import seed_base
    from app.extensions import db

    app = create_app(_config(url), instance_path=instance)
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        seed_base()
        demo.load(db.session, size="small")
        db.session.commit()
        t0 = time.perf_counter()
        _generate(customers)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        print(f"  generated {customers:,} customers with phones and addresses in {time.perf_counter() - t0:.1f} s")
        db.engine.dispose()


def _generate(n: int) -> None:
    from app import clock
    from app.extensions import db

    ids = dict(db.session.execute(sa.text("SELECT username, id FROM users WHERE username IN ('seat01', 'seat02')"))
               .all())
    org = db.session.scalar(sa.text("SELECT org_id FROM users WHERE username = 'seat01'"))
    params = {"n": n, "org": org, "s1": ids["seat01"], "s2": ids["seat02"], "now": clock.now(),
              "batch": BATCH_10K}
    columns = ("number, name, gender, birthday, id_type, id_number, type, grade, source, import_batch, tags, remark, "
               "service_seat_id, service_org_id, pool, pool_reason, pool_changed_at, assigned_at, followup_count, "
               "valid_call_count, recycle_count, red_flag_reason, invalid_reason, invalid_note, last_followup_at, "
               "created_at, updated_at")
    # Awkward values on purpose: a remark a spreadsheet would evaluate, Chinese text, dates and date-times.
    values = """'X' || {num}, '压测客户' || i, CASE WHEN i % 2 = 0 THEN 'male' ELSE 'female' END, {birthday},
        'id_card', '11010119800101' || {tail}, CASE WHEN i % 3 = 0 THEN 'valid' ELSE 'intent' END,
        CASE WHEN i % 4 = 0 THEN 'A' ELSE 'B' END, 'phone', CASE WHEN i <= 10000 THEN :batch ELSE 'BENCH' END,
        '沙龙意向,稳健', CASE WHEN i % 10 = 0 THEN '=1+1 公式' ELSE '喜欢稳健产品' END,
        CASE i % 2 WHEN 0 THEN :s1 ELSE :s2 END, :org, 'personal', 'assign', :now, :now, 0, 0, 0,
        '', '', '', {followed}, :now, :now"""
    if db.engine.dialect.name == "postgresql":
        series = "FROM generate_series(1, :n) AS i"
        cte = ""
        fmt = {"num": "lpad(i::text, 9, '0')", "tail": "lpad((i % 10000)::text, 4, '0')",
               "birthday": "DATE '1960-01-01' + (i % 15000)",
               "followed": "CAST(:now AS timestamptz) - (i % 400) * interval '1 hour'"}
    else:
        series = "FROM s"
        cte = "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) "
        params["now"] = params["now"].astimezone(clock.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        fmt = {"num": "printf('%09d', i)", "tail": "printf('%04d', i % 10000)",
               "birthday": "date('1960-01-01', '+' || (i % 15000) || ' days')",
               "followed": "strftime('%Y-%m-%d %H:%M:%f000', :now, '-' || (i % 400) || ' hours')"}
    db.session.execute(sa.text(f"{cte}INSERT INTO customer ({columns}) SELECT {values.format(**fmt)} {series}"),
                       params)
    first = db.session.scalar(sa.text("SELECT min(id) FROM customer WHERE number LIKE 'X%'"))
    db.session.execute(sa.text(
        "INSERT INTO customer_phone (customer_id, phone, is_primary, remark) "
        "SELECT id, '139' || substr(number, 3, 8), true, '' FROM customer WHERE id >= :f"), {"f": first})
    db.session.execute(sa.text(
        "INSERT INTO customer_phone (customer_id, phone, is_primary, remark) "
        "SELECT id, '021' || substr(number, 3, 8), false, '' FROM customer WHERE id >= :f AND id % 3 = 0"),
        {"f": first})
    db.session.execute(sa.text(
        "INSERT INTO customer_address (customer_id, kind, address, postcode, is_primary) "
        "SELECT id, 'home', '上海市浦东新区世纪大道' || id || '号', '200120', true FROM customer WHERE id >= :f"),
        {"f": first})
    db.session.execute(sa.text(
        "INSERT INTO phone_blacklist_mark (phone, user_id, reason, at) SELECT p.phone, u.id, '骚扰', :now "
        "FROM customer_phone p CROSS JOIN users u WHERE p.customer_id >= :f AND p.customer_id % 500 = 0 "
        "AND p.is_primary AND u.username IN ('seat01', 'seat02', 'seat11')"), {"f": first, "now": params["now"]})


def _config(url: str) -> dict[str, Any]:
    return {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1", "SCHEDULER_ENABLED": False}


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def child_export(url: str, instance: str, batch: str, runs: int) -> dict[str, Any]:
    """Export through the app ``runs`` times; time to first byte, total, bytes and peak RSS growth."""
    from app import create_app
    from app.demo import DEMO_PASSWORD

    app = create_app(_config(url), instance_path=instance)
    client = app.test_client()
    client.post("/login", data={"username": "manager01", "password": DEMO_PASSWORD})
    query = {"batch": batch} if batch else {}
    client.get("/customers/", query_string=query)  # warm imports and caches outside the measured request
    before = _rss_kb()
    first, total, size = [], [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get("/customers/export", query_string=query, buffered=False)
        size, ttfb = 0, None
        for chunk in response.response:
            if chunk and ttfb is None:
                ttfb = time.perf_counter() - t0
            size += len(chunk)
        response.close()
        total.append(time.perf_counter() - t0)
        first.append(ttfb or 0.0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"first": first, "total": total, "bytes": size, "rss_mb": (peak - before) / 1024}


def child_baselines(url: str, instance: str, batch: str, runs: int) -> dict[str, Any]:
    """The same rows, read once into memory, written by each library alone; and the columns by plain SQL."""
    from openpyxl import Workbook

    from app import create_app
    from app.auth.models import User
    from app.customers import exports, services
    from app.customers.access import CUSTOMERS_VIEW
    from app.customers.models import Customer
    from app.database import write_intent
    from app.exports import EXPORT_CAP, escape_cell
    from app.extensions import db
    from app.xlsx_writer import stream_xlsx

    app = create_app(_config(url), instance_path=instance)
    out: dict[str, Any] = {}
    write_intent.set(False)  # read as a GET request does, without SQLite's write lock
    with app.app_context():
        manager = db.session.scalar(sa.select(User).where(User.username == "manager01"))
        stmt = services.scoped(sa.select(Customer), services.customer_scope(db.session, manager, CUSTOMERS_VIEW))
        if batch:
            stmt = stmt.where(Customer.import_batch == batch)
        stmt = stmt.order_by(Customer.id)
        plain = []
        sql = stmt.with_only_columns(*exports.EXPORT_COLUMNS).limit(EXPORT_CAP)
        for _ in range(runs):
            t0 = time.perf_counter()
            with db.engine.connect() as conn:
                conn.execute(sql).all()
            plain.append(time.perf_counter() - t0)
        out["plain query"] = plain
        rows = [[escape_cell(value) for value in row] for row in exports.export_rows(db.session, stmt)]
        headers = exports.EXPORT_HEADERS

    def ours() -> None:
        for _chunk in stream_xlsx(headers, rows):
            pass

    def openpyxl_write_only() -> None:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("数据")
        ws.append(headers)
        for row in rows:
            ws.append(row)
        wb.save(io.BytesIO())

    writers = {"app.xlsx_writer alone": ours, "openpyxl write-only": openpyxl_write_only}
    try:
        import xlsxwriter  # type: ignore[import-not-found]  # optional: measured when installed

        def xlsxwriter_constant_memory() -> None:
            with tempfile.NamedTemporaryFile(suffix=".xlsx") as target:
                book = xlsxwriter.Workbook(target.name, {"constant_memory": True, "strings_to_formulas": False,
                                                         "strings_to_numbers": False, "strings_to_urls": False})
                sheet = book.add_worksheet("数据")
                sheet.write_row(0, 0, headers)
                for number, row in enumerate(rows, start=1):
                    sheet.write_row(number, 0, row)
                book.close()

        writers["XlsxWriter constant_memory"] = xlsxwriter_constant_memory
    except ImportError:
        pass
    for name, write in writers.items():
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            write()
            samples.append(time.perf_counter() - t0)
        out[name] = samples
    out["rows"] = len(rows)
    return out


def _in_child(kind: str, url: str, instance: str, batch: str, runs: int) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--child", kind, url, instance, batch, str(runs)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(label: str, url: str, args: argparse.Namespace) -> None:
    print(f"== {label} (load average {os.getloadavg()[0]:.1f})")
    with tempfile.TemporaryDirectory(prefix="licai-bench-") as instance:
        build(url, args.customers, instance)
        for name, batch, runs in (("10,000 rows", BATCH_10K, args.runs), ("100,000 rows", "", args.big_runs)):
            found = _in_child("export", url, instance, batch, runs)
            base = _in_child("baselines", url, instance, batch, runs)
            print(f"  {name} ({base['rows']:,} rows, {found['bytes'] / 1e6:.1f} MB .xlsx), {runs} runs:")
            print(f"    export over HTTP: first byte median {median_ms(found['first']):,.0f} ms, total median "
                  f"{median_ms(found['total']):,.0f} ms / p95 {p95_ms(found['total']):,.0f} ms; "
                  f"peak RSS +{found['rss_mb']:.0f} MB")
            for what in [key for key in base if key != "rows"]:
                ratio = median_ms(found["total"]) / median_ms(base[what])
                print(f"    {what:<28} median {median_ms(base[what]):,.0f} ms  (export = {ratio:.1f}x)")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, url, instance, batch, runs = sys.argv[2:7]
        work = child_export if kind == "export" else child_baselines
        print(json.dumps(work(url, instance, batch, int(runs))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="runs of the 10,000-row export")
    parser.add_argument("--big-runs", type=int, default=3, help="runs of the 100,000-row export")
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory(prefix="licai-bench-") as folder:
            run("SQLite", f"sqlite:///{folder}/bench.db", args)
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
