"""Task-calendar benchmark: 5,000,000 follow-ups of 500 seats over a year; one seat's calendar for a month
(FullCalendar's six-week feed) and a head's team view of 50 seats for a month, read from the daily facts
(app/quotas/facts.py) vs the same answer by indexed aggregation over follow_up. (Not bench/calendar.py: a script
named calendar.py would shadow the standard library's calendar module, which the email package imports.)

    .venv/bin/python bench/task_calendar.py                      # SQLite, then PostgreSQL if it answers
    .venv/bin/python bench/task_calendar.py --follow-ups 500000 --only sqlite

Target (docs/performance.md): < 100 ms server time for both on SQLite and PostgreSQL. The rows are generated
set-based (recursive CTE / generate_series) and the facts rebuilt set-based, both timed; figures are medians.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import sqlalchemy as sa
from _common import PG_URL, machine, median_ms, p95_ms, scratch_app, twin  # puts the repository on sys.path

from app import clock  # noqa: E402
from app.extensions import db  # noqa: E402
from app.followups.models import FollowUp, FollowUpKind  # noqa: E402
from app.quotas import calendar, facts  # noqa: E402
from app.quotas.metrics import Metric  # noqa: E402

SEATS = 500
TEAM = 50  # seats in the head's department; the other 450 sit in a sibling department
CUSTOMERS = 20_000
DAYS = 365
PASSWORD = "Licai@demo2026"  # noqa: S105  (the documented demo password)


def _series(n: str) -> str:
    if db.engine.dialect.name == "postgresql":
        return f"generate_series(0, {n} - 1) AS s(i)"
    return f"(WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {n} - 1) SELECT i FROM s) AS s"


def build(follow_ups: int) -> dict[str, Any]:
    """Orgs, a head and 500 seats (初级/P1), quotas, 20,000 customers and the follow-ups, all set-based."""
    from app import demo
    from app.org import services as org_services
    from app.org.models import OrgKind
    from app.quotas.models import Quota

    ctx = demo.DemoContext(size="small")
    demo._core(db.session, ctx)
    sh = ctx.orgs["SH"]
    team_org = org_services.create_org(db.session, "压测一部", "BENCH-A", OrgKind.DEPARTMENT, sh.id)
    other_org = org_services.create_org(db.session, "压测二部", "BENCH-B", OrgKind.DEPARTMENT, sh.id)
    head = org_services.create_user(db.session, username="benchhead", work_no="BH0001", name="压测主管",
                                    org_id=team_org.id, password=PASSWORD, role_codes=["dept_head"])
    hashed = ctx.users["seat01"].password_hash
    now = clock.now()
    db.session.execute(sa.text(
        "INSERT INTO users (username, work_no, name, org_id, level, tier, weight, status, phone, email, "
        "password_hash, failed_logins, created_at) VALUES (:u, :w, :n, :o, '初级', 'P1', 1, 'active', '', '', :h, 0, "
        ":c)").bindparams(sa.bindparam("c", type_=FollowUp.at.type)),
        [{"u": f"bench{i:03d}", "w": f"B{i:05d}", "n": f"压测坐席{i}", "o": team_org.id if i < TEAM else other_org.id,
          "h": hashed, "c": now} for i in range(SEATS)])
    seat_role = db.session.scalar(sa.text("SELECT id FROM role WHERE code = 'seat'"))
    db.session.execute(sa.text("INSERT INTO user_role (user_id, role_id) SELECT id, :r FROM users "
                               "WHERE username LIKE 'bench___'"), {"r": seat_role})
    first_seat, last_seat = db.session.execute(sa.text(
        "SELECT min(id), max(id) FROM users WHERE username LIKE 'bench___'")).one()
    assert last_seat - first_seat + 1 == SEATS, "the seats' ids are not consecutive"
    today = clock.today()
    db.session.add_all([Quota(level="初级", tier="P1", effective_from=today - timedelta(days=DAYS), intent=1,
                              valid_call=5, visit=1, remark="bench"),
                        Quota(level="初级", tier="P1", effective_from=today - timedelta(days=10), intent=1,
                              valid_call=6, visit=1, invitation=1, remark="bench")])
    params = {"n": CUSTOMERS, "org": team_org.id, "now": now}
    db.session.execute(sa.text(
        "INSERT INTO customer (number, name, gender, id_type, type, grade, source, import_batch, tags, remark, "
        "service_org_id, pool, pool_reason, pool_changed_at, followup_count, valid_call_count, recycle_count, "
        "red_flag_reason, invalid_reason, invalid_note, created_at, updated_at) "
        f"SELECT 'C' || i, '客户' || i, 'unknown', 'id_card', 'valid', '', '', '', '', '', :org, 'department', "
        f"'import', :now, 0, 0, 0, '', '', '', :now, :now FROM {_series(':n')}").bindparams(
            sa.bindparam("now", type_=FollowUp.at.type)), params)
    first_customer = db.session.scalar(sa.text("SELECT min(id) FROM customer"))
    db.session.commit()

    # Each seat gets follow_ups / 500 follow-ups spread evenly over the last 365 days: 7 in 10 calls (a third
    # of them connected and valid), 2 visits, 1 invitation.
    step = DAYS * 86400 * SEATS // follow_ups
    start = datetime.combine(today - timedelta(days=DAYS - 1), clock_time.min, tzinfo=clock.SHANGHAI)
    values = {"n": follow_ups, "s0": first_seat, "ns": SEATS, "c0": first_customer, "nc": CUSTOMERS, "step": step,
              "start": start}
    if db.engine.dialect.name == "postgresql":
        at = "CAST(:start AS timestamptz) + (i / :ns) * :step * interval '1 second'"
    else:
        values["start"] = start.astimezone(clock.UTC).strftime("%Y-%m-%d %H:%M:%S")
        at = "strftime('%Y-%m-%d %H:%M:%f000', :start, '+' || ((i / :ns) * :step) || ' seconds')"
    kind = "CASE WHEN i % 10 < 7 THEN 'call' WHEN i % 10 < 9 THEN 'visit' ELSE 'invitation' END"
    connected = "(i % 10 < 7 AND (i / 10) % 3 = 0)"
    started = time.perf_counter()
    db.session.execute(sa.text(
        "INSERT INTO follow_up (customer_id, user_id, kind, at, phone, connected, valid, duration_seconds, result, "
        f"content, created_at) SELECT :c0 + i % :nc, :s0 + i % :ns, {kind}, {at}, '', {connected}, "
        f"({connected} OR i % 10 >= 7), CASE WHEN {connected} THEN 90 ELSE 0 END, '', '', {at} "
        f"FROM {_series(':n')}"), values)
    db.session.commit()
    generated = time.perf_counter() - started
    started = time.perf_counter()
    rows = facts.rebuild(db.session, today - timedelta(days=DAYS - 1), today)
    db.session.commit()
    rebuilt = time.perf_counter() - started
    started = time.perf_counter()
    facts.rebuild(db.session, today - timedelta(days=6), today)  # what the nightly job does
    db.session.commit()
    repaired = time.perf_counter() - started
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp))
    return {"head": head.id, "seat": first_seat, "generated_s": generated, "rebuilt_s": rebuilt, "fact_rows": rows,
            "follow_ups": count, "repaired_s": repaired}


def aggregated_daily(session: Any, user_ids: Sequence[int], start: date,
                     end: date) -> dict[tuple[int, date], dict[Metric, int]]:
    """The baseline: the same per (user, day) counts by indexed aggregation over follow_up (ix_follow_up_user_at)."""
    lo = datetime.combine(start, clock_time.min, tzinfo=clock.SHANGHAI)
    hi = datetime.combine(end + timedelta(days=1), clock_time.min, tzinfo=clock.SHANGHAI)
    day = facts.local_day(session, FollowUp.at).label("day")
    valid_call = sa.and_(FollowUp.kind == FollowUpKind.CALL, FollowUp.valid.is_(True))
    stmt = (sa.select(FollowUp.user_id, day, sa.func.sum(sa.case((valid_call, 1), else_=0)),
                      sa.func.sum(sa.case((FollowUp.kind.in_(facts.VISIT_KINDS), 1), else_=0)),
                      sa.func.sum(sa.case((FollowUp.kind == FollowUpKind.INVITATION, 1), else_=0)))
            .where(FollowUp.user_id.in_(list(user_ids)), FollowUp.at >= lo, FollowUp.at < hi)
            .group_by(FollowUp.user_id, day))
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    result = {(user_id, d): facts.zero() for user_id in user_ids for d in days}
    for user_id, local, calls, visits, invitations in session.execute(stmt):
        key = (user_id, local if isinstance(local, date) else date.fromisoformat(local))
        result[key] = {Metric.INTENT: 0, Metric.VALID_CALL: int(calls), Metric.VISIT: int(visits),
                       Metric.INVITATION: int(invitations)}
    return result


def timed(work: Callable[[], Any], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
        db.session.rollback()
    return samples


def bench(app: Any, label: str, follow_ups: int, runs: int) -> None:
    built = build(follow_ups)
    print(f"  {label}: {built['follow_ups']:,} follow-ups generated in {built['generated_s']:.1f} s; facts rebuilt "
          f"for {DAYS} days ({built['fact_rows']:,} seat-days) in {built['rebuilt_s']:.1f} s; the nightly 7-day "
          f"repair in {built['repaired_s']:.2f} s")
    from app.auth.models import User
    from app.auth.services import create_api_token

    head = db.session.get(User, built["head"])
    seat = db.session.get(User, built["seat"])
    _record, token = create_api_token(db.session, head, "bench")
    db.session.commit()
    today = clock.today()
    first = today.replace(day=1)
    month_start = first - timedelta(days=first.weekday())  # FullCalendar's month view: six weeks from a Monday
    month_end = month_start + timedelta(days=41)
    team_start, team_end = calendar.current_month()
    team = calendar.team_seats(db.session, head)
    assert len(team) == TEAM, len(team)
    seat_name = seat.username
    db.session.commit()  # SQLite: the requests' log-ins need the write lock; touch no expired object until done

    web = twin(app)
    seat_client = web.test_client()
    seat_client.post("/login", data={"username": seat_name, "password": PASSWORD})
    head_client = web.test_client()
    head_client.post("/login", data={"username": "benchhead", "password": PASSWORD})
    api_client = web.test_client()
    feed = {"start": month_start.isoformat(), "end": (month_end + timedelta(days=1)).isoformat()}

    def get(client: Any, url: str, **kwargs: Any) -> Callable[[], None]:
        def call() -> None:
            response = client.get(url, **kwargs)
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return call

    figures = {
        "seat calendar, 42-day feed (HTTP)": timed(get(seat_client, "/quotas/calendar/events.json",
                                                       query_string=feed), runs),
        "team view 50 seats, month (HTTP page)": timed(get(head_client, "/quotas/team"), runs),
        "team view 50 seats, month (HTTP API)": timed(get(api_client, "/api/v1/quotas/team", headers={
            "Authorization": f"Bearer {token}"}), runs),
    }
    # As a request does it: the seats are loaded (one query) and their calendars assembled.
    def team_calendar() -> Any:
        return calendar.calendars(db.session, calendar.team_seats(db.session, head), team_start, team_end)

    def seat_calendar() -> Any:
        return calendar.calendar_of(db.session, db.session.get(User, built["seat"]), month_start, month_end)

    service_facts = timed(team_calendar, runs)
    original = facts.daily
    facts.daily = aggregated_daily  # type: ignore[assignment]  (the baseline: same service, counts from follow_up)
    try:
        service_aggregated = timed(team_calendar, runs)
        seat_aggregated = timed(seat_calendar, runs)
        assert aggregated_daily(db.session, [s.id for s in team], team_start, team_end) == {
            key: {**value, Metric.INTENT: 0} for key, value in original(
                db.session, [s.id for s in team], team_start, team_end).items()}, "facts differ from follow_up"
    finally:
        facts.daily = original  # type: ignore[assignment]
    seat_facts = timed(seat_calendar, runs)
    team_ids = [s.id for s in team]
    counts_facts = timed(lambda: facts.daily(db.session, team_ids, team_start, team_end), runs)
    counts_aggregated = timed(lambda: aggregated_daily(db.session, team_ids, team_start, team_end), runs)
    # The p95 above includes Python's full garbage collections of the whole app heap (~190,000 objects, about
    # 100 ms here); frozen at worker start (gc.freeze()), the collector no longer walks them.
    gc.freeze()
    figures["team view 50 seats, month (HTTP page), gc.freeze()"] = timed(get(head_client, "/quotas/team"), runs)
    gc.unfreeze()
    for name, samples in figures.items():
        status = "OK" if median_ms(samples) < 100 else "OVER TARGET"
        print(f"  {label}: {name}: {median_ms(samples):6.1f} ms (p95 {p95_ms(samples):.1f}) {status}")
    for name, fast, slow in (("seat calendar service, 42 days", seat_facts, seat_aggregated),
                             ("team service, 50 seats × month", service_facts, service_aggregated),
                             ("team counts alone (the query)", counts_facts, counts_aggregated)):
        print(f"  {label}: {name}: facts {median_ms(fast):6.1f} ms vs aggregation over follow_up "
              f"{median_ms(slow):7.1f} ms — {median_ms(slow) / median_ms(fast):.1f}× faster")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--follow-ups", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    print(f"machine: {machine()}")
    for kind in ("sqlite", "postgresql"):
        if args.only and kind != args.only:
            continue
        with scratch_app(kind, demo=False) as app:
            if app is None:
                print(f"  [{kind}] not answering at {PG_URL}; skipped")
                continue
            version = db.session.scalar(sa.text("SHOW server_version" if kind == "postgresql" else
                                                "SELECT sqlite_version()"))
            bench(app, f"{'PostgreSQL' if kind == 'postgresql' else 'SQLite'} {version}", args.follow_ups, args.runs)


if __name__ == "__main__":
    main()
