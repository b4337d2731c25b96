"""系统通知 for recipients: my notices, reading one (also in a pop-up), 我已知悉; the status-bar ticker
and the urgent pop-up are put on every page by a context processor."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock
from app.auth.permissions import can, require
from app.extensions import db
from app.notices import services
from app.notices.access import VIEW

bp = Blueprint("notices", __name__, url_prefix="/notices")


@bp.app_context_processor
def _notice_bar() -> dict[str, Any]:
    """Functions base.html calls: the ticker titles and the pending pop-up (queried only when rendered)."""

    def ticker() -> list[Any]:
        if not current_user.is_authenticated or not can(VIEW):
            return []
        return services.ticker(db.session, current_user, clock.now())

    def popup() -> Any:
        if not current_user.is_authenticated or not can(VIEW) or request.endpoint == "notices.acknowledge":
            return None
        return services.pending_popup(db.session, current_user, clock.now())

    return {"notice_ticker": ticker, "notice_popup": popup}


@bp.get("/")
@require(VIEW)
def index() -> Any:
    page = db.paginate(services.mine(current_user), per_page=30, error_out=False)
    return render_template("notices/index.html", page=page,
                           receipts=services.my_receipts(db.session, current_user, list(page.items)),
                           unread=services.unread_count(db.session, current_user))


@bp.get("/<int:notice_id>")
@require(VIEW)
def detail(notice_id: int) -> Any:
    notice, receipt = services.received(db.session, current_user, notice_id)
    services.mark_read(notice, current_user)
    return render_template("notices/detail.html", notice=notice, receipt=receipt)


@bp.get("/<int:notice_id>/popup")
@require(VIEW)
def popup(notice_id: int) -> Any:
    """The notice's content for the modal opened from the status bar."""
    notice, receipt = services.received(db.session, current_user, notice_id)
    services.mark_read(notice, current_user)
    return render_template("notices/_content.html", notice=notice, receipt=receipt)


@bp.post("/<int:notice_id>/acknowledge")
@require(VIEW)
def acknowledge(notice_id: int) -> Any:
    notice, receipt = services.received(db.session, current_user, notice_id)
    services.acknowledge(db.session, notice, receipt)
    db.session.commit()
    flash(f"已确认知悉：{notice.title}", "success")
    target = request.form.get("next", "")
    safe = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return redirect(target if safe else url_for("notices.index"))
