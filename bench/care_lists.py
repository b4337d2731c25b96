"""生日关怀 over 200,000 customers: the care list service (scoped, with 服务坐席 and 上次关怀) and the reminder job's
query for every seat, against one hand-written SQL doing the bare month-day filter — on SQLite and PostgreSQL
(a scratch database each, dropped afterwards).

    .venv/bin/python bench/care_lists.py                  # SQLite, then PostgreSQL if it answers
    .venv/bin/python bench/care_lists.py --only sqlite --runs 10

Customers are copies of a demo customer with birthdays spread over 1950–2005 and seats/orgs of the demo, inserted
in bulk; 20,000 care records are spread over them. Figures: median and p95 of ``--runs`` calls after one warm-up.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from _common import machine, scratch_app, timed  # puts the repository on sys.path too

from app import clock  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.care import occasions, windows  # noqa: E402
from app.care.access import CARE  # noqa: E402
from app.care.models import CareKind, CareRecord  # noqa: E402
from app.customers.models import Customer, Pool  # noqa: E402
from app.extensions import db  # noqa: E402
from app.org import scope as data_scope  # noqa: E402

CUSTOMERS = 200_000
RECORDS = 20_000


def load(session: Any) -> None:
    table = Customer.__table__
    template = dict(session.execute(sa.select(table).limit(1)).mappings().one())
    seats = [(u.id, u.org_id) for u in session.scalars(sa.select(User).where(User.username.like("seat%")))]
    start = (session.scalar(sa.select(sa.func.max(Customer.id))) or 0) + 1
    rng = random.Random(20)
    rows = []
    for cid in range(start, start + CUSTOMERS):
        seat, org = rng.choice(seats)
        rows.append(dict(template, id=cid, number=f"BC{cid:010d}", id_number=None, service_seat_id=seat,
                         service_org_id=org, pool=Pool.PERSONAL.value,
                         birthday=date(1950, 1, 1) + timedelta(days=rng.randrange(55 * 365))))
    for chunk in range(0, len(rows), 20_000):
        session.execute(sa.insert(table), rows[chunk:chunk + 20_000])
    admin = session.scalar(sa.select(User).where(User.username == "admin"))
    now = clock.now()
    session.execute(sa.insert(CareRecord), [
        {"customer_id": rng.randrange(start, start + CUSTOMERS), "kind": CareKind.BIRTHDAY.value, "message": "生日快乐",
         "by_id": admin.id, "org_id": admin.org_id, "cared_at": now - timedelta(days=rng.randrange(700))}
        for _ in range(RECORDS)])
    session.commit()
    session.execute(sa.text("ANALYZE"))
    session.commit()


def baseline_sql(dialect: str, keys: list[int]) -> str:
    md = ("CAST(strftime('%m', birthday) AS INTEGER) * 100 + CAST(strftime('%d', birthday) AS INTEGER)"
          if dialect == "sqlite" else "EXTRACT(MONTH FROM birthday) * 100 + EXTRACT(DAY FROM birthday)")
    listed = ", ".join(str(k) for k in keys)
    return (f"SELECT id, name, birthday FROM customer WHERE birthday IS NOT NULL AND pool <> 'deleted' "  # noqa: S608
            f"AND {md} IN ({listed}) ORDER BY {md}, name LIMIT 500")


def run(kind: str, runs: int) -> None:
    with scratch_app(kind) as app:
        if app is None:
            print(f"{kind}: not reachable, skipped")
            return
        started = time.perf_counter()
        load(db.session)
        print(f"{kind}: loaded {CUSTOMERS:,} customers / {RECORDS:,} care records in "
              f"{time.perf_counter() - started:.1f} s")
        today = clock.today()
        users = {n: db.session.scalar(sa.select(User).where(User.username == n)) for n in ("admin", "head01", "seat01")}
        scopes = {n: data_scope.scope_of(db.session, u, CARE) for n, u in users.items()}
        keys = list(windows.window(today, 7))
        sql = sa.text(baseline_sql(db.engine.dialect.name, keys))
        db.session.commit()  # SQLite: the baseline's own connection needs the lock the session would hold

        def baseline() -> None:
            with db.engine.connect() as conn:
                conn.execute(sql).all()

        base = timed(baseline, runs)
        print(f"  raw SQL baseline (month-day IN, 7 days)   median {base[0]:7.1f} ms  p95 {base[1]:7.1f} ms")
        for label, call in (
                ("list, admin (全部), 7 days", lambda: occasions.listing(db.session, scopes["admin"],
                                                                         CareKind.BIRTHDAY, today, 7)),
                ("list, head01 (本部门及下级), 7 days", lambda: occasions.listing(db.session, scopes["head01"],
                                                                                CareKind.BIRTHDAY, today, 7)),
                ("list, seat01 (本人), 7 days", lambda: occasions.listing(db.session, scopes["seat01"],
                                                                         CareKind.BIRTHDAY, today, 7)),
                ("reminder query, every seat, 3 days", lambda: occasions.due_for_seats(db.session, today, 3))):
            median, p95 = timed(lambda call=call: (call(), db.session.rollback()), runs)
            print(f"  {label:40} median {median:7.1f} ms  p95 {p95:7.1f} ms  ratio {median / base[0]:4.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(machine())
    for kind in ("sqlite", "postgresql"):
        if args.only in (None, kind):
            run(kind, args.runs)


if __name__ == "__main__":
    main()
