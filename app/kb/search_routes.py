"""知识库检索 screens and API: the search page, the compact box of the customer 360 page and the work
platform (htmx, results in place), and GET /api/v1/kb/search (Bearer token, like the rest of the API)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request, url_for
from sqlalchemy import select

from app import menu
from app.api import spec
from app.api.routes import bp as api_bp
from app.auth.permissions import require
from app.extensions import db
from app.kb import search as kb_search
from app.kb.access import READ
from app.kb.models import KbCategory

menu.add("kb", "知识库检索", "kb_search.search", READ, order=15)

bp = Blueprint("kb_search", __name__)

BOX_PER_PAGE = 5


def _arguments() -> tuple[str, int | None, int]:
    query = request.args.get("q", "", type=str)[:200]
    category_id = request.args.get("category_id", type=int) or None
    page = request.args.get("page", 1, type=int) or 1
    return query, category_id, page


def _categories() -> list[tuple[int, str]]:
    """Active categories as (id, indented name), parents before their children."""
    rows = db.session.execute(select(KbCategory.id, KbCategory.parent_id, KbCategory.name)
                              .where(KbCategory.active).order_by(KbCategory.sort_order, KbCategory.name)).all()
    children: dict[int | None, list[Any]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    ordered: list[tuple[int, str]] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in children.get(parent, []):
            ordered.append((row.id, "　" * depth + row.name))
            walk(row.id, depth + 1)

    walk(None, 0)
    return ordered


@bp.get("/kb/search")
@require(READ)
def search() -> Any:
    query, category_id, page = _arguments()
    result = kb_search.search(db.session, query, category_id=category_id, page=page)
    template = "kb/search_results.html" if request.headers.get("HX-Request") else "kb/search.html"
    return render_template(template, result=result, categories=_categories())


@bp.get("/kb/search/box")
@require(READ)
def box() -> Any:
    """The compact box's results (htmx): the first few hits and a link to the full search page."""
    query, category_id, _page = _arguments()
    result = kb_search.search(db.session, query, category_id=category_id, per_page=BOX_PER_PAGE)
    return render_template("kb/search_box_results.html", result=result)


HIT = spec.schema("KbSearchHit", {
    "type": "object",
    "required": ["article_id", "url", "category_id", "category", "published_at", "found_in", "title_html",
                 "snippet_html"],
    "properties": {
        "article_id": {"type": "integer"}, "url": {"type": "string"}, "category_id": {"type": "integer"},
        "category": {"type": "string"}, "published_at": {"type": "string", "format": "date-time"},
        "found_in": {"type": "string", "enum": list(kb_search.TIER_LABELS.values()), "description": "命中位置"},
        "title_html": {"type": "string", "description": "标题，HTML 转义，命中处加 <mark>"},
        "snippet_html": {"type": "string", "description": "正文（或附件）命中处前后的片段，HTML 转义，命中处加 <mark>"},
    },
})
spec.operation("get", "/kb/search", tag="知识库", errors=(403,),
               summary="知识库检索：标题、正文、附件全文检索（空格分隔多个词，每个词都须命中）", parameters=[
                   spec.query_param("q", "检索词"),
                   spec.query_param("category_id", "知识分类（含下级分类）", "integer"),
                   spec.query_param("page", "页码，从 1 开始；每页 20 条", "integer")],
               response={"type": "object", "required": ["query", "page", "has_next", "items"], "properties": {
                   "query": {"type": "string"}, "category_id": {"type": "integer", "nullable": True},
                   "page": {"type": "integer"}, "has_next": {"type": "boolean", "description": "是否还有下一页"},
                   "items": {"type": "array", "items": {"$ref": HIT}}}})


@api_bp.get("/kb/search")
@require(READ)
def api_search() -> Any:
    query, category_id, page = _arguments()
    result = kb_search.search(db.session, query, category_id=category_id, page=page)
    return jsonify({
        "query": result.query, "category_id": result.category_id, "page": result.page,
        "has_next": result.has_next,
        "items": [{"article_id": hit.article_id, "url": url_for("kb.article", article_id=hit.article_id),
                   "category_id": hit.category_id, "category": hit.category_name,
                   "published_at": hit.published_at.isoformat(), "found_in": hit.found_in,
                   "title_html": str(hit.title_html), "snippet_html": str(hit.snippet_html)}
                  for hit in result.hits],
    })
