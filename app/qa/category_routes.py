"""问题分类维护: administrators add, rename, re-sort, stop and restart question categories."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.auth.permissions import require
from app.errors import DomainError, refused
from app.extensions import db
from app.qa import services
from app.qa.access import CATEGORY
from app.qa.models import QaCategory

bp = Blueprint("qa_admin", __name__, url_prefix="/admin/qa")


@bp.get("/categories")
@require(CATEGORY)
def categories() -> Any:
    return render_template("qa/categories.html", categories=services.categories(db.session))


def _save(category: QaCategory | None) -> Any:
    if request.method == "GET":
        return render_template("qa/category_form.html", category=category,
                               values={"name": category.name if category else "",
                                       "sort": category.sort if category else 0})
    values = {"name": request.form.get("name", ""), "sort": request.form.get("sort", "0")}
    try:
        sort = int(values["sort"] or 0)
    except ValueError:
        sort = 0
    try:
        category = services.save_category(db.session, category, name=values["name"], sort=sort)
    except DomainError as exc:
        return refused(exc, "qa/category_form.html", category=category, values=values)
    db.session.commit()
    flash(f"问题分类“{category.name}”已保存", "success")
    return redirect(url_for("qa_admin.categories"))


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
    flash(f"问题分类“{category.name}”已" + ("启用" if category.active else "停用"), "success")
    return redirect(url_for("qa_admin.categories"))
