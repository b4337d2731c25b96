"""CTI screen-pop (来电弹屏): from the telephony system's API call to the pop being on the seat's poll endpoint,
and what one poll costs — against the raw SQL they run — on SQLite and PostgreSQL (scratch databases).

    .venv/bin/python bench/screen_pop.py                  # SQLite, then PostgreSQL if it answers
    .venv/bin/python bench/screen_pop.py --only sqlite --runs 50

On the small demo plus 200,000 older screen-pops (seen ones, spread over the demo seats, 10 % of them seat01's)
and 100,000 extra customer phones. Figures (median and p95 of ``--runs`` after a warm-up), all server side
through the WSGI app (auth, JSON, commit):

- API: ``POST /api/v1/cti/screen-pop`` for extension 8001 with a known customer's number (Bearer token of cti01);
- poll: ``GET /callcentre/pops`` as the logged-in seat01 (session cookie), with one pop pending;
- end to end: the API call, then polls until the pop is in the answer (server side the first poll has it);
- baselines: the same work as hand-written SQL — the phone lookup, blacklist count and INSERT of the API; the
  one SELECT of the poll.

The browser polls every 500 ms, one request at a time, so a pop reaches the screen at worst one interval plus
one poll plus the render after the API call returned: 500 ms + poll + ~20 ms, on average half the interval less.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from _common import command_line, scratch_app, timed, twin  # puts the repository on sys.path too

from app import clock  # noqa: E402
from app.auth import services as auth_services  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.callcentre.models import ScreenPop  # noqa: E402
from app.customers.models import Customer, CustomerPhone  # noqa: E402
from app.demo import DEMO_PASSWORD  # noqa: E402
from app.extensions import db  # noqa: E402

OLD_POPS = 200_000
EXTRA_PHONES = 100_000
INTERVAL_MS = 500
BASELINE_API = [
    ("SELECT id, status FROM users WHERE extension = :ext", {}),
    ("SELECT c.id FROM customer c WHERE c.id IN (SELECT customer_id FROM customer_phone WHERE phone = :phone) "
     "AND c.service_seat_id = :seat ORDER BY c.id LIMIT 20", {}),
    ("SELECT phone FROM phone_blacklist_mark WHERE phone IN (:phone) GROUP BY phone HAVING count(*) >= 3", {}),
]
BASELINE_POLL = ("SELECT p.id, p.caller, p.customer_id, c.name FROM screen_pop p LEFT JOIN customer c "
                 "ON c.id = p.customer_id WHERE p.seat_id = :seat AND p.seen_at IS NULL AND p.created_at >= :since "
                 "ORDER BY p.id DESC LIMIT 5")


def load(session: Any) -> None:
    seats = list(session.scalars(sa.select(User.id)))
    seat01 = session.scalar(sa.select(User.id).where(User.username == "seat01"))
    customers = list(session.scalars(sa.select(Customer.id)))
    rng = random.Random(20)
    now = clock.now()
    pops = []
    for i in range(OLD_POPS):
        at = now - timedelta(minutes=rng.randrange(1, 90 * 24 * 60))
        pops.append({"seat_id": seat01 if i % 10 == 0 else rng.choice(seats), "extension": "8001",
                     "caller": f"139{i:08d}", "call_id": "", "direction": "inbound", "customer_id": None,
                     "match_count": 0, "outside_scope": False, "blacklisted": False, "blacklist_reason": "",
                     "created_at": at, "seen_at": at + timedelta(seconds=5)})
    # Core inserts into the tables: no ORM bookkeeping per row (the load took minutes through the ORM).
    session.execute(ScreenPop.__table__.insert(), pops)
    session.execute(CustomerPhone.__table__.insert(), [
        {"customer_id": rng.choice(customers), "phone": f"137{i:08d}", "is_primary": False, "remark": ""}
        for i in range(EXTRA_PHONES)])
    session.commit()
    session.execute(sa.text("ANALYZE"))
    session.commit()


def run(kind: str, runs: int) -> None:
    with scratch_app(kind) as app:
        if app is None:
            print(f"{kind}: not reachable, skipped")
            return
        started = time.perf_counter()
        load(db.session)
        print(f"{kind}: loaded {OLD_POPS:,} old screen-pops and {EXTRA_PHONES:,} phones in "
              f"{time.perf_counter() - started:.1f} s")
        seat = db.session.scalar(sa.select(User).where(User.username == "seat01"))
        seat_id = seat.id
        phone = db.session.scalar(sa.select(CustomerPhone.phone)
                                  .join(Customer, Customer.id == CustomerPhone.customer_id)
                                  .where(Customer.service_seat_id == seat_id).limit(1))
        _record, token = auth_services.create_api_token(
            db.session, db.session.scalar(sa.select(User).where(User.username == "cti01")), "bench")
        db.session.commit()
        web = twin(app)
        api, browser = web.test_client(), web.test_client()
        assert browser.post("/login", data={"username": "seat01", "password": DEMO_PASSWORD}).status_code in (302, 303)
        headers = {"Authorization": f"Bearer {token}"}
        body = {"extension": "8001", "caller": phone}

        def post() -> int:
            response = api.post("/api/v1/cti/screen-pop", json=body, headers=headers)
            assert response.status_code == 201, response.get_data(as_text=True)
            return int(response.get_json()["id"])

        def poll() -> list[int]:
            response = browser.get("/callcentre/pops")
            assert response.status_code == 200
            return [p["id"] for p in response.get_json()["pops"]]

        def end_to_end() -> None:
            pop_id = post()
            while pop_id not in poll():
                pass

        def api_baseline() -> None:
            with db.engine.begin() as conn:
                params = {"ext": "8001", "phone": phone, "seat": seat_id}
                for statement, _ in BASELINE_API:
                    conn.execute(sa.text(statement), params).all()
                conn.execute(sa.insert(ScreenPop).values(
                    seat_id=seat_id, extension="8001", caller=phone, call_id="", direction="inbound",
                    match_count=1, outside_scope=False, blacklisted=False, blacklist_reason="",
                    created_at=clock.now()))

        def poll_baseline() -> None:
            with db.engine.connect() as conn:
                since = clock.now() - timedelta(minutes=5)
                conn.execute(sa.text(BASELINE_POLL), {"seat": seat_id, "since": since}).all()

        base_api, base_poll = timed(api_baseline, runs), timed(poll_baseline, runs)
        figures = {"API POST /api/v1/cti/screen-pop": (timed(post, runs), base_api),
                   "poll GET /callcentre/pops": (timed(poll, runs), base_poll),
                   "end to end (API + first poll)": (timed(end_to_end, runs), None)}
        for label, (median, p95) in (("raw SQL baseline, API work (3 SELECT + INSERT)", base_api),
                                     ("raw SQL baseline, poll (1 SELECT)", base_poll)):
            print(f"  {label:47} median {median:6.2f} ms  p95 {p95:6.2f} ms")
        for label, ((median, p95), base) in figures.items():
            ratio = f"  ratio {median / base[0]:5.1f}" if base else ""
            print(f"  {label:47} median {median:6.2f} ms  p95 {p95:6.2f} ms{ratio}")
        e2e = figures["end to end (API + first poll)"][0]
        poll_ms = figures["poll GET /callcentre/pops"][0][0]
        worst, average = e2e[1] + INTERVAL_MS + poll_ms, e2e[0] + INTERVAL_MS / 2
        print(f"  on screen after the API call, polling every {INTERVAL_MS} ms: worst {worst:.0f} ms, "
              f"average {average:.0f} ms (target < 1000 ms)")


def main() -> None:
    kinds, args = command_line(__doc__, runs=50)
    for kind in kinds:
        run(kind, args.runs)


if __name__ == "__main__":
    main()
