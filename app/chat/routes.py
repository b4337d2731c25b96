"""即时通讯 screens: conversations with unread counts, one conversation that polls for new messages
(htmx, every few seconds — works behind any proxy), sending, and the unread badge in the status bar."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import can, require
from app.chat import services
from app.chat.access import CHAT
from app.errors import ValidationFailed
from app.extensions import db

bp = Blueprint("chat", __name__, url_prefix="/chat")
POLL_SECONDS = 3
BADGE_POLL_SECONDS = 15


@bp.app_context_processor
def _chat_badge() -> dict[str, Any]:
    def unread() -> int | None:
        if not current_user.is_authenticated or not can(CHAT):
            return None
        return services.unread_total(db.session, current_user)

    return {"chat_unread": unread, "chat_badge_poll": BADGE_POLL_SECONDS}


def _int_arg(name: str) -> int:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() else 0


@bp.get("/")
@require(CHAT)
def index() -> Any:
    return _page(None)


@bp.get("/with/<int:other_id>")
@require(CHAT)
def conversation(other_id: int) -> Any:
    return _page(services.partner(db.session, current_user, other_id))


def _page(other: Any) -> Any:
    messages = []
    if other is not None:
        messages = services.history(db.session, current_user, other, before=_int_arg("before"))
        services.mark_read(current_user, other)
    return render_template("chat/index.html", other=other, messages=messages,
                           contacts=services.contacts(db.session, current_user), poll=POLL_SECONDS,
                           more=len(messages) == services.PAGE)


@bp.get("/with/<int:other_id>/messages")
@require(CHAT)
def new_messages(other_id: int) -> Any:
    """Messages after ``after`` (htmx polling); they count as read, since the conversation is open."""
    other = services.partner(db.session, current_user, other_id)
    messages = services.history(db.session, current_user, other, after=_int_arg("after"))
    if any(m.sender_id == other.id for m in messages):
        services.mark_read(current_user, other)
    return render_template("chat/_messages.html", messages=messages)


@bp.post("/with/<int:other_id>/messages")
@require(CHAT)
def send(other_id: int) -> Any:
    try:
        message = services.send(db.session, current_user, other_id, request.form.get("body", ""))
    except ValidationFailed as exc:
        if not request.headers.get("HX-Request"):
            raise
        db.session.rollback()
        return Response(exc.message, status=exc.status, mimetype="text/plain")
    db.session.commit()
    if request.headers.get("HX-Request"):
        return render_template("chat/_messages.html", messages=[message])
    return redirect(url_for("chat.conversation", other_id=other_id))


@bp.get("/people")
@require(CHAT)
def people() -> Any:
    return render_template("chat/_people.html",
                           people=services.directory(db.session, current_user, request.args.get("q", "").strip()))


@bp.get("/unread")
@require(CHAT)
def unread() -> Any:
    """The status-bar badge, polled by htmx."""
    return render_template("chat/_badge.html")
