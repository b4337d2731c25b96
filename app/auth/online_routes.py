"""Online users (在线用户管理): live browser sessions and force-logout."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from app.auth import services
from app.auth.access import ONLINE_MANAGE
from app.auth.loader import current_login_session_id
from app.auth.models import LoginSession, User
from app.auth.permissions import require
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.org import scope as data_scope

bp = Blueprint("online", __name__, url_prefix="/admin/online")


def _scope() -> data_scope.Scope:
    return data_scope.scope_of(db.session, current_user, ONLINE_MANAGE)


@bp.get("/")
@require(ONLINE_MANAGE)
def index() -> Any:
    sessions = services.online_sessions(db.session, _scope())
    return render_template("auth/online.html", sessions=sessions, current_id=current_login_session_id(),
                           user_count=len({s.user_id for s in sessions}))


@bp.post("/<int:session_id>/logout")
@require(ONLINE_MANAGE)
def force_logout(session_id: int) -> Any:
    login = db.session.get(LoginSession, session_id)
    if login is None or not data_scope.covers(db.session, _scope(), login.user.org_id, login.user_id):
        raise NotFound("该会话不存在")
    if login.id == current_login_session_id():
        raise ValidationFailed("不能强制下线自己当前的会话，请使用“退出”")
    services.force_logout(db.session, login)
    db.session.commit()
    flash(f"已强制下线 {login.user.name} 的会话", "success")
    return redirect(url_for("online.index"))


@bp.post("/users/<int:user_id>/logout")
@require(ONLINE_MANAGE)
def force_logout_user(user_id: int) -> Any:
    user = data_scope.get_or_404(db.session, User, user_id, _scope())
    if user.id == current_user.id:
        raise ValidationFailed("不能强制下线自己，请使用“退出”")
    ended = services.force_logout_user(db.session, user)
    db.session.commit()
    flash(f"已强制下线 {user.name} 的全部 {ended} 个会话", "success")
    return redirect(url_for("online.index"))
