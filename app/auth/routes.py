"""Log-in, log-out, profile (个人资料), password change and personal API tokens."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app.auth import services
from app.auth.loader import current_login_session_id
from app.auth.models import ApiToken
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from forms.auth import ApiTokenForm, ChangePasswordForm, LoginForm

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            new = services.authenticate(
                db.session, form.username.data or "", form.password.data or "",
                request.remote_addr or "", request.user_agent.string,
            )
        except services.LoginFailed as exc:
            db.session.commit()  # keep the failure count and the audit row
            error, status = exc.message, exc.status
        else:
            db.session.commit()
            # A fresh cookie session at log-in: nothing from before survives (session fixation).
            session.clear()
            login_user(new.user)
            session["sid"] = new.token
            session.permanent = False
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout() -> Any:
    login_id = current_login_session_id()
    if login_id is not None:
        services.revoke_session(db.session, login_id, "logout")
    db.session.commit()
    logout_user()
    session.clear()
    flash("您已安全退出", "info")
    return redirect(url_for("auth.login"))


@bp.get("/profile")
@login_required
def profile() -> Any:
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template("auth/profile.html", password_form=ChangePasswordForm(), token_form=ApiTokenForm(),
                           tokens=tokens, new_token=session.pop("new_api_token", None))


@bp.post("/profile/password")
@login_required
def change_password() -> Any:
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "danger")
        return redirect(url_for("auth.profile"))
    if not services.verify_password(current_user, form.current_password.data or ""):
        raise ValidationFailed("当前密码不正确")
    services.set_password(db.session, current_user, form.new_password.data or "")
    db.session.commit()
    # Every session, this one included, ended with the change: log in again with the new password.
    logout_user()
    session.clear()
    flash("密码已修改，请使用新密码重新登录", "success")
    return redirect(url_for("auth.login"))


@bp.post("/profile/tokens")
@login_required
def create_token() -> Any:
    form = ApiTokenForm()
    if not form.validate_on_submit():
        raise ValidationFailed("请填写令牌名称")
    _record, token = services.create_api_token(db.session, current_user, form.name.data or "")
    db.session.commit()
    session["new_api_token"] = token
    return redirect(url_for("auth.profile"))


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Any:
    record = db.session.get(ApiToken, token_id)
    if record is None or record.user_id != current_user.id:
        raise NotFound("令牌不存在")
    services.revoke_api_token(db.session, record)
    db.session.commit()
    flash("令牌已吊销", "success")
    return redirect(url_for("auth.profile"))
