"""Keeping kb_search in step with the live versions: one row per article that has a live version.

``terms`` holds the index tokens of the title, the body and the attachment text (app/fulltext.py,
``index_tokens``), one line each; database triggers of migration 19c0000000001 copy those lines into the
full-text index (SQLite FTS5 kb_search_fts, PostgreSQL kb_search_fts tsvectors), so any write to kb_search —
this function or a set-based load — keeps the index right.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from app import clock
from app.database import DbSession
from app.fulltext import index_tokens
from app.kb.models import KbArticle, KbArticleVersion, KbAttachment, KbSearchRow, VersionStatus

INDEXED_CHARACTERS = 100_000  # of each field: a PostgreSQL tsvector holds at most 1 MB (~100,000 distinct pairs)


def search_terms(title: str, body: str, attachment_text: str) -> str:
    """The ``terms`` of a search row: the tokens of each field's first INDEXED_CHARACTERS, a line each."""
    return "\n".join(index_tokens(field[:INDEXED_CHARACTERS]) for field in (title, body, attachment_text))


def index_live_version(session: DbSession, article_id: int) -> None:
    """Write the article's search row from its live version, or remove it when nothing of it is live
    (no live version, or the live version withdrawn)."""
    article = session.get(KbArticle, article_id)
    version = session.get(KbArticleVersion, article.live_version_id) if article and article.live_version_id else None
    if article is None or version is None or version.status != VersionStatus.PUBLISHED:
        session.execute(delete(KbSearchRow).where(KbSearchRow.article_id == article_id))
        return
    attachment_text = "\n".join(session.scalars(select(KbAttachment.text).where(KbAttachment.version_id == version.id)
                                                .order_by(KbAttachment.id)))
    row = session.get(KbSearchRow, article_id) or KbSearchRow(article_id=article_id)
    row.version_id, row.category_id = version.id, article.category_id
    row.title, row.body, row.attachment_text = version.title, version.body_text, attachment_text
    row.terms = search_terms(version.title, version.body_text, attachment_text)
    row.published_at = version.reviewed_at or clock.now()
    session.add(row)
    session.flush()
