"""投诉类别维护: administrators add and change complaint categories (handling role, department, SLA hours), stop
and restart them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from app.auth.models import Role
from app.auth.permissions import require
from app.complaints import services
from app.complaints.access import CATEGORY
from app.complaints.models import ComplaintCategory
from app.errors import DomainError, ValidationFailed, refused
from app.extensions import db
from app.org.models import Org

bp = Blueprint("complaints_admin", __name__, url_prefix="/admin/complaints")



def _choices() -> dict[str, Any]:
    return {"roles": db.session.execute(select(Role.code, Role.name).order_by(Role.id)).all(),
            "orgs": db.session.execute(select(Org.id, Org.name).order_by(Org.path)).all()}


@bp.get("/categories")
@require(CATEGORY)
def categories() -> Any:
    roles = dict(db.session.execute(select(Role.code, Role.name)).all())
    return render_template("complaints/categories.html", categories=services.categories(db.session), roles=roles)


def _save(category: ComplaintCategory | None) -> Any:
    if request.method == "GET":
        values: dict[str, Any] = {
            "name": category.name if category else "", "handler_role": category.handler_role if category else "",
            "org_id": category.org_id if category else None, "sla_hours": category.sla_hours if category else 24,
            "sort": category.sort if category else 0}
        return render_template("complaints/category_form.html", category=category, values=values, **_choices())
    form = request.form
    values = {"name": form.get("name", ""), "handler_role": form.get("handler_role", ""),
              "org_id": form.get("org_id", type=int), "sla_hours": form.get("sla_hours", ""),
              "sort": form.get("sort", "0")}
    try:
        hours = int(values["sla_hours"]) if str(values["sla_hours"]).strip() else None
    except ValueError:
        return refused(ValidationFailed("处理时限须为整数小时"), "complaints/category_form.html", category=category,
                       values=values, **_choices())
    try:
        sort = int(values["sort"] or 0)
    except ValueError:
        sort = 0
    try:
        category = services.save_category(db.session, category, name=values["name"],
                                          handler_role=values["handler_role"], org_id=values["org_id"],
                                          sla_hours=hours, sort=sort)
    except DomainError as exc:
        return refused(exc, "complaints/category_form.html", category=category, values=values, **_choices())
    db.session.commit()
    flash(f"投诉类别“{category.name}”已保存", "success")
    return redirect(url_for("complaints_admin.categories"))


@bp.route("/categories/new", methods=["GET", "POST"])
@require(CATEGORY)
def create_category() -> Any:
    return _save(None)


@bp.route("/categories/<int:category_id>/edit", methods=["GET", "POST"])
@require(CATEGORY)
def edit_category(category_id: int) -> Any:
    return _save(services.get_category(db.session, category_id))


@bp.post("/categories/<int:category_id>/active")
@require(CATEGORY)
def toggle_category(category_id: int) -> Any:
    category = services.get_category(db.session, category_id)
    services.set_category_active(db.session, category, not category.active)
    db.session.commit()
    flash(f"投诉类别“{category.name}”已" + ("启用" if category.active else "停用"), "success")
    return redirect(url_for("complaints_admin.categories"))
