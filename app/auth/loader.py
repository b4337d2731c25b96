"""Flask-Login wiring: a browser is logged in only while its server-side login session is live."""

from __future__ import annotations

from typing import Any

from flask import jsonify, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import update

from app import clock
from app.auth import services
from app.auth.models import LoginSession, User
from app.database import write_soon
from app.errors import error_body, wants_json
from app.extensions import db, login_manager

# Requests a page makes on its own (the call centre's screen-pop poll): they do not keep a session from going
# idle, or an open page would keep its seat logged in for ever.
PASSIVE_ENDPOINTS: set[str] = set()


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if request.path.startswith("/api/"):
        return None  # the API authenticates by Bearer token only (see app.api.auth)
    token = session.get("sid")
    if not token:
        return None
    login = services.session_by_token(db.session, token)
    if login is None or str(login.user_id) != user_id:
        return None
    if services.is_idle(login, db.session):
        _end(login, "idle")
        return None
    if services.needs_touch(login) and request.endpoint not in PASSIVE_ENDPOINTS:
        _touch(login)
    user = login.user
    if not user.is_active:
        return None
    user.login_session_id = login.id
    return user


def _end(login: LoginSession, reason: str) -> None:
    write_soon(update(LoginSession).where(LoginSession.id == login.id)
               .values(revoked_at=clock.now(), revoked_reason=reason))


def _touch(login: LoginSession) -> None:
    write_soon(update(LoginSession).where(LoginSession.id == login.id).values(last_seen_at=clock.now()))


@login_manager.unauthorized_handler
def unauthorized() -> Any:
    if wants_json():
        return jsonify(error_body("unauthenticated", "请先登录")), 401
    return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))


def current_login_session_id() -> int | None:
    """Return the id of the browser's login session (for "log out my other sessions")."""
    return getattr(current_user, "login_session_id", None)
