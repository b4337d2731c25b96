"""Keeping kb_search in step with the live versions: one row per article that has a live version."""

from __future__ import annotations

from sqlalchemy import delete, select

from app import clock
from app.database import DbSession
from app.kb.models import KbArticle, KbArticleVersion, KbAttachment, KbSearchRow


def index_live_version(session: DbSession, article_id: int) -> None:
    """Write the article's search row from its live version, or remove it when nothing of it is live."""
    article = session.get(KbArticle, article_id)
    version = session.get(KbArticleVersion, article.live_version_id) if article and article.live_version_id else None
    if article is None or version is None:
        session.execute(delete(KbSearchRow).where(KbSearchRow.article_id == article_id))
        return
    attachment_text = "\n".join(session.scalars(select(KbAttachment.text).where(KbAttachment.version_id == version.id)
                                                .order_by(KbAttachment.id)))
    row = session.get(KbSearchRow, article_id) or KbSearchRow(article_id=article_id)
    row.version_id, row.category_id = version.id, article.category_id
    row.title, row.body, row.attachment_text = version.title, version.body_text, attachment_text
    row.terms = ""
    row.published_at = version.reviewed_at or clock.now()
    session.add(row)
    session.flush()
