"""删除客户 from 客户 360 and the administrator's 已删除客户 page (view, restore): app.customers.lifecycle."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.auth.models import User
from app.auth.permissions import require
from app.customers import lifecycle, services
from app.customers.access import CUSTOMERS_DELETE, CUSTOMERS_RESTORE
from app.customers.models import Customer
from app.extensions import db
from app.org import scope as data_scope
from app.pagination import keyset_page
from app.pools.models import MoveReason, PoolHistory

bp = Blueprint("customer_lifecycle", __name__, url_prefix="/customers")

PER_PAGE = 50


@bp.post("/<int:customer_id>/delete")
@require(CUSTOMERS_DELETE)
def delete(customer_id: int) -> Any:
    scope = services.customer_scope(db.session, current_user, CUSTOMERS_DELETE)
    customer = services.get_customer(db.session, scope, customer_id)
    name, number = customer.name, customer.number
    lifecycle.delete_customer(db.session, current_user, customer, request.form.get("reason", ""))
    db.session.commit()
    flash(f"已删除客户 {name}（{number}）。管理员可在“已删除客户”中恢复", "success")
    return redirect(url_for("customers.index"))


def _scope() -> data_scope.Scope:
    return data_scope.scope_of(db.session, current_user, CUSTOMERS_RESTORE)


@bp.get("/deleted")
@require(CUSTOMERS_RESTORE)
def deleted() -> Any:
    stmt = data_scope.apply(lifecycle.deleted_customers(), _scope(), Customer.service_org_id)
    page = keyset_page(stmt, (Customer.pool_changed_at.desc(), Customer.id.desc()), PER_PAGE,
                       walk_index="ix_customer_pool_changed")
    ids = [c.id for c in page.items]
    reasons = dict(db.session.execute(
        select(PoolHistory.customer_id, PoolHistory.note)
        .where(PoolHistory.customer_id.in_(ids), PoolHistory.reason == MoveReason.DELETE)
        .order_by(PoolHistory.id)).all()) if ids else {}
    deleters = {c.deleted_by_id for c in page.items if c.deleted_by_id}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(deleters))).all()) \
        if deleters else {}
    return render_template("customers/deleted.html", page=page, reasons=reasons, names=names)


@bp.post("/deleted/<int:customer_id>/restore")
@require(CUSTOMERS_RESTORE)
def restore(customer_id: int) -> Any:
    found = db.session.scalar(data_scope.apply(lifecycle.deleted_customers().where(Customer.id == customer_id),
                                               _scope(), Customer.service_org_id))
    customer = lifecycle.restore_customer(db.session, current_user, found.id if found else 0)
    db.session.commit()
    flash(f"已恢复客户 {customer.name}（{customer.number}），客户已进入{customer.service_org.name}的部门信息池",
          "success")
    return redirect(url_for("customer_lifecycle.deleted"))
