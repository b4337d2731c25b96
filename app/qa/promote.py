"""转为知识草稿: an accepted answer becomes the first draft of a knowledge article, once.

The draft goes through the knowledge base's own review (知识库审核) like any other; its version's ``source``
says where it came from (``qa_answer:<id>``) and the answer keeps the article's id.
"""

from __future__ import annotations

import html

from sqlalchemy import select, update

from app.audit import services as audit
from app.auth.models import User
from app.database import DbSession
from app.errors import Conflict
from app.kb import articles
from app.kb.models import KbCategory
from app.qa.models import QaAnswer


def kb_categories(session: DbSession) -> list[KbCategory]:
    """The knowledge categories a draft may go into."""
    return list(session.scalars(select(KbCategory).where(KbCategory.active.is_(True))
                                .order_by(KbCategory.sort_order, KbCategory.id)))


def draft_body(reply: QaAnswer) -> str:
    """The draft's body: the question, then the accepted answer, each under its heading."""
    question = reply.question
    asker, author = html.escape(question.asker.name), html.escape(reply.author.name)
    return (f"<h3>问题</h3><p>{html.escape(question.title)}</p>{question.body}<h3>解答</h3>{reply.body}"
            f"<p><em>来自业务问答：{asker} 提问，{author} 解答</em></p>")


def promote(session: DbSession, user: User, reply: QaAnswer, kb_category_id: int | None) -> int:
    """Write the knowledge draft of an accepted answer and remember it on the answer; returns the article id.
    A second promotion of the same answer is refused, also when two people click at once."""
    if not reply.accepted:
        raise Conflict("只有已采纳的回答可以转为知识草稿")
    if reply.promoted_article_id is not None:
        raise Conflict(f"该回答已转为知识草稿（知识编号 {reply.promoted_article_id}），不能重复转换")
    article = articles.create_draft(session, user, category_id=kb_category_id or 0, title=reply.question.title,
                                    body_html=draft_body(reply), source=f"qa_answer:{reply.id}")
    kept = session.execute(update(QaAnswer).where(QaAnswer.id == reply.id, QaAnswer.promoted_article_id.is_(None))
                           .values(promoted_article_id=article.id).execution_options(synchronize_session=False))
    if kept.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("该回答刚刚已被他人转为知识草稿，不能重复转换")
    session.refresh(reply)
    audit.record(session, "qa.promote", reply, summary=f"转为知识草稿（知识编号 {article.id}）：{reply.question.title}",
                 after={"promoted_article_id": article.id})
    return article.id
