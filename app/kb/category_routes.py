"""知识分类维护: the category tree on one page — add, rename, move, reorder, (de)activate, delete when empty."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.auth.permissions import require
from app.errors import DomainError, refused
from app.extensions import db
from app.kb import categories
from app.kb.access import CATEGORY

bp = Blueprint("kb_categories", __name__, url_prefix="/kb/categories")


def _render() -> Any:
    return render_template("kb/categories.html", tree=categories.tree(db.session))


def _fields() -> dict[str, Any]:
    return {"name": request.form.get("name", ""), "parent_id": request.form.get("parent_id", type=int) or None}


@bp.get("/")
@require(CATEGORY)
def index() -> Any:
    return _render()


@bp.post("/")
@require(CATEGORY)
def create() -> Any:
    try:
        category = categories.create(db.session, **_fields(), sort_order=request.form.get("sort_order", 0, type=int))
    except DomainError as exc:
        return refused(exc, _render)
    db.session.commit()
    flash(f"已新增分类“{category.name}”", "success")
    return redirect(url_for("kb_categories.index"))


@bp.post("/<int:category_id>")
@require(CATEGORY)
def update(category_id: int) -> Any:
    category = categories.get(db.session, category_id)
    try:
        categories.update(db.session, category, **_fields(), sort_order=request.form.get("sort_order", 0, type=int),
                          active=request.form.get("active") == "1")
    except DomainError as exc:
        return refused(exc, _render)
    db.session.commit()
    flash(f"分类“{category.name}”已保存", "success")
    return redirect(url_for("kb_categories.index"))


@bp.post("/<int:category_id>/delete")
@require(CATEGORY)
def delete(category_id: int) -> Any:
    category = categories.get(db.session, category_id)
    name = category.name
    try:
        categories.delete(db.session, category)
    except DomainError as exc:
        return refused(exc, _render)
    db.session.commit()
    flash(f"分类“{name}”已删除", "success")
    return redirect(url_for("kb_categories.index"))
