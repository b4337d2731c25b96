"""数据挖掘 screens: 客户数据回收 (preview, then move), 客户转移 and 离职交接."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app import clock
from app.auth.permissions import require
from app.customers import services as customer_services
from app.customers.models import Customer, CustomerType, Pool
from app.errors import ValidationFailed
from app.extensions import db
from app.org import scope as data_scope
from app.org.models import Org
from app.pools import handover, recovery
from app.pools.handover_models import Handover, HandoverStatus
from app.pools.recovery_access import MINING_HANDOVER, MINING_RECOVERY, MINING_TRANSFER
from app.pools.routes import row_page

bp = Blueprint("pools_recovery", __name__, url_prefix="/mining")

RECOVERY_FIELDS = ("assigned_before", "assigned_days", "no_valid_since", "no_valid_days", "to_org_id", "to_seat_id")


def _scope(permission: str) -> data_scope.Scope:
    return data_scope.scope_of(db.session, current_user, permission)


def _digits(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.strip().isdigit()]


def _orgs(scope: data_scope.Scope) -> list[Org]:
    ids = data_scope.org_ids(db.session, scope)
    return list(db.session.scalars(select(Org).where(Org.id.in_(ids), Org.active.is_(True)).order_by(Org.path)))


def _recovery_raw(source: Any) -> dict[str, Any]:
    """The recovery request from a form or the query string, in the shape recovery.parse reads."""
    raw: dict[str, Any] = {"seat_ids": _digits(source.getlist("seat_ids")),
                           "org_ids": _digits(source.getlist("org_ids"))}
    for key in RECOVERY_FIELDS:
        raw[key] = source.get(key, "").strip()
    return raw


# --- 客户数据回收 ---------------------------------------------------------------------------------------


@bp.get("/recovery", endpoint="recovery")
@require(MINING_RECOVERY)
def recovery_page() -> Any:
    """The recovery form; with ``preview=1`` also what the move would take, per source seat, and the first rows."""
    scope = _scope(MINING_RECOVERY)
    raw = _recovery_raw(request.args)
    result = spec = error = None
    if request.args.get("preview"):
        try:
            spec = recovery.parse(db.session, scope, raw, clock.now(), need_target=False)
            result = recovery.preview(db.session, scope, spec)
        except ValidationFailed as exc:
            error = exc.message
    return render_template("pools/recovery.html", raw=raw, spec=spec, result=result, error=error,
                           seats=customer_services.seat_choices(db.session, scope), orgs=_orgs(scope))


@bp.post("/recovery")
@require(MINING_RECOVERY)
def recovery_execute() -> Any:
    scope = _scope(MINING_RECOVERY)
    raw = _recovery_raw(request.form)
    spec = recovery.parse(db.session, scope, raw, clock.now(), need_target=True)
    moved = recovery.execute(db.session, current_user, scope, spec)
    db.session.commit()
    if moved.count:
        flash(f"已回收 {moved.count} 个客户到{spec.target_label}（批次 {moved.batch}，成交客户不回收）", "success")
    else:
        flash("没有符合条件的客户，未回收任何客户", "warning")
    return redirect(url_for("pools_recovery.recovery"))


# --- 客户转移 -----------------------------------------------------------------------------------------------


@bp.get("/transfer")
@require(MINING_TRANSFER)
def transfer() -> Any:
    scope = _scope(MINING_TRANSFER)
    seats = customer_services.seat_choices(db.session, scope)
    source = page = None
    raw_source = request.args.get("from_seat_id", "")
    if raw_source.isdigit():
        source = recovery.seat_in_scope(db.session, scope, int(raw_source))
        stmt = (select(Customer).where(Customer.service_seat_id == source.id, Customer.pool == Pool.PERSONAL)
                .order_by(Customer.assigned_at, Customer.id))
        page = row_page(stmt, per_page=100)
    return render_template("pools/transfer.html", seats=seats, source=source, page=page)


@bp.post("/transfer")
@require(MINING_TRANSFER)
def transfer_execute() -> Any:
    form = request.form
    from_seat, to_seat = form.get("from_seat_id", ""), form.get("to_seat_id", "")
    if not from_seat.isdigit():
        raise ValidationFailed("请选择转出坐席")
    if not to_seat.isdigit():
        raise ValidationFailed("请选择转入坐席")
    result = recovery.transfer(db.session, current_user, _scope(MINING_TRANSFER), int(from_seat), int(to_seat),
                               _digits(form.getlist("customer_id")), form.get("reason", ""))
    db.session.commit()
    flash(result.message("转移"), "success" if result.moved else "warning")
    return redirect(url_for("pools_recovery.transfer", from_seat_id=from_seat))


# --- 离职交接 -----------------------------------------------------------------------------------------------


def _pending_by_leaver(leaver_ids: list[int]) -> dict[int, dict[str, int]]:
    """Pending customers of each leaver by type, in one grouped query."""
    found: dict[int, dict[str, int]] = {i: {t.value: 0 for t in handover.TYPE_ORDER} for i in leaver_ids}
    if leaver_ids:
        rows = db.session.execute(
            select(Customer.prev_seat_id, Customer.type, func.count())
            .where(Customer.pool == Pool.HANDOVER, Customer.prev_seat_id.in_(leaver_ids))
            .group_by(Customer.prev_seat_id, Customer.type))
        for leaver, type_, n in rows:
            if leaver is not None:
                found[leaver][CustomerType(type_).value] = int(n)
    return found


@bp.get("/handovers")
@require(MINING_HANDOVER)
def handovers() -> Any:
    scope = _scope(MINING_HANDOVER)
    options = (selectinload(Handover.leaver), selectinload(Handover.org), selectinload(Handover.successor))
    pending = list(db.session.scalars(handover.visible(scope).options(*options).limit(500)))
    closed = list(db.session.scalars(
        handover.visible(scope, None).where(Handover.status != HandoverStatus.PENDING).options(*options)
        .order_by(None).order_by(Handover.done_at.desc(), Handover.id.desc()).limit(30)))
    return render_template("pools/handovers.html", pending=pending, closed=closed,
                           waiting=_pending_by_leaver([h.leaver_id for h in pending]),
                           types=handover.TYPE_ORDER, now=clock.now())


@bp.get("/handovers/<int:handover_id>")
@require(MINING_HANDOVER)
def handover_detail(handover_id: int) -> Any:
    scope = _scope(MINING_HANDOVER)
    record = handover.get(db.session, scope, handover_id)
    page = row_page(handover.pending_customers(record), per_page=100)
    return render_template("pools/handover.html", record=record, page=page,
                           waiting=_pending_by_leaver([record.leaver_id])[record.leaver_id],
                           types=handover.TYPE_ORDER, seats=customer_services.seat_choices(db.session, scope))


@bp.post("/handovers/<int:handover_id>")
@require(MINING_HANDOVER)
def hand_over(handover_id: int) -> Any:
    note = request.form.get("note", "")[:200]
    if request.form.get("mode") == "spread":
        seat_ids = _digits(request.form.getlist("seat_ids"))
        spread = handover.spread(db.session, current_user, _scope(MINING_HANDOVER), handover_id, seat_ids, note)
        db.session.commit()
        flash(spread.message(), "warning" if spread.left else "success")
        return redirect(url_for("pools_recovery.handover_detail", handover_id=handover_id))
    seat = request.form.get("seat_id", "")
    if not seat.isdigit():
        raise ValidationFailed("请选择继任坐席")
    result = handover.hand_to_seat(db.session, current_user, _scope(MINING_HANDOVER), handover_id, int(seat), note)
    db.session.commit()
    flash(result.message(), "warning" if result.left else "success")
    return redirect(url_for("pools_recovery.handover_detail", handover_id=handover_id))
