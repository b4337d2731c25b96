"""Writing knowledge articles: drafts and new versions. Review and publishing are the 知识库审核 process."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select, update

from app import clock, richtext, workflow
from app.auth.models import User
from app.database import DbSession
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.kb import attachments, search_index
from app.kb.models import KbArticle, KbArticleVersion, KbCategory, VersionStatus
from app.workflow.models import TaskStatus, WorkflowTask

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


def _cleaned(body_html: str) -> tuple[str, str]:
    """The body as stored (nh3-cleaned markup) and its plain text for search."""
    body = richtext.clean(body_html)
    return body, richtext.to_text(body)


def _add_version(session: DbSession, article: KbArticle, author: User, title: str, body_html: str,
                 template_id: int | None, source: str) -> KbArticleVersion:
    body, text = _cleaned(body_html)
    last = session.scalar(select(func.max(KbArticleVersion.number)).where(KbArticleVersion.article_id == article.id))
    version = KbArticleVersion(article_id=article.id, number=(last or 0) + 1, title=title, body_html=body,
                               body_text=text, template_id=template_id,
                               status=VersionStatus.DRAFT, author_id=author.id, source=source)
    session.add(version)
    session.flush()
    return version


# --- editing the working version -------------------------------------------------------------------------------

EDITABLE = (VersionStatus.DRAFT, VersionStatus.RETURNED)
PROCESS_KEY = "kb_review"
BUSINESS_PREFIX = "kb_version"


def latest_version(session: DbSession, article: KbArticle) -> KbArticleVersion:
    version = session.scalar(select(KbArticleVersion).where(KbArticleVersion.article_id == article.id)
                             .order_by(KbArticleVersion.number.desc()).limit(1))
    if version is None:
        raise NotFound("知识不存在")
    return version


def versions(session: DbSession, article: KbArticle) -> list[KbArticleVersion]:
    return list(session.scalars(select(KbArticleVersion).where(KbArticleVersion.article_id == article.id)
                                .order_by(KbArticleVersion.number.desc())))


def _check_author(article: KbArticle, actor: User) -> None:
    if article.author_id != actor.id:
        raise Forbidden("只有作者本人可以修改这条知识")


def save(session: DbSession, article: KbArticle, actor: User, *, category_id: int, title: str, body_html: str,
         template_id: int | None = None) -> KbArticleVersion:
    """Save the author's edit: into the draft or returned version, or — when the last version is published or
    closed — as a new draft version starting with the live version's attachments. 审核中 cannot be edited."""
    _check_author(article, actor)
    category = session.get(KbCategory, category_id)
    if category is None or (not category.active and category.id != article.category_id):
        raise ValidationFailed("请选择有效的知识分类")
    latest = latest_version(session, article)
    if latest.status == VersionStatus.IN_REVIEW:
        raise Conflict("该知识正在审核中，审核完成前不能修改", code="kb_in_review")
    article.category_id = category.id
    if latest.status in EDITABLE:
        latest.title, latest.template_id = _checked_title(title), template_id
        latest.body_html, latest.body_text = _cleaned(body_html)
        session.flush()
        return latest
    version = new_version(session, article, actor, title=title, body_html=body_html, template_id=template_id)
    source = article.live_version or latest
    attachments.copy_rows(session, source, version)
    return version


def editable_version(session: DbSession, article: KbArticle, actor: User) -> KbArticleVersion:
    """The version whose attachments the author may change now: a draft or a returned version."""
    _check_author(article, actor)
    latest = latest_version(session, article)
    if latest.status not in EDITABLE:
        raise Conflict("只能修改草稿或已退回的版本；请先点“修改”保存出新的草稿版本", code="kb_not_editable")
    return latest


# --- review -----------------------------------------------------------------------------------------------------


def submit(session: DbSession, article: KbArticle, actor: User) -> KbArticleVersion:
    """提交审核: the draft or returned version goes to 知识审核 in a new round of ``bpmn/kb_review.bpmn``."""
    _check_author(article, actor)
    version = latest_version(session, article)
    if version.status == VersionStatus.IN_REVIEW:
        raise Conflict("该版本已提交审核，请勿重复提交", code="kb_in_review")
    if version.status not in EDITABLE:
        raise Conflict("没有待提交的草稿版本", code="kb_not_editable")
    if not version.body_text.strip() and not version.attachments:
        raise ValidationFailed("请填写知识正文或上传附件后再提交")
    moved = session.execute(  # exactly one of two submits at once starts a review round
        update(KbArticleVersion).where(KbArticleVersion.id == version.id, KbArticleVersion.status.in_(EDITABLE))
        .values(status=VersionStatus.IN_REVIEW, submitted_at=clock.now(), reviewed_by_id=None, reviewed_at=None,
                review_comment="").execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    if moved != 1:
        raise Conflict("该版本已提交审核，请勿重复提交", code="kb_in_review")
    session.refresh(version)
    instance = workflow.start(
        session, PROCESS_KEY, business_key=f"{BUSINESS_PREFIX}:{version.id}",
        title=f"知识审核：{version.title}（第 {version.number} 版）"[:200], org_id=actor.org_id, owner_id=actor.id,
        actor=actor, data={"version_id": version.id, "article_id": article.id})
    version.process_instance_id = instance.id
    session.flush()
    return version


def withdraw(session: DbSession, article: KbArticle) -> KbArticleVersion:
    """下架: the live version stops being live and leaves search; the article keeps its versions."""
    version = article.live_version
    if version is None:
        raise Conflict("该知识当前没有已发布的版本", code="kb_not_live")
    version.status = VersionStatus.WITHDRAWN
    article.live_version_id = None
    session.flush()
    search_index.index_live_version(session, article.id)
    return version


# --- who sees what ----------------------------------------------------------------------------------------------


def get_article(session: DbSession, user: User, article_id: int, *, reviewer: bool) -> KbArticle:
    """An article the user may open: a live one for any reader; otherwise only its author or a reviewer."""
    article = session.get(KbArticle, article_id)
    if article is None or not (article.live_version_id or reviewer or article.author_id == user.id):
        raise NotFound("知识不存在或您无权查看")
    return article


def get_version(session: DbSession, user: User, article: KbArticle, version_id: int, *, reviewer: bool
                ) -> KbArticleVersion:
    """A version of an opened article: readers see the live one only; author and reviewers see every version."""
    version = session.get(KbArticleVersion, version_id)
    if version is None or version.article_id != article.id:
        raise NotFound("版本不存在")
    if version.id != article.live_version_id and not (reviewer or article.author_id == user.id):
        raise NotFound("版本不存在或您无权查看")
    return version


def readable(category_ids: list[int] | None = None) -> Select[Any]:
    """Live articles, newest change first, optionally within some categories."""
    stmt = select(KbArticle).where(KbArticle.live_version_id.is_not(None))
    if category_ids is not None:
        stmt = stmt.where(KbArticle.category_id.in_(category_ids))
    return stmt.order_by(KbArticle.updated_at.desc(), KbArticle.id.desc())


def managed(user: User, *, reviewer: bool, category_id: int | None = None,
            status: VersionStatus | None = None) -> Select[Any]:
    """知识库维护: the author's own articles, every article for a reviewer; by category and last version status."""
    stmt = select(KbArticle)
    if not reviewer:
        stmt = stmt.where(KbArticle.author_id == user.id)
    if category_id:
        stmt = stmt.where(KbArticle.category_id == category_id)
    if status is not None:
        last = (select(KbArticleVersion.status).where(KbArticleVersion.article_id == KbArticle.id)
                .order_by(KbArticleVersion.number.desc()).limit(1).scalar_subquery())
        stmt = stmt.where(last == status)
    return stmt.order_by(KbArticle.updated_at.desc(), KbArticle.id.desc())


def last_versions(session: DbSession, articles: list[KbArticle]) -> dict[int, KbArticleVersion]:
    """Each article's newest version, in one query."""
    ids = [a.id for a in articles]
    if not ids:
        return {}
    newest = (select(KbArticleVersion.article_id, func.max(KbArticleVersion.number).label("number"))
              .where(KbArticleVersion.article_id.in_(ids)).group_by(KbArticleVersion.article_id).subquery())
    rows = session.scalars(select(KbArticleVersion).join(newest, (newest.c.article_id == KbArticleVersion.article_id)
                                                         & (newest.c.number == KbArticleVersion.number)))
    return {v.article_id: v for v in rows}


def review_rounds(session: DbSession, versions: list[KbArticleVersion]) -> dict[int, list[WorkflowTask]]:
    """Each version's completed 知识审核 tasks, oldest first: every round's outcome and comment, also of a version
    returned and later approved (whose own review fields hold the last round only)."""
    keys = {f"{BUSINESS_PREFIX}:{v.id}": v.id for v in versions}
    rounds: dict[int, list[WorkflowTask]] = {}
    if not keys:
        return rounds
    for task in session.scalars(select(WorkflowTask).where(
            WorkflowTask.process_key == PROCESS_KEY, WorkflowTask.business_key.in_(list(keys)),
            WorkflowTask.status == TaskStatus.COMPLETED).order_by(WorkflowTask.completed_at, WorkflowTask.id)):
        rounds.setdefault(keys[task.business_key], []).append(task)
    return rounds
