"""Screens of the invalid-customer pool: 数据挖掘 → 无效客户池 (search, revive singly or in bulk) and
the 标记无效 form of 客户 360."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from app.auth.permissions import can, require
from app.customers import sections
from app.customers import services as customer_services
from app.customers.access import CUSTOMERS_EDIT, CUSTOMERS_VIEW, WORKBENCH
from app.customers.models import Customer, CustomerType, Pool
from app.database import DbSession
from app.errors import NotFound
from app.extensions import db
from app.inputs import DB_INT_MAX
from app.mining import invalid
from app.mining.access import MINING_CONDITIONS
from app.mining.invalid_access import MINING_INVALID
from app.org import scope as data_scope
from app.org.models import Org
from rules import phones as phone_rules

bp = Blueprint("mining_invalid", __name__, url_prefix="/mining/invalid")

PER_PAGE = 50
FILTER_FIELDS = ("q", "reason", "from", "to", "marker", "org", "condition")


def _scope() -> data_scope.Scope:
    return data_scope.scope_of(db.session, current_user, MINING_INVALID)


def _condition_scope() -> data_scope.Scope:
    """Whose saved mining conditions (挖掘条件) the user may apply: as on the conditions screen."""
    return data_scope.scope_of(db.session, current_user, MINING_CONDITIONS)


def filter_from(args: MultiDict[str, str]) -> invalid.InvalidFilter:
    """Read the invalid-pool search from a query string or a posted form (the same field names)."""

    def _int(name: str) -> int | None:
        return _digits(args.get(name))

    def _day(name: str) -> date | None:
        try:
            return datetime.strptime(args.get(name, "") or "", "%Y-%m-%d").date()
        except ValueError:
            return None

    f = invalid.InvalidFilter(q=(args.get("q", "") or "").strip()[:100], reason=(args.get("reason") or "")[:30],
                              marked_from=_day("from"), marked_to=_day("to"), marked_by_id=_int("marker"),
                              org_id=_int("org"), condition_id=_int("condition"))
    return invalid.apply_condition(db.session, f, _condition_scope())


@bp.get("/")
@require(MINING_INVALID)
def index() -> Any:
    sc = _scope()
    f = filter_from(request.args)
    stmt = (invalid.invalid_pool(sc, f)
            .options(selectinload(Customer.phones), selectinload(Customer.service_org),
                     selectinload(Customer.prev_seat), selectinload(Customer.invalid_by))
            .order_by(Customer.invalid_at.desc().nullslast(), Customer.id.desc()))
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    orgs = list(db.session.scalars(select(Org).where(Org.id.in_(data_scope.org_ids(db.session, sc)),
                                                     Org.active.is_(True)).order_by(Org.path)))
    reasons = invalid.reason_choices(db.session)
    return render_template("mining/invalid.html", page=page, filters=f, orgs=orgs, reasons=reasons,
                           reason_labels=dict(reasons), markers=invalid.markers(db.session, sc),
                           seats=customer_services.seat_choices(db.session, sc),
                           conditions=invalid.condition_choices(db.session, _condition_scope()),
                           filter_args={k: v for k, v in request.args.items() if k in FILTER_FIELDS and v},
                           mask=phone_rules.mask)


@bp.post("/revive")
@require(MINING_INVALID)
def revive() -> Any:
    form = request.form
    target = invalid.parse_target(form.get("target", ""), _digits(form.get("org_id")), _digits(form.get("seat_id")))
    if form.get("all") == "1":
        result = invalid.revive(db.session, current_user, _scope(), target, search=filter_from(form))
    else:
        ids = [n for n in (_digits(v) for v in form.getlist("customer_id")) if n is not None]
        result = invalid.revive(db.session, current_user, _scope(), target, ids=ids)
    db.session.commit()
    flash(result.message, "success" if result.moved else "warning")
    return redirect(request.referrer or url_for("mining_invalid.index"))


def _digits(value: str | None) -> int | None:
    """A positive id from a form or query field; anything else (or beyond the database range) is None."""
    if not value or not value.isdigit() or len(value) > 10 or int(value) > DB_INT_MAX:
        return None
    return int(value)


@bp.post("/customers/<int:customer_id>/mark")
@require(CUSTOMERS_EDIT)
def mark(customer_id: int) -> Any:
    """标记无效 from 客户 360: a reason from the dictionary, an optional remark."""
    sc = customer_services.customer_scope(db.session, current_user, CUSTOMERS_EDIT)
    customer = invalid.mark_invalid(db.session, current_user, sc, customer_id, request.form.get("reason", ""),
                                    request.form.get("note", ""))
    db.session.commit()
    flash(f"已将 {customer.name}（{customer.number}）标记为无效，移入无效客户池", "success")
    try:  # a head still sees the customer; a seat no longer serves it
        customer_services.get_customer(db.session, customer_services.customer_scope(db.session, current_user),
                                       customer.id)
    except NotFound:
        return redirect(url_for("customers.current") if can(WORKBENCH) else url_for("customers.index"))
    return redirect(url_for("customers.detail", customer_id=customer.id))


# --- 客户 360 section ----------------------------------------------------------------------------------


def _section(session: DbSession, customer: Customer) -> dict[str, Any]:
    reasons = invalid.reason_choices(session)
    return {"reasons": reasons, "reason_label": dict(reasons).get(customer.invalid_reason, customer.invalid_reason),
            "can_mark": can(CUSTOMERS_EDIT) and customer.pool != Pool.INVALID and customer.type != CustomerType.DEALT,
            "can_revive": can(MINING_INVALID)}


sections.add("invalid", "无效标记", "mining/_section_invalid.html", _section, permission=CUSTOMERS_VIEW, order=35)

