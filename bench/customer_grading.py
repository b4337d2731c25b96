"""Customer grading (客户评级) over 1,000,000 customers: the grading job (the DMN tables compiled to SQL by
app.workflow.dmn_tables) vs one hand-written SQL doing the same scoring with plain CASE — on SQLite and on
PostgreSQL. Target: < 60 s.

    .venv/bin/python bench/customer_grading.py                    # SQLite, then PostgreSQL if it answers
    .venv/bin/python bench/customer_grading.py --customers 100000 --only sqlite

The data is generated set-based on top of the small demo in a scratch database (SQLite: a temporary file;
PostgreSQL: a database created next to LICAI_BENCH_PG_URL and dropped afterwards): customers created over
eight years, 0.4 trades and 2 follow-ups per customer. Two situations are timed, each inside a transaction
rolled back afterwards, so the job and the baseline start from the same data:

- first grading: nobody graded yet, so every customer changes grade (a history row each);
- nightly: the same data graded once already (committed), so no grade changes.

Both write the same rows (the snapshot, history rows, customer.grade) and the script checks they agree.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from _common import command_line, scratch_app  # puts the repository on sys.path too

from app import clock
from app.database import UTCDateTime
from app.extensions import db
from app.grading import services
from app.grading.models import CustomerGrading

TARGET_SECONDS = 60.0


def generate(customers: int) -> None:
    """Customers over eight years, 0.4 trades and 2 follow-ups per customer, in three INSERT … SELECT."""
    session = db.session
    seat_id, org_id = session.execute(sa.text("SELECT id, org_id FROM users WHERE username = 'seat01'")).one()
    projects = [row[0] for row in session.execute(sa.text("SELECT id FROM project ORDER BY id"))]
    postgres = db.engine.dialect.name == "postgresql"
    now = clock.now()
    params: dict[str, Any] = {"n": customers, "seat": seat_id, "org": org_id, "t": customers * 4 // 10,
                              "f": customers * 2, "p": len(projects), "p0": min(projects)}
    if postgres:
        params["now"] = now
        series = "generate_series(1, {n}) AS s(i)"
        ago = "CAST(:now AS timestamptz) - ({days}) * interval '1 day' - (i % 24) * interval '1 hour'"
        number = "lpad(i::text, 9, '0')"
        start = ""
    else:
        params["now"] = now.astimezone(clock.UTC).strftime("%Y-%m-%d %H:%M:%S")
        series = "s"
        ago = "strftime('%Y-%m-%d %H:%M:%f000', :now, '-' || ({days}) || ' days', '-' || (i % 24) || ' hours')"
        number = "printf('%09d', i)"
        start = "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
    session.execute(sa.text(
        start.format(n=":n") +
        "INSERT INTO customer (number, name, gender, id_type, type, grade, source, import_batch, tags, remark, "
        "service_seat_id, service_org_id, pool, pool_reason, pool_changed_at, followup_count, valid_call_count, "
        "recycle_count, red_flag_reason, invalid_reason, invalid_note, created_at, updated_at) "
        f"SELECT 'G' || {number}, '评级客户' || i, 'unknown', 'id_card', "
        "CASE WHEN i % 3 = 0 THEN 'dealt' ELSE 'intent' END, '', 'phone', '', '', '', :seat, :org, 'personal', "
        f"'assign', {ago.format(days='i % 2920')}, 0, 0, 0, '', '', '', {ago.format(days='i % 2920')}, "
        f"{ago.format(days='i % 2920')} FROM {series.format(n=':n')}"), params)
    params["c0"] = session.scalar(sa.text("SELECT min(id) FROM customer WHERE number LIKE 'G%'"))
    # Statuses: 5 % failed, 5 % refunded, 10 % still under review (not arrived), the rest arrived.
    status = ("CASE WHEN i % 20 = 0 THEN 'failed' WHEN i % 20 = 1 THEN 'refunded' WHEN i % 20 IN (2, 3) "
              "THEN 'finance_audit' WHEN i % 20 < 12 THEN 'income' ELSE 'settled' END")
    session.execute(sa.text(
        start.format(n=":t") +
        "INSERT INTO trade (trade_no, customer_id, project_id, seat_id, org_id, intended_amount, arrival_amount, "
        "arrival_confirmed, status, status_reason, returned_from, review_round, contract_no, "
        "collective_contract_no, bank_name, bank_account, remark, status_changed_at, created_at) "
        f"SELECT 'GT' || {number}, :c0 + (CAST(i AS BIGINT) * 7919) % :n, :p0 + i % :p, :seat, :org, "
        f"100000 * (1 + i % 50), 100000 * (1 + i % 50), i % 20 NOT IN (0, 2, 3), {status}, '', '', 1, "
        "'', '', '', '', '', "
        f"{ago.format(days='i % 730')}, {ago.format(days='i % 730')} FROM {series.format(n=':t')}"), params)
    session.execute(sa.text(
        start.format(n=":f") +
        "INSERT INTO follow_up (customer_id, user_id, kind, at, phone, connected, valid, duration_seconds, result, "
        "content, created_at) "
        "SELECT :c0 + (CAST(i AS BIGINT) * 104729) % :n, :seat, "
        "CASE WHEN i % 10 < 8 THEN 'call' WHEN i % 10 = 8 THEN 'visit' ELSE 'salon' END, "
        f"{ago.format(days='i % 180')}, '', i % 2 = 0, i % 3 = 0, 90, '', '', {ago.format(days='i % 180')} "
        f"FROM {series.format(n=':f')}"), params)
    session.commit()
    if postgres:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        session.execute(sa.text("ANALYZE"))
        session.commit()


# The shipped tables (rules/customer_grading.dmn, rules/customer_grade_bands.dmn) written by hand.
ROWS = [("holding >= 5000000", 30), ("holding >= 1000000 AND holding < 5000000", 24),
        ("holding >= 300000 AND holding < 1000000", 16), ("holding > 0 AND holding < 300000", 8),
        ("collection_rate >= 100", 20), ("collection_rate >= 80 AND collection_rate < 100", 16),
        ("collection_rate >= 50 AND collection_rate < 80", 10), ("collection_rate > 0 AND collection_rate < 50", 4),
        ("years >= 5", 15), ("years >= 3 AND years < 5", 10), ("years >= 1 AND years < 3", 5),
        ("products >= 3", 15), ("products = 2", 10), ("products = 1", 5),
        ("activity >= 6", 20), ("activity >= 3 AND activity < 6", 12), ("activity >= 1 AND activity < 3", 5)]
SCORE = " + ".join(f"CASE WHEN {condition} THEN {points} ELSE 0 END" for condition, points in ROWS)
FIRED = " || ".join(f"CASE WHEN {condition} THEN ',{n}' ELSE '' END" for n, (condition, _p) in enumerate(ROWS, 1))


def baseline_statements(postgres: bool) -> list[str]:
    years = ("CAST(floor(extract(epoch FROM (CAST(:now AS timestamptz) - c.created_at)) / 31557600) AS INTEGER)"
             if postgres else "CAST((julianday(:stamp) - julianday(c.created_at)) / 365.25 AS INTEGER)")
    inputs = f"""
SELECT c.id AS customer_id, c.grade AS previous_grade, coalesce(t.holding, 0) AS holding,
  CASE WHEN t.intended > 0 THEN CAST(t.arrived AS BIGINT) * 100 / CAST(t.intended AS BIGINT) ELSE 0 END
    AS collection_rate,
  {years} AS years, coalesce(t.products, 0) AS products, coalesce(f.activity, 0) AS activity
FROM customer c
LEFT JOIN (SELECT customer_id,
    sum(CASE WHEN arrival_confirmed AND status NOT IN ('failed', 'refunded') THEN arrival_amount ELSE 0 END)
      AS holding,
    count(DISTINCT CASE WHEN arrival_confirmed AND status NOT IN ('failed', 'refunded') THEN project_id END)
      AS products,
    sum(CASE WHEN created_at >= :year_ago AND status != 'failed'
        THEN CAST(round(intended_amount * 100) AS BIGINT) ELSE 0 END) AS intended,
    sum(CASE WHEN created_at >= :year_ago AND arrival_confirmed AND status NOT IN ('failed', 'refunded')
        THEN CAST(round(arrival_amount * 100) AS BIGINT) ELSE 0 END) AS arrived
  FROM trade GROUP BY customer_id) t ON t.customer_id = c.id
LEFT JOIN (SELECT customer_id, count(*) AS activity FROM follow_up
  WHERE at >= :quarter_ago AND (kind != 'call' OR valid) GROUP BY customer_id) f ON f.customer_id = c.id
WHERE c.pool != 'deleted'"""
    scored = f"SELECT i.*, {SCORE} AS score, {FIRED} AS fired FROM ({inputs}) i"
    return [
        "DELETE FROM customer_grading",
        "INSERT INTO customer_grading (customer_id, rules_key, run_id, score, grade, previous_grade, fired, holding, "
        "collection_rate, years, products, activity, computed_at) "
        "SELECT customer_id, 'customer_grading', :run, score, "
        "CASE WHEN score >= 60 THEN 'A' WHEN score >= 30 THEN 'B' ELSE 'C' END, previous_grade, "
        "CASE WHEN fired = '' THEN '' ELSE fired || ',' END, holding, collection_rate, years, products, activity, "
        f":now FROM ({scored}) s",
        "INSERT INTO customer_grade_history (customer_id, run_id, old_grade, new_grade, score, changed_at) "
        "SELECT customer_id, :run, previous_grade, grade, score, :now FROM customer_grading "
        "WHERE previous_grade != grade",
        "UPDATE customer SET grade = (SELECT grade FROM customer_grading g WHERE g.customer_id = customer.id) "
        "WHERE id IN (SELECT customer_id FROM customer_grading WHERE previous_grade != grade)",
    ]


def baseline(run_id: int) -> int:
    """The hand-written grading; returns how many customers changed grade."""
    postgres = db.engine.dialect.name == "postgresql"
    now = clock.now()
    values = {"now": now, "year_ago": now - timedelta(days=services.RATE_DAYS),
              "quarter_ago": now - timedelta(days=services.ACTIVITY_DAYS),
              "stamp": now.astimezone(clock.UTC).strftime("%Y-%m-%d %H:%M:%S"), "run": run_id}
    changed = 0
    for sql in baseline_statements(postgres):
        statement = sa.text(sql).bindparams(*[sa.bindparam(k, type_=UTCDateTime())
                                              for k in ("now", "year_ago", "quarter_ago") if f":{k}" in sql])
        result = db.session.execute(statement, {k: v for k, v in values.items() if f":{k}" in sql})
        if sql.startswith("UPDATE"):
            changed = int(result.rowcount)  # type: ignore[attr-defined]
    return changed


def snapshot() -> list[tuple[Any, ...]]:
    """A digest of the graded rows, to prove the job and the baseline wrote the same thing."""
    return list(db.session.execute(sa.select(CustomerGrading.grade, sa.func.count(), sa.func.sum(CustomerGrading.score),
                                             sa.func.count(sa.distinct(CustomerGrading.fired)))
                                   .group_by(CustomerGrading.grade).order_by(CustomerGrading.grade)))


def cpu_seconds() -> float:
    """CPU time of whoever does the database work: this process on SQLite (the library runs in it), the
    PostgreSQL backend serving the session otherwise (same machine: /proc/<pid>/stat). Unlike wall time it
    does not grow with the other work on a shared machine."""
    if db.engine.dialect.name != "postgresql":
        return time.process_time()
    pid = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def timed(work: Any) -> tuple[float, float, Any, Any]:
    """Wall and CPU seconds of ``work()`` in a transaction rolled back afterwards; its result and what it wrote."""
    db.session.rollback()
    db.session.connection()
    cpu, start = cpu_seconds(), time.perf_counter()
    result = work()
    db.session.flush()
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    written = snapshot()
    db.session.rollback()
    return seconds, cpu, result, written


def compare(label: str) -> None:
    now = clock.now()
    job_s, job_cpu, run, job_rows = timed(lambda: services.grade_customers(db.session, now).changed_count)
    run_id = db.session.scalar(sa.text("SELECT coalesce(max(id), 0) FROM grading_run")) or 0
    if not run_id:  # the rolled-back run left no row for the baseline's history rows to point at
        db.session.execute(sa.text("INSERT INTO grading_run (trigger, score_version, band_version, started_at, "
                                   "duration_ms, customer_count, changed_count, summary) VALUES ('manual', 0, 0, "
                                   ":now, 0, 0, 0, 'bench')").bindparams(sa.bindparam("now", type_=UTCDateTime())),
                           {"now": now})
        db.session.commit()
        run_id = db.session.scalar(sa.text("SELECT max(id) FROM grading_run"))
    base_s, base_cpu, base_changed, base_rows = timed(lambda: baseline(run_id))
    status = "OK" if job_s < TARGET_SECONDS else "OVER TARGET"
    print(f"  {label} (changed {run:,}):\n"
          f"    grading job      {job_s:6.1f} s wall, {job_cpu:6.1f} s CPU  "
          f"[target < {TARGET_SECONDS:.0f} s: {status}]\n"
          f"    hand-written SQL {base_s:6.1f} s wall, {base_cpu:6.1f} s CPU\n"
          f"    ratio {job_s / base_s:.2f}x wall, {job_cpu / base_cpu:.2f}x CPU", flush=True)
    assert run == base_changed and job_rows == base_rows, (job_rows, base_rows)


def bench(kind: str, customers: int) -> None:
    with scratch_app(kind) as app:
        if app is None:
            print(f"{kind}: not answering, skipped")
            return
        print(f"{kind}: {db.engine.url.render_as_string(hide_password=True)}")
        started = time.perf_counter()
        generate(customers)
        counts = {t: db.session.scalar(sa.text(f"SELECT count(*) FROM {t}"))  # noqa: S608
                  for t in ("customer", "trade", "follow_up")}
        print(f"  generated in {time.perf_counter() - started:.1f} s: " +
              ", ".join(f"{n:,} {t}" for t, n in counts.items()), flush=True)
        compare("first grading (every grade changes)")
        services.grade_customers(db.session, clock.now())
        db.session.commit()
        compare("nightly (graded before, no change)")


def main() -> None:
    kinds, args = command_line(__doc__, more=lambda parser: parser.add_argument(
        "--customers", type=int, default=1_000_000))
    for kind in kinds:
        bench(kind, args.customers)


if __name__ == "__main__":
    main()
