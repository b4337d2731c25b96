"""Service-task operations of ``bpmn/kb_review.bpmn`` (知识库审核) and what the reviewer's task shows.

They run inside the engine step that completes the reviewer's task, in the same transaction. Each moves the
version out of 审核中 with a conditional UPDATE, so two reviewers completing at once can never publish twice:
the second finds the version no longer in review and its whole step is rolled back.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import update

from app import clock
from app.errors import Conflict
from app.kb import articles, search_index
from app.kb.models import KbArticle, KbArticleVersion, VersionStatus
from app.workflow import subjects
from app.workflow.operations import OperationContext, operation


def _close_review(ctx: OperationContext, status: VersionStatus) -> KbArticleVersion:
    """Move the version under review to ``status`` with the reviewer and their comment, exactly once."""
    version_id = int(ctx.data["version_id"])
    moved = ctx.session.execute(
        update(KbArticleVersion).where(KbArticleVersion.id == version_id,
                                       KbArticleVersion.status == VersionStatus.IN_REVIEW)
        .values(status=status, reviewed_by_id=ctx.actor.id if ctx.actor is not None else None,
                reviewed_at=clock.now(), review_comment=str(ctx.data.get("comment") or ""))
        .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise Conflict("该版本已审核过，不能重复审核", code="kb_reviewed")
    version = ctx.session.get(KbArticleVersion, version_id)
    ctx.session.refresh(version)
    return version


@operation("kb.version.publish", "知识库审核：通过并发布（原生效版本改为已被取代）")
def publish(ctx: OperationContext) -> dict[str, Any]:
    version = _close_review(ctx, VersionStatus.PUBLISHED)
    article = ctx.session.get(KbArticle, version.article_id)
    previous = article.live_version
    if previous is not None and previous.id != version.id:
        previous.status = VersionStatus.SUPERSEDED
    article.live_version_id = version.id
    article.updated_at = clock.now()
    ctx.session.flush()
    search_index.index_live_version(ctx.session, article.id)
    return {"status": version.status.value, "superseded": previous.id if previous else None}


@operation("kb.version.return", "知识库审核：退回作者修改")
def return_for_changes(ctx: OperationContext) -> dict[str, Any]:
    return {"status": _close_review(ctx, VersionStatus.RETURNED).status.value}


@operation("kb.version.reject", "知识库审核：驳回")
def reject(ctx: OperationContext) -> dict[str, Any]:
    return {"status": _close_review(ctx, VersionStatus.REJECTED).status.value}


def _summary(session: Any, ident: str) -> subjects.Subject | None:
    version = session.get(KbArticleVersion, int(ident)) if ident.isdigit() else None
    if version is None:
        return None
    article = version.article
    files = "、".join(a.filename for a in version.attachments) or "无"
    live = article.live_version
    return subjects.Subject(
        title=f"{version.title}（第 {version.number} 版）", kind="知识", link_label="查看全文",
        url=url_for("kb.version", article_id=article.id, version_id=version.id),
        fields=[("知识分类", article.category.name), ("作者", version.author.name),
                ("当前生效版本", f"第 {live.number} 版" if live else "尚未发布"),
                ("正文", version.body_text[:800] or "（无正文）"), ("附件", files)])


subjects.register(articles.BUSINESS_PREFIX, _summary)
