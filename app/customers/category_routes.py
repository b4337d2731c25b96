"""客户分类维护: the classification tree screen (counts with sub-classes; create, rename, move, delete an empty
category)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.auth.permissions import require
from app.customers import categories, services
from app.customers.access import CATEGORIES_MANAGE
from app.customers.models import Customer, CustomerCategory
from app.errors import ValidationFailed
from app.extensions import db
from forms.base import first_error
from forms.customers import CategoryForm

bp = Blueprint("customer_categories", __name__, url_prefix="/customers")


@bp.get("/categories")
@require(CATEGORIES_MANAGE)
def index() -> Any:
    tree = categories.category_tree(db.session)
    # Counted as 客户信息管理 lists them for the category (its sub-classes included): the viewer's customers.
    visible = services.scoped(select(Customer), services.customer_scope(db.session, current_user)) \
        .with_only_columns(Customer.category_id, func.count()).group_by(Customer.category_id)
    counts = categories.subtree_counts({category: int(n) for category, n in db.session.execute(visible)}, tree)
    form = CategoryForm()
    form.parent_id.choices = [(0, "（顶级分类）")] + list(categories.category_labels(db.session).items())
    return render_template("customers/categories.html", tree=tree, counts=counts, form=form,
                           labels=categories.category_labels(db.session))


@bp.post("/categories")
@require(CATEGORIES_MANAGE)
def category_create() -> Any:
    form = CategoryForm()
    form.parent_id.choices = [(0, "")] + list(categories.category_labels(db.session).items())
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    category = categories.create_category(db.session, form.name.data or "", form.parent_id.data or None)
    db.session.commit()
    flash(f"已新建分类“{category.name}”", "success")
    return redirect(url_for("customer_categories.index"))


def _category(category_id: int) -> CustomerCategory:
    category = db.session.get(CustomerCategory, category_id)
    if category is None:
        abort(404)
    return category


@bp.post("/categories/<int:category_id>/rename")
@require(CATEGORIES_MANAGE)
def category_rename(category_id: int) -> Any:
    categories.rename_category(db.session, _category(category_id), request.form.get("name", ""))
    db.session.commit()
    flash("分类已改名", "success")
    return redirect(url_for("customer_categories.index"))


@bp.post("/categories/move")
@require(CATEGORIES_MANAGE)
def category_move() -> Any:
    raw, parent = request.form.get("category_id", ""), request.form.get("parent_id", "")
    if not raw.isdigit():
        raise ValidationFailed("请选择要移动的分类")
    category = _category(int(raw))
    categories.move_category(db.session, category, int(parent) if parent.isdigit() and int(parent) else None)
    db.session.commit()
    flash(f"已移动分类“{category.name}”", "success")
    return redirect(url_for("customer_categories.index"))


@bp.post("/categories/<int:category_id>/delete")
@require(CATEGORIES_MANAGE)
def category_delete(category_id: int) -> Any:
    categories.delete_category(db.session, _category(category_id))
    db.session.commit()
    flash("分类已删除", "success")
    return redirect(url_for("customer_categories.index"))
