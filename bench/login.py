"""Log-in timing: a wrong password for a known name vs any password for an unknown name (production scrypt),
and what a throttled refusal costs — on SQLite, then PostgreSQL if it answers.

    .venv/bin/python bench/login.py [--runs 30] [--skip-pg]

Each attempt comes from its own address and the throttle table is emptied between attempts, so every
attempt does the full check; the figure is the median (and p95) per path.
"""

from __future__ import annotations

import argparse
import time

from _common import machine, median_ms, p95_ms, scratch_app, twin  # puts the repository on sys.path too


def measure(kind: str, runs: int) -> None:
    """Print median and p95 log-in times per path on one database kind."""
    from sqlalchemy import delete, select

    from app.auth import services
    from app.auth.models import User
    from app.auth.throttle import LoginThrottle
    from app.extensions import db

    with scratch_app(kind) as app:
        if app is None:
            print(f"{kind}: not available")
            return
        app.config["PASSWORD_HASH_METHOD"] = services.DEFAULT_PASSWORD_METHOD  # production cost
        user = db.session.scalar(select(User).where(User.username == "seat01"))
        user.password_hash = services.hash_password("Tv7#quiet-Lantern")
        db.session.commit()
        web = twin(app)
        web.config["PASSWORD_HASH_METHOD"] = services.DEFAULT_PASSWORD_METHOD
        client = web.test_client()
        samples: dict[str, list[float]] = {"known name, wrong password": [], "unknown name": [],
                                           "throttled (refused before any check)": []}
        for n in range(runs):
            for label, name in (("known name, wrong password", "seat01"), ("unknown name", "no-such-user")):
                client.environ_base["REMOTE_ADDR"] = f"10.1.{n}.{len(label)}"
                started = time.perf_counter()
                client.post("/login", data={"username": name, "password": "Wrong#Guess2026"})
                samples[label].append(time.perf_counter() - started)
                db.session.execute(delete(LoginThrottle))
                db.session.commit()
        client.environ_base["REMOTE_ADDR"] = "10.9.9.9"
        for _ in range(5):
            client.post("/login", data={"username": "seat01", "password": "Wrong#Guess2026"})
        for _ in range(runs):
            started = time.perf_counter()
            response = client.post("/login", data={"username": "seat01", "password": "Wrong#Guess2026"})
            samples["throttled (refused before any check)"].append(time.perf_counter() - started)
            assert response.status_code == 429  # noqa: S101
        for label, values in samples.items():
            print(f"{kind:10} {label:40} median {median_ms(values):7.1f} ms   p95 {p95_ms(values):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    print(machine())
    measure("sqlite", args.runs)
    if not args.skip_pg:
        measure("postgresql", args.runs)


if __name__ == "__main__":
    main()
