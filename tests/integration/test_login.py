"""Log-in, lockout, CSRF, server-side session invalidation."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app import clock
from app.audit.models import AuditLog
from app.auth.models import LoginSession, User
from app.extensions import db
from tests.conftest import DEMO_PASSWORD, csrf_token_from, login


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    assert user is not None
    return user


def test_login_lands_on_home_with_own_menu(client):
    login(client, "seat01")
    page = client.get("/").get_data(as_text=True)
    assert "张坐席" in page
    assert "系统参数维护" not in page  # seat menus only


def test_admin_sees_admin_menus(client):
    login(client, "admin")
    page = client.get("/").get_data(as_text=True)
    for label in ("用户组织维护", "系统参数维护", "日志查询"):
        assert label in page


def test_wrong_password_is_refused_in_chinese(client):
    response = client.post("/login", data={"username": "seat01", "password": "wrong-password-123"})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_user_gets_the_same_message(client):
    response = client.post("/login", data={"username": "nobody", "password": "whatever-12345"})
    assert "用户名或密码错误" in response.get_data(as_text=True)


@pytest.mark.date_sensitive
def test_repeated_failures_pause_that_source_even_with_right_password(client):
    for _ in range(5):
        client.post("/login", data={"username": "seat02", "password": "not-the-password"})
    response = client.post("/login", data={"username": "seat02", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert "尝试次数过多，请 15 分钟后再试" in response.get_data(as_text=True)
    db.session.expire_all()
    assert _user("seat02").locked_until is None  # the account itself is not locked
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("auth.%"))).all()
    assert "auth.locked" in actions


@pytest.mark.date_sensitive
@pytest.mark.db_sensitive
def test_pause_counts_across_separate_clients(app):
    # Separate clients stand in for separate gunicorn workers: the count lives in the database.
    for _ in range(5):
        app.test_client().post("/login", data={"username": "seat02", "password": "not-the-password"})
    response = app.test_client().post("/login", data={"username": "seat02", "password": DEMO_PASSWORD})
    assert "尝试次数过多" in response.get_data(as_text=True)


@pytest.mark.date_sensitive
def test_pause_expires(client):
    for _ in range(5):
        client.post("/login", data={"username": "seat02", "password": "not-the-password"})
    with time_machine.travel(clock.now() + timedelta(minutes=16), tick=False):
        assert login(client, "seat02")


def test_login_without_csrf_token_is_rejected(client):
    response = client.post("/login", data={"username": "seat01", "password": DEMO_PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert "CSRF 校验失败" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not logged in
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    ok = client.post("/login", data={"username": "seat01", "password": DEMO_PASSWORD, "csrf_token": token})
    assert ok.status_code == 302


def test_logout_invalidates_the_old_cookie_server_side(client):
    login(client, "seat01")
    stolen = client.get_cookie("licai_session").value
    client.post("/logout")
    replay = client.application.test_client()
    replay.set_cookie("licai_session", stolen)
    assert replay.get("/").status_code == 302  # back to the log-in page


def test_login_rotates_the_session(client):
    client.get("/login")
    before = client.get_cookie("licai_session")
    login(client, "seat01")
    after = client.get_cookie("licai_session")
    assert before is None or before.value != after.value
    sessions = db.session.scalars(select(LoginSession).where(LoginSession.user_id == _user("seat01").id)).all()
    assert len(sessions) == 1 and sessions[0].revoked_at is None


def test_password_change_ends_every_session(app, login_as):
    first = login_as("seat01")
    second = login_as("seat01")
    response = first.post("/profile/password", data={
        "current_password": DEMO_PASSWORD, "new_password": "Another#Pass2026", "confirm_password": "Another#Pass2026",
    })
    assert response.status_code == 302
    assert second.get("/").status_code == 302
    assert first.get("/").status_code == 302
    assert login(app.test_client(), "seat01", "Another#Pass2026")


def test_short_password_is_refused(login_as):
    client = login_as("seat01")
    response = client.post("/profile/password", data={
        "current_password": DEMO_PASSWORD, "new_password": "Short#1a", "confirm_password": "Short#1a",
    }, headers={"Referer": "/profile"})
    assert response.status_code == 302
    assert "至少需要 12 个字符" in client.get("/profile").get_data(as_text=True)
    assert login(client.application.test_client(), "seat01")  # old password still works


@pytest.mark.parametrize("password", ["Qwerty123456", "Licai@demo20261"])
def test_guessable_password_is_refused_on_change(login_as, password):
    client = login_as("seat01")
    client.post("/profile/password", data={"current_password": DEMO_PASSWORD, "new_password": password,
                                           "confirm_password": password}, headers={"Referer": "/profile"})
    page = client.get("/profile").get_data(as_text=True)
    assert "密码过于常见或有规律" in page or "演示密码" in page
    assert login(client.application.test_client(), "seat01")  # old password still works


@pytest.mark.date_sensitive
def test_idle_session_expires(client):
    login(client, "seat01")
    assert client.get("/").status_code == 200
    with time_machine.travel(clock.now() + timedelta(minutes=31), tick=False):
        assert client.get("/").status_code == 302
    idle = db.session.scalars(select(LoginSession.revoked_reason)).all()
    assert "idle" in idle


def test_left_employee_cannot_log_in(app, client):
    from app.org import services

    services.mark_left(db.session, _user("seat02"))
    db.session.commit()
    response = client.post("/login", data={"username": "seat02", "password": DEMO_PASSWORD})
    assert "账户已停用" in response.get_data(as_text=True)


def test_open_redirect_after_login_is_refused(client):
    response = client.post("/login?next=https://evil.example/", data={"username": "seat01", "password": DEMO_PASSWORD})
    assert response.headers["Location"] == "/"
