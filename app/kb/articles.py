"""Writing knowledge articles: drafts and new versions. Review and publishing are the 知识库审核 process."""

from __future__ import annotations

from sqlalchemy import func, select

from app import richtext
from app.auth.models import User
from app.database import DbSession
from app.errors import ValidationFailed
from app.kb.models import KbArticle, KbArticleVersion, KbCategory, VersionStatus

TITLE_MAX = 200


def create_draft(session: DbSession, author: User, *, category_id: int, title: str, body_html: str,
                 template_id: int | None = None, source: str = "") -> KbArticle:
    """A new article whose first version is a draft of ``author``; the body is sanitised here."""
    category = session.get(KbCategory, category_id)
    if category is None or not category.active:
        raise ValidationFailed("请选择有效的知识分类")
    title = _checked_title(title)
    article = KbArticle(category_id=category.id, author_id=author.id)
    session.add(article)
    session.flush()
    _add_version(session, article, author, title, body_html, template_id, source)
    return article


def new_version(session: DbSession, article: KbArticle, author: User, *, title: str, body_html: str,
                template_id: int | None = None, source: str = "") -> KbArticleVersion:
    """A draft version after the article's last one; the live version stays live until this one is approved."""
    return _add_version(session, article, author, _checked_title(title), body_html, template_id, source)


def _checked_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("请填写知识标题")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(f"知识标题不能超过 {TITLE_MAX} 个字")
    return title


def _add_version(session: DbSession, article: KbArticle, author: User, title: str, body_html: str,
                 template_id: int | None, source: str) -> KbArticleVersion:
    body = richtext.clean(body_html)
    last = session.scalar(select(func.max(KbArticleVersion.number)).where(KbArticleVersion.article_id == article.id))
    version = KbArticleVersion(article_id=article.id, number=(last or 0) + 1, title=title, body_html=body,
                               body_text=richtext.to_text(body), template_id=template_id,
                               status=VersionStatus.DRAFT, author_id=author.id, source=source)
    session.add(version)
    session.flush()
    return version
