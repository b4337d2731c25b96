"""Log-in throttling: by source and by (source, account), shared by workers; no stranger locks an owner out."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import clock
from app.auth import services
from app.auth.models import User
from app.extensions import db
from tests.conftest import DEMO_PASSWORD, make_app

# The counters are one dialect-specific upsert each: run on PostgreSQL too.
pytestmark = pytest.mark.db_sensitive


def _client(app: Flask, ip: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


WRONG = "not-the-password"  # noqa: S105


def _try(app: Flask, ip: str, username: str, password: str = WRONG) -> tuple[int, str]:
    response = _client(app, ip).post("/login", data={"username": username, "password": password})
    return response.status_code, response.get_data(as_text=True)


def test_a_stranger_cannot_lock_the_owner_out(app):
    for _ in range(8):
        _try(app, "203.0.113.9", "seat02")
    status, page = _try(app, "203.0.113.9", "seat02", DEMO_PASSWORD)
    assert status == 429 and "尝试次数过多，请 15 分钟后再试" in page
    status, _page = _try(app, "198.51.100.7", "seat02", DEMO_PASSWORD)
    assert status == 302  # the owner, from elsewhere, logs in


@pytest.mark.date_sensitive
def test_many_sources_only_slow_the_account_and_spare_its_known_source(app):
    assert _try(app, "198.51.100.7", "seat02", DEMO_PASSWORD)[0] == 302  # the owner's usual address
    for n in range(12):
        _try(app, f"203.0.113.{n}", "seat02")
    status, page = _try(app, "203.0.113.200", "seat02", DEMO_PASSWORD)
    assert status == 429 and "秒后再试" in page  # a short account-wide delay for new sources
    assert _try(app, "198.51.100.7", "seat02", DEMO_PASSWORD)[0] == 302  # never for the owner's own source
    with time_machine.travel(clock.now() + timedelta(seconds=31), tick=False):
        assert _try(app, "203.0.113.200", "seat02", DEMO_PASSWORD)[0] == 302  # and the delay is short


def test_one_source_spraying_names_is_blocked(app, monkeypatch):
    for n in range(30):
        _try(app, "203.0.113.50", f"nobody{n}")
    status, page = _try(app, "203.0.113.50", "seat01", DEMO_PASSWORD)
    assert status == 429 and "尝试次数过多" in page
    assert _try(app, "203.0.113.51", "seat01", DEMO_PASSWORD)[0] == 302


def test_unknown_and_known_names_cost_one_password_check_and_read_the_same(app, monkeypatch):
    checks: list[str] = []
    real = services.check_password_hash

    def counting(hashed: str, password: str) -> bool:
        checks.append(hashed.split("$")[0])
        return real(hashed, password)

    monkeypatch.setattr(services, "check_password_hash", counting)
    known = [_try(app, "203.0.113.70", "seat01") for _ in range(6)]
    unknown = [_try(app, "203.0.113.71", "no-such-user") for _ in range(6)]
    assert [s for s, _ in known] == [s for s, _ in unknown] == [401, 401, 401, 401, 429, 429]
    assert known[0][1].count("用户名或密码错误") == unknown[0][1].count("用户名或密码错误") == 1
    assert len(checks) == 10 and len(set(checks)) == 1  # same KDF and cost for both; none once throttled


def test_unlock_clears_the_throttle(app):
    for _ in range(5):
        _try(app, "203.0.113.9", "seat02")
    user = db.session.scalar(select(User).where(User.username == "seat02"))
    services.unlock(db.session, user)
    db.session.commit()
    assert _try(app, "203.0.113.9", "seat02", DEMO_PASSWORD)[0] == 302


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(app, database_url, tmp_path):
    for n in range(5):
        _client(app, "127.0.0.1").post("/login", data={"username": "seat02", "password": "x"},
                                       headers={"X-Forwarded-For": f"203.0.113.{n}"})
    # No proxy trusted: the five attempts all came from 127.0.0.1, whatever the header said.
    assert _try(app, "127.0.0.1", "seat02", DEMO_PASSWORD)[0] == 429
    proxied = make_app(database_url, tmp_path / "proxied", TRUSTED_PROXIES=1)
    response = _client(proxied, "127.0.0.1").post(
        "/login", data={"username": "seat02", "password": DEMO_PASSWORD}, headers={"X-Forwarded-For": "198.51.100.7"})
    with proxied.app_context():
        db.engine.dispose()  # the second app's own pool: close its connection rather than leave it to the collector
    assert response.status_code == 302
