"""知识库 API: the category tree and one article (its live version, or any version for its author and reviewers)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from flask_login import current_user

from app.api import spec
from app.api.routes import bp
from app.auth.permissions import can, require
from app.extensions import db
from app.kb import articles, categories
from app.kb.access import READ, REVIEW, WRITE
from app.kb.models import KbArticleVersion

_STAMP = {"type": "string", "format": "date-time", "nullable": True}
CATEGORY = spec.schema("KbCategory", {
    "type": "object", "required": ["id", "parent_id", "name", "path", "depth", "active", "articles"],
    "properties": {"id": {"type": "integer"}, "parent_id": {"type": "integer", "nullable": True},
                   "name": {"type": "string"}, "path": {"type": "string", "description": "全路径：产品知识 / 固收类"},
                   "depth": {"type": "integer"}, "active": {"type": "boolean"},
                   "articles": {"type": "integer", "description": "分类下的知识数"}},
})
VERSION = spec.schema("KbArticleVersion", {
    "type": "object", "required": ["id", "number", "title", "status", "status_label", "body_html", "attachments"],
    "properties": {
        "id": {"type": "integer"}, "number": {"type": "integer"}, "title": {"type": "string"},
        "status": {"type": "string", "description": "draft 草稿 / in_review 审核中 / returned 已退回 / "
                                                    "rejected 已驳回 / published 已发布 / "
                                                    "superseded 已被新版本取代 / withdrawn 已下架"},
        "status_label": {"type": "string"}, "body_html": {"type": "string", "description": "已清洗的正文 HTML"},
        "submitted_at": _STAMP, "reviewed_at": _STAMP, "review_comment": {"type": "string"},
        "attachments": {"type": "array", "items": {"type": "object"}},
    },
})
ARTICLE = spec.schema("KbArticle", {
    "type": "object", "required": ["id", "category_id", "category", "author", "live_version", "versions"],
    "properties": {"id": {"type": "integer"}, "category_id": {"type": "integer"}, "category": {"type": "string"},
                   "author": {"type": "string"}, "live_version": {
                       "type": "object", "nullable": True,
                       "description": "生效版本（同 KbArticleVersion）；未发布为 null"},
                   "versions": {"type": "array", "items": {"$ref": VERSION},
                                "description": "全部版本（仅作者与审核人可见，其他读者为空）"}},
})


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _version_json(article_id: int, version: KbArticleVersion) -> dict[str, Any]:
    return {"id": version.id, "number": version.number, "title": version.title, "status": version.status.value,
            "status_label": version.status.label, "body_html": version.body_html,
            "submitted_at": _iso(version.submitted_at), "reviewed_at": _iso(version.reviewed_at),
            "review_comment": version.review_comment,
            "attachments": [{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size,
                             "url": url_for("kb.download", article_id=article_id, version_id=version.id,
                                            attachment_id=a.id)} for a in version.attachments]}


spec.operation("get", "/kb/categories", summary="知识分类树（深度优先，含全路径与知识数）", tag="知识库",
               response={"type": "array", "items": {"$ref": CATEGORY}}, errors=(401, 403))


@bp.get("/kb/categories")
@require(READ, WRITE, REVIEW)
def kb_categories() -> Any:
    return jsonify([{"id": row.category.id, "parent_id": row.category.parent_id, "name": row.category.name,
                     "path": row.path, "depth": row.depth, "active": row.category.active, "articles": row.articles}
                    for row in categories.tree(db.session)])


spec.operation("get", "/kb/articles/{article_id}", summary="知识详情：生效版本；作者与审核人另见全部版本", tag="知识库",
               response=ARTICLE, parameters=[spec.path_param("article_id")])


@bp.get("/kb/articles/<int:article_id>")
@require(READ, WRITE, REVIEW)
def kb_article(article_id: int) -> Any:
    reviewer = can(REVIEW)
    article = articles.get_article(db.session, current_user, article_id, reviewer=reviewer)
    insider = reviewer or article.author_id == current_user.id
    live = article.live_version
    return jsonify({"id": article.id, "category_id": article.category_id, "category": article.category.name,
                    "author": article.author.name, "live_version": _version_json(article.id, live) if live else None,
                    "versions": [_version_json(article.id, v) for v in articles.versions(db.session, article)]
                    if insider else []})
