"""在线用户管理: live sessions, force-logout of one session or all of a user's, audited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app import clock
from app.auth.models import LoginSession
from app.extensions import db
from tests.conftest import audit_rows, user_named


def live_sessions(username: str) -> list[LoginSession]:
    db.session.rollback()
    user = user_named(username)
    return list(db.session.scalars(select(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)).order_by(LoginSession.id)))


def test_online_list_shows_who_is_logged_in_from_where(login_as):
    login_as("seat01")
    login_as("seat11")
    admin = login_as("admin")
    page = admin.get("/admin/online/").get_data(as_text=True)
    assert set(re.findall(r'data-user="([^"]+)"', page)) == {"seat01", "seat11", "admin"}
    for text in ("张坐席", "理财一部A组", "刘坐席", "理财二部", "127.0.0.1", "Werkzeug", "当前会话", "当前在线 3 人"):
        assert text in page


@pytest.mark.date_sensitive
def test_idle_sessions_are_not_listed(login_as):
    login_as("seat01")
    with time_machine.travel(clock.now() + timedelta(minutes=20), tick=False):
        admin = login_as("admin")
        with time_machine.travel(clock.now() + timedelta(minutes=15), tick=False):
            page = admin.get("/admin/online/").get_data(as_text=True)
    assert "张坐席" not in page and "系统管理员" in page


def test_force_logout_of_one_session_logs_that_browser_out(login_as):
    office = login_as("seat01")
    home = login_as("seat01")
    target, other = live_sessions("seat01")
    admin = login_as("admin")
    response = admin.post(f"/admin/online/{target.id}/logout")
    assert response.status_code == 302
    assert "已强制下线 张坐席 的会话" in admin.get("/admin/online/").get_data(as_text=True)
    assert office.get("/").status_code == 302  # its next request lands on the log-in page
    assert office.get("/").headers["Location"].startswith("/login")
    assert home.get("/").status_code == 200
    db.session.rollback()
    ended = db.session.get(LoginSession, target.id)
    assert ended is not None and ended.revoked_reason == "forced"
    row = audit_rows("auth.force_logout", user_named("seat01"))[-1]
    assert row.actor_name == "系统管理员" and row.before["session_id"] == target.id
    assert [s.id for s in live_sessions("seat01")] == [other.id]


def test_force_logout_of_all_sessions(login_as):
    browsers = [login_as("seat02"), login_as("seat02")]
    seat02 = user_named("seat02")
    admin = login_as("admin")
    assert admin.post(f"/admin/online/users/{seat02.id}/logout").status_code == 302
    assert all(browser.get("/").status_code == 302 for browser in browsers)
    assert not live_sessions("seat02")
    assert audit_rows("auth.force_logout", seat02)[-1].after == {"sessions_ended": 2}
    again = admin.post(f"/admin/online/users/{seat02.id}/logout")
    assert again.status_code == 409 and "当前没有在线会话" in again.get_data(as_text=True)


def test_admin_cannot_force_out_their_own_session(login_as):
    admin = login_as("admin")
    (own,) = live_sessions("admin")
    response = admin.post(f"/admin/online/{own.id}/logout")
    assert response.status_code == 422
    assert "不能强制下线自己当前的会话" in response.get_data(as_text=True)
    assert admin.get("/").status_code == 200
    refused = admin.post(f"/admin/online/users/{user_named('admin').id}/logout")
    assert refused.status_code == 422


def test_ended_and_unknown_sessions(login_as):
    seat01 = login_as("seat01")
    (target,) = live_sessions("seat01")
    seat01.post("/logout")
    admin = login_as("admin")
    ended = admin.post(f"/admin/online/{target.id}/logout")
    assert ended.status_code == 409 and "该会话已经结束" in ended.get_data(as_text=True)
    assert admin.post("/admin/online/999999/logout").status_code == 404


@pytest.mark.parametrize("who", ["hr01", "head01", "seat01"])
def test_only_admins_see_and_end_sessions(login_as, who):
    victim = login_as("seat11")
    (target,) = live_sessions("seat11")
    client = login_as(who)
    assert client.get("/admin/online/").status_code == 403
    assert client.post(f"/admin/online/{target.id}/logout").status_code == 403
    assert client.post(f"/admin/online/users/{target.user_id}/logout").status_code == 403
    assert victim.get("/").status_code == 200
