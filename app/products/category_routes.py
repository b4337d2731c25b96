"""项目分类维护: the category tree — create a child, rename, delete when empty."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for

from app.auth.permissions import require
from app.errors import ValidationFailed
from app.extensions import db
from app.products import categories
from app.products.access import CATEGORIES
from app.products.models import ProjectCategory
from forms.base import first_error
from forms.products import CategoryForm, RenameCategoryForm

bp = Blueprint("categories", __name__, url_prefix="/products/categories")


def _choices(tree: list[ProjectCategory]) -> list[tuple[int, str]]:
    return [(0, "（无，顶级分类）")] + [(c.id, "　" * c.depth + c.name) for c in tree]


@bp.get("/")
@require(CATEGORIES)
def index() -> Any:
    tree = categories.category_tree(db.session)
    form = CategoryForm()
    form.parent_id.choices = _choices(tree)
    return render_template("products/categories.html", tree=tree, form=form,
                           counts=categories.project_counts(db.session))


@bp.post("/")
@require(CATEGORIES)
def create() -> Any:
    form = CategoryForm()
    form.parent_id.choices = _choices(categories.category_tree(db.session))
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    category = categories.create_category(db.session, form.name.data or "", form.parent_id.data or None)
    db.session.commit()
    flash(f"已创建分类“{category.name}”", "success")
    return redirect(url_for("categories.index"))


@bp.post("/<int:category_id>/rename")
@require(CATEGORIES)
def rename(category_id: int) -> Any:
    form = RenameCategoryForm()
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    categories.rename_category(db.session, categories.get_category(db.session, category_id), form.name.data or "")
    db.session.commit()
    flash("分类已改名", "success")
    return redirect(url_for("categories.index"))


@bp.post("/<int:category_id>/delete")
@require(CATEGORIES)
def delete(category_id: int) -> Any:
    category = categories.get_category(db.session, category_id)
    name = category.name
    categories.delete_category(db.session, category)
    db.session.commit()
    flash(f"已删除分类“{name}”", "success")
    return redirect(url_for("categories.index"))
