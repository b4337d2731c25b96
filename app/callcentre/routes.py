"""Call-centre screens: the screen-pop poll, 我的回访 (own, overdue, the department queue, recent calls), the
客户 360 回访 section with its quick call-back, and 回访策略."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from app import clock
from app.auth import loader
from app.auth.permissions import can, require
from app.callcentre import callbacks, screen_pop, strategy
from app.callcentre import demo as _demo  # noqa: F401  (registers the demo-data loader)
from app.callcentre.access import CALLBACKS, STRATEGY
from app.callcentre.models import Callback, CallbackStatus, ScreenPop
from app.customers import links, sections
from app.customers.models import Customer
from app.customers.services import customer_scope, get_customer
from app.database import DbSession
from app.errors import DomainError, ValidationFailed, refused
from app.extensions import db
from app.mining.rule_models import DistributionRule
from app.org import services as org_services
from forms.base import first_error
from forms.callcentre import CancelCallbackForm, CompleteCallbackForm, QuickCallbackForm, StrategyForm

bp = Blueprint("callcentre", __name__, url_prefix="/callcentre")
links.register("回访", Callback.__table__.c.customer_id)
links.register("来电弹屏", ScreenPop.__table__.c.customer_id)
loader.PASSIVE_ENDPOINTS.add("callcentre.poll")


def _pop_json(row: Any) -> dict[str, Any]:
    masked = row.customer_pool is not None and screen_pop.visibility.masked(row.customer_pool)
    return {"id": row.id, "caller": row.caller, "direction": row.direction.label,
            "at": f"{clock.local(row.created_at):%H:%M:%S}",
            "customer": None if row.customer_id is None else {
                "id": row.customer_id, "name": row.customer_name, "number": row.customer_number,
                "url": url_for("customers.detail", customer_id=row.customer_id)},
            "match_count": row.match_count, "masked": masked, "outside_scope": row.outside_scope,
            "blacklisted": row.blacklisted, "blacklist_reason": row.blacklist_reason,
            "new_customer_url": url_for("customers.create", phone=row.caller),
            "seen_url": url_for("callcentre.seen", pop_id=row.id)}


@bp.get("/pops")
@login_required
def poll() -> Any:
    """The seat page's poll (every 500 ms): unseen screen-pops, newest first; one index range read."""
    rows = screen_pop.pending(db.session, current_user.id)
    return jsonify({"pops": [_pop_json(r) for r in rows]})


@bp.post("/pops/<int:pop_id>/seen")
@login_required
def seen(pop_id: int) -> Any:
    screen_pop.mark_seen(db.session, current_user.id, pop_id)
    db.session.commit()
    return jsonify({"ok": True})


@bp.get("/callbacks")
@require(CALLBACKS)
def mine() -> Any:
    session = db.session
    return render_template(
        "callcentre/mine.html", now=clock.now(), counts=callbacks.counts(session, current_user),
        pending=list(session.scalars(callbacks.mine(current_user).limit(200))),
        queue=list(session.scalars(callbacks.queue(session, current_user).limit(100))),
        done=list(session.scalars(callbacks.mine(current_user, CallbackStatus.DONE).limit(20))),
        calls=screen_pop.recent(session, current_user.id, 20),
        complete_form=CompleteCallbackForm(), cancel_form=CancelCallbackForm())


def _back(callback: Callback) -> Any:
    target = request.form.get("back", "")
    if target == "customer" and callback.customer_id:
        return redirect(url_for("customers.detail", customer_id=callback.customer_id) + "#customer-callbacks")
    return redirect(url_for("callcentre.mine"))


@bp.post("/callbacks/<int:callback_id>/complete")
@require(CALLBACKS)
def complete(callback_id: int) -> Any:
    callback = callbacks.get(db.session, current_user, callback_id)
    form = CompleteCallbackForm()
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    try:
        callbacks.complete(db.session, current_user, callback, callbacks.Outcome(
            note=form.note.data or "", connected=bool(form.connected.data),
            duration_seconds=form.duration_seconds.data or 0))
    except DomainError as exc:
        return refused(exc, lambda: _back(callback))
    db.session.commit()
    flash("回访已完成，已记入跟进记录" if callback.follow_up_id else "回访已完成", "success")
    return _back(callback)


@bp.post("/callbacks/<int:callback_id>/cancel")
@require(CALLBACKS)
def cancel(callback_id: int) -> Any:
    callback = callbacks.get(db.session, current_user, callback_id)
    form = CancelCallbackForm()
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    callbacks.cancel(db.session, current_user, callback, form.note.data or "")
    db.session.commit()
    flash("回访已取消", "success")
    return _back(callback)


@bp.post("/callbacks/<int:callback_id>/claim")
@require(CALLBACKS)
def claim(callback_id: int) -> Any:
    callback = callbacks.get(db.session, current_user, callback_id)
    callbacks.claim(db.session, current_user, callback)
    db.session.commit()
    flash("已领取这条回访", "success")
    return redirect(url_for("callcentre.mine"))


@bp.post("/customers/<int:customer_id>/callbacks")
@require(CALLBACKS)
def quick(customer_id: int) -> Any:
    """客户 360 快速回访: record a call-back made now, or schedule one."""
    customer = get_customer(db.session, customer_scope(db.session, current_user), customer_id)
    form = QuickCallbackForm()
    back = redirect(url_for("customers.detail", customer_id=customer.id) + "#customer-callbacks")
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    try:
        if form.mode.data == "schedule":
            due = clock.from_local(form.due_at.data) if form.due_at.data else None
            callbacks.schedule(db.session, current_user, customer, due, form.reason.data or "")
            message = f"已安排回访：{clock.local(due):%Y-%m-%d %H:%M}" if due else "已安排回访"
        else:
            callbacks.record_now(db.session, current_user, customer, callbacks.Outcome(
                note=form.note.data or "", connected=bool(form.connected.data),
                duration_seconds=form.duration_seconds.data or 0), form.reason.data or "")
            message = "回访已记录，已记入跟进记录"
    except DomainError as exc:
        return refused(exc, lambda: back)
    db.session.commit()
    flash(message, "success")
    return back


@bp.route("/strategy", methods=["GET", "POST"])
@require(STRATEGY)
def strategy_page() -> Any:
    current = strategy.current(db.session)
    form = StrategyForm(obj=current)
    form.rule_id.choices = [(0, "（不使用分配规则）")] + [
        (r.id, f"{r.name}（{r.method.label}）") for r in db.session.scalars(
            select(DistributionRule).where(DistributionRule.enabled.is_(True)).order_by(DistributionRule.name))]
    form.queue_org_id.choices = [(0, "（客户的服务组织 / 公司）")] + [
        (o.id, o.name) for o in org_services.org_tree(db.session) if o.active]
    if request.method == "GET":
        form.rule_id.data, form.queue_org_id.data = current.rule_id or 0, current.queue_org_id or 0
        db.session.commit()  # the default row, written once
        return render_template("callcentre/strategy.html", form=form)
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
        return render_template("callcentre/strategy.html", form=form), 422
    try:
        strategy.save(db.session, rule_id=form.rule_id.data or None, queue_org_id=form.queue_org_id.data or None,
                      due_minutes=form.due_minutes.data)
    except DomainError as exc:
        return refused(exc, "callcentre/strategy.html", form=form)
    db.session.commit()
    flash("回访策略已保存", "success")
    return redirect(url_for("callcentre.strategy_page"))


def _customer_panel(session: DbSession, customer: Customer) -> dict[str, Any]:
    """客户 360 回访: the customer's call-backs and, for a seat who may, the quick call-back form."""
    return {"callback_rows": callbacks.of_customer(session, customer.id),
            "callback_form": QuickCallbackForm() if can(CALLBACKS) else None}


sections.add("callbacks", "回访", "callcentre/_customer_panel.html", _customer_panel, order=45)
