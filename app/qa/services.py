"""业务问答 operations: maintaining question categories, asking, answering, accepting, closing, and the lists.

Who sees a question (data scope): everyone holding ``qa.read`` sees every question asked inside their 分公司
(the branch subtree their org sits in) and their own; a user whose ``qa.read`` role has the 全部 scope
(administrators) sees all. A question outside looks exactly like a missing one (404).
"""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, literal, select, update

from app import clock, richtext
from app.audit import services as audit
from app.auth.models import DataScope, User, UserStatus
from app.auth.permissions import ADMIN_ROLE
from app.database import DbSession, UTCDateTime
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.notices import services as notices
from app.notices.models import Audience, NoticeLevel
from app.org import scope as data_scope
from app.org.models import Org
from app.qa.access import READ
from app.qa.models import ANSWERABLE, QaAnswer, QaCategory, QaQuestion, QuestionStatus

TITLE_MAX = 200
CATEGORY_NAME_MAX = 60
BODY_MAX = 20_000  # characters of the cleaned markup
VIEWS = {"all": "全部问题", "open": "待解答", "mine": "我的提问", "answered": "我的回答"}
_MARKUP = re.compile(r"<[a-zA-Z/!]")
_BLOCKS = re.compile(r"<(p|div|br|ul|ol|table|h[1-6]|blockquote|pre)\b", re.IGNORECASE)


# --- 问题分类维护 --------------------------------------------------------------------------------------------


def categories(session: DbSession, active_only: bool = False) -> list[QaCategory]:
    """Question categories in their maintained order."""
    stmt = select(QaCategory).order_by(QaCategory.sort, QaCategory.id)
    if active_only:
        stmt = stmt.where(QaCategory.active.is_(True))
    return list(session.scalars(stmt))


def get_category(session: DbSession, category_id: int) -> QaCategory:
    category = session.get(QaCategory, category_id)
    if category is None:
        raise NotFound("问题分类不存在")
    return category


def save_category(session: DbSession, category: QaCategory | None, *, name: str, sort: int) -> QaCategory:
    """Create a category (``category`` None) or rename / re-sort one; names are unique."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写分类名称")
    if len(name) > CATEGORY_NAME_MAX:
        raise ValidationFailed(f"分类名称不能超过 {CATEGORY_NAME_MAX} 个字")
    clash = session.scalar(select(QaCategory.id).where(QaCategory.name == name))
    if clash is not None and (category is None or clash != category.id):
        raise ValidationFailed(f"分类“{name}”已存在")
    if category is None:
        category = QaCategory(name=name, sort=sort)
        session.add(category)
    else:
        category.name, category.sort = name, sort
    session.flush()
    return category


def set_category_active(session: DbSession, category: QaCategory, active: bool) -> None:
    """停用 keeps the category's questions; a stopped category takes no new questions."""
    category.active = active
    session.flush()


# --- who sees what ---------------------------------------------------------------------------------------


def scope_of(session: DbSession, user: User) -> data_scope.Scope:
    """The user's Q&A scope: their 分公司 (or everything when their ``qa.read`` role sees 全部)."""
    wide = data_scope.scope_of(session, user, READ)
    if wide.is_all:
        return wide
    path = data_scope.branch_path(session, user.org)
    org_ids = tuple(session.scalars(select(Org.id).where(Org.path.startswith(path)).order_by(Org.id)))
    return data_scope.Scope(user.id, DataScope.BRANCH, user.org_id, path, org_ids)


def visible(session: DbSession, user: User) -> ColumnElement[bool]:
    """WHERE condition: the questions the user may see."""
    return data_scope.org_condition(scope_of(session, user), QaQuestion.org_id, QaQuestion.asker_id)


def get_visible(session: DbSession, user: User, question_id: int) -> QaQuestion:
    """One question the user may see; out of scope looks like missing."""
    return data_scope.get_or_404(session, QaQuestion, question_id, scope_of(session, user), owner_attr="asker_id")


def answer_of(session: DbSession, question: QaQuestion, answer_id: int) -> QaAnswer:
    answer = session.get(QaAnswer, answer_id)
    if answer is None or answer.question_id != question.id:
        raise NotFound("回答不存在")
    return answer


def answers(session: DbSession, question: QaQuestion) -> list[QaAnswer]:
    """The question's answers: the accepted one first, then oldest first."""
    return list(session.scalars(select(QaAnswer).where(QaAnswer.question_id == question.id)
                                .order_by(QaAnswer.accepted.desc(), QaAnswer.created_at, QaAnswer.id)))


def may_decide(user: User, question: QaQuestion) -> bool:
    """Whether the user may accept an answer or close the question: its asker, or an administrator."""
    return user.id == question.asker_id or any(role.code == ADMIN_ROLE for role in user.roles)


def listing(session: DbSession, user: User, *, view: str = "all", category_id: int | None = None,
            keyword: str = "") -> Select[Any]:
    """Questions the user sees for one list (全部 / 待解答 / 我的提问 / 我的回答), filtered; unordered."""
    stmt = select(QaQuestion).where(visible(session, user))
    if view == "open":
        stmt = stmt.where(QaQuestion.status == QuestionStatus.OPEN)
    elif view == "mine":
        stmt = stmt.where(QaQuestion.asker_id == user.id)
    elif view == "answered":
        stmt = stmt.where(exists().where(QaAnswer.question_id == QaQuestion.id, QaAnswer.author_id == user.id))
    if category_id:
        stmt = stmt.where(QaQuestion.category_id == category_id)
    keyword = (keyword or "").strip()
    if keyword:
        stmt = stmt.where(QaQuestion.title.contains(keyword, autoescape=True))
    return stmt


LIST_ORDER = (QaQuestion.created_at.desc(), QaQuestion.id.desc())


# --- asking, answering, accepting, closing -----------------------------------------------------------------


def body_html(raw: str, what: str) -> str:
    """What a user wrote as stored markup: rich text is cleaned with nh3; plain text becomes paragraphs."""
    raw = (raw or "").strip()
    if raw and not _MARKUP.search(raw):
        raw = "".join(f"<p>{html.escape(line)}</p>" for line in raw.splitlines() if line.strip())
    elif not _BLOCKS.search(raw):  # typed text with a tag or two in it: keep its line breaks
        raw = "<br>".join(raw.splitlines())
    cleaned = richtext.clean(raw).strip()
    if len(cleaned) > BODY_MAX:
        raise ValidationFailed(f"{what}太长，请控制在 {BODY_MAX} 个字符以内")
    return cleaned


def ask(session: DbSession, asker: User, *, category_id: int | None, title: str, body: str) -> QaQuestion:
    """提问: a question in an active category, visible to the asker's 分公司."""
    category = session.get(QaCategory, category_id) if category_id else None
    if category is None or not category.active:
        raise ValidationFailed("请选择有效的问题分类")
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("请填写问题标题")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(f"问题标题不能超过 {TITLE_MAX} 个字")
    question = QaQuestion(category_id=category.id, asker_id=asker.id, org_id=asker.org_id, title=title,
                          body=body_html(body, "问题描述"), status=QuestionStatus.OPEN, created_at=clock.now())
    session.add(question)
    session.flush()
    return question


def _refused_because(session: DbSession, question: QaQuestion, action: str) -> Conflict:
    session.refresh(question)
    reason = {QuestionStatus.CLOSED: "问题已关闭", QuestionStatus.ACCEPTED: "问题已采纳了一个回答"}.get(
        question.status, "问题状态已变化")
    return Conflict(f"{reason}，不能{action}")


def answer(session: DbSession, question: QaQuestion, author: User, body: str) -> QaAnswer:
    """回答: admitted only while the question is open or answered — one conditional UPDATE, so an answer racing
    a close or an accept cannot slip in; the asker gets a notice (系统通知)."""
    text = body_html(body, "回答内容")
    if not richtext.to_text(text) and "<img" not in text:
        raise ValidationFailed("请填写回答内容")
    now = clock.now()
    admitted = session.execute(
        update(QaQuestion).where(QaQuestion.id == question.id, QaQuestion.status.in_(ANSWERABLE))
        .values(answer_count=QaQuestion.answer_count + 1, status=QuestionStatus.ANSWERED,
                first_answered_at=func.coalesce(QaQuestion.first_answered_at, literal(now, UTCDateTime())))
        .execution_options(synchronize_session=False))
    if admitted.rowcount != 1:  # type: ignore[attr-defined]
        raise _refused_because(session, question, "再回答")
    reply = QaAnswer(question_id=question.id, author_id=author.id, body=text, created_at=now)
    session.add(reply)
    session.flush()
    session.refresh(question)
    if author.id != question.asker_id and question.asker.status == UserStatus.ACTIVE:
        notices.publish(session, author, title=f"您的提问有了新回答：{question.title}"[:TITLE_MAX],
                        body=f"{author.name} 回答了您在业务问答中的提问“{question.title}”。"
                             "请到 知识库 → 业务问答 查看，满意的回答请采纳。",
                        level=NoticeLevel.NORMAL, major=False, audience=Audience.USERS,
                        user_ids=[question.asker_id])
    return reply


def _check_decider(user: User, question: QaQuestion, action: str) -> None:
    if not may_decide(user, question):
        raise Forbidden(f"只有提问人可以{action}")


def accept(session: DbSession, question: QaQuestion, reply: QaAnswer, user: User) -> None:
    """采纳: exactly one answer per question — ``UPDATE … WHERE accepted_answer_id IS NULL`` lets one of two
    concurrent accepts through; the other is refused."""
    _check_decider(user, question, "采纳回答")
    if reply.question_id != question.id:
        raise NotFound("回答不存在")
    now = clock.now()
    won = session.execute(
        update(QaQuestion).where(QaQuestion.id == question.id, QaQuestion.accepted_answer_id.is_(None),
                                 QaQuestion.status.in_(ANSWERABLE))
        .values(accepted_answer_id=reply.id, status=QuestionStatus.ACCEPTED, accepted_at=now)
        .execution_options(synchronize_session=False))
    if won.rowcount != 1:  # type: ignore[attr-defined]
        raise _refused_because(session, question, "再采纳")
    session.execute(update(QaAnswer).where(QaAnswer.id == reply.id).values(accepted=True, accepted_at=now)
                    .execution_options(synchronize_session=False))
    session.refresh(question)
    session.refresh(reply)
    audit.record(session, "qa.accept", question, summary=f"采纳 {reply.author.name} 的回答：{question.title}",
                 after={"accepted_answer_id": reply.id})


def close(session: DbSession, question: QaQuestion, user: User) -> None:
    """关闭: the asker ends a question without accepting; it takes no more answers."""
    _check_decider(user, question, "关闭问题")
    closed = session.execute(
        update(QaQuestion).where(QaQuestion.id == question.id, QaQuestion.status.in_(ANSWERABLE))
        .values(status=QuestionStatus.CLOSED, closed_at=clock.now())
        .execution_options(synchronize_session=False))
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        raise _refused_because(session, question, "关闭")
    session.refresh(question)
    audit.record(session, "qa.close", question, summary=f"关闭问题：{question.title}")

