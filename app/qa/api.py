"""业务问答 API: list questions (the screens' lists and filters), one question with its answers, ask, answer.

Bearer-token auth like every /api/v1 endpoint (no cookies, so no CSRF token); the same data scope as the
screens: a question outside it is a 404."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.api import spec
from app.api.routes import bp, page_args, page_body, query_int
from app.auth.permissions import require
from app.errors import ValidationFailed
from app.extensions import db
from app.inputs import is_json_int, json_object, json_text
from app.qa import services
from app.qa.access import ANSWER, ASK, READ
from app.qa.models import QaAnswer, QaQuestion, QuestionStatus

_STAMP = {"type": "string", "format": "date-time", "nullable": True}
QUESTION = spec.schema("QaQuestion", {
    "type": "object",
    "required": ["id", "category_id", "category_name", "title", "status", "status_label", "asker_id", "asker_name",
                 "org_id", "answer_count", "accepted_answer_id", "created_at"],
    "properties": {
        "id": {"type": "integer"}, "category_id": {"type": "integer"}, "category_name": {"type": "string"},
        "title": {"type": "string"}, "status": {"type": "string", "enum": [s.value for s in QuestionStatus]},
        "status_label": {"type": "string"}, "asker_id": {"type": "integer"}, "asker_name": {"type": "string"},
        "org_id": {"type": "integer", "description": "提问人所在组织（决定谁能看到）"},
        "answer_count": {"type": "integer"}, "accepted_answer_id": {"type": "integer", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"}, "first_answered_at": _STAMP,
        "accepted_at": _STAMP, "closed_at": _STAMP,
    },
})
ANSWER_SCHEMA = spec.schema("QaAnswer", {
    "type": "object", "required": ["id", "author_id", "author_name", "body", "created_at", "accepted"],
    "properties": {
        "id": {"type": "integer"}, "author_id": {"type": "integer"}, "author_name": {"type": "string"},
        "body": {"type": "string", "description": "经过清洗的 HTML"},
        "created_at": {"type": "string", "format": "date-time"},
        "accepted": {"type": "boolean"}, "accepted_at": _STAMP,
        "promoted_article_id": {"type": "integer", "nullable": True, "description": "转成的知识草稿"},
    },
})
QUESTION_DETAIL = spec.schema("QaQuestionDetail", {
    "allOf": [{"$ref": QUESTION}, {"type": "object", "required": ["body", "answers"], "properties": {
        "body": {"type": "string", "description": "经过清洗的 HTML"},
        "answers": {"type": "array", "items": {"$ref": ANSWER_SCHEMA}}}}],
})
QUESTION_CREATE = spec.schema("QaQuestionCreate", {
    "type": "object", "required": ["category_id", "title"],
    "properties": {"category_id": {"type": "integer"}, "title": {"type": "string", "maxLength": 200},
                   "body": {"type": "string", "description": "纯文本或 HTML（脚本等会被清除）"}},
})
ANSWER_CREATE = spec.schema("QaAnswerCreate", {
    "type": "object", "required": ["body"],
    "properties": {"body": {"type": "string", "description": "纯文本或 HTML（脚本等会被清除）"}},
})


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def question_json(question: QaQuestion) -> dict[str, Any]:
    return {"id": question.id, "category_id": question.category_id, "category_name": question.category.name,
            "title": question.title, "status": question.status.value, "status_label": question.status.label,
            "asker_id": question.asker_id, "asker_name": question.asker.name, "org_id": question.org_id,
            "answer_count": question.answer_count, "accepted_answer_id": question.accepted_answer_id,
            "created_at": _iso(question.created_at), "first_answered_at": _iso(question.first_answered_at),
            "accepted_at": _iso(question.accepted_at), "closed_at": _iso(question.closed_at)}


def answer_json(reply: QaAnswer) -> dict[str, Any]:
    return {"id": reply.id, "author_id": reply.author_id, "author_name": reply.author.name, "body": reply.body,
            "created_at": _iso(reply.created_at), "accepted": reply.accepted, "accepted_at": _iso(reply.accepted_at),
            "promoted_article_id": reply.promoted_article_id}


def _detail_json(question: QaQuestion) -> dict[str, Any]:
    return {**question_json(question), "body": question.body,
            "answers": [answer_json(a) for a in services.answers(db.session, question)]}


spec.operation("get", "/qa/questions",
               summary="业务问答列表：all 全部 / open 待解答 / mine 我的提问 / answered 我的回答", tag="知识库",
               response=spec.page_of(QUESTION), errors=(403, 422), parameters=[
                   spec.query_param("view", "all（默认）| open | mine | answered", enum=list(services.VIEWS)),
                   spec.query_param("category_id", "问题分类", "integer"),
                   spec.query_param("q", "标题关键字"), *spec.PAGE_PARAMS])


@bp.get("/qa/questions")
@require(READ)
def list_questions() -> Any:
    page, per_page = page_args()
    view = request.args.get("view", "all")
    if view not in services.VIEWS:
        raise ValidationFailed("view 只能是 " + "、".join(services.VIEWS))
    stmt = services.listing(db.session, current_user, view=view, category_id=query_int("category_id"),
                            keyword=request.args.get("q", "")[:100])
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(stmt.order_by(*services.LIST_ORDER).limit(per_page).offset((page - 1) * per_page))
    return jsonify(page_body([question_json(q) for q in rows], page, per_page, total))


spec.operation("post", "/qa/questions", summary="提问", tag="知识库", response=QUESTION_DETAIL, status=201,
               request=QUESTION_CREATE, errors=(403, 422))


@bp.post("/qa/questions")
@require(ASK)
def create_question() -> Any:
    body = json_object()
    category_id = body.get("category_id")
    if not is_json_int(category_id):
        raise ValidationFailed("字段 category_id 缺失或类型不正确", details={"field": "category_id"})
    question = services.ask(db.session, current_user, category_id=category_id, title=json_text(body, "title"),
                            body=json_text(body, "body"))
    db.session.commit()
    response = jsonify(_detail_json(question))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_question", question_id=question.id)
    return response


spec.operation("get", "/qa/questions/{question_id}", summary="问题详情与全部回答", tag="知识库",
               response=QUESTION_DETAIL, parameters=[spec.path_param("question_id")])


@bp.get("/qa/questions/<int:question_id>")
@require(READ)
def get_question(question_id: int) -> Any:
    return jsonify(_detail_json(services.get_visible(db.session, current_user, question_id)))


spec.operation("post", "/qa/questions/{question_id}/answers", summary="回答问题（已关闭或已采纳的问题不再接受回答）",
               tag="知识库", response=ANSWER_SCHEMA, status=201, request=ANSWER_CREATE,
               parameters=[spec.path_param("question_id")], errors=(403, 404, 409, 422))


@bp.post("/qa/questions/<int:question_id>/answers")
@require(ANSWER)
def create_answer(question_id: int) -> Any:
    question = services.get_visible(db.session, current_user, question_id)
    reply = services.answer(db.session, question, current_user, json_text(json_object(), "body"))
    db.session.commit()
    response = jsonify(answer_json(reply))
    response.status_code = 201
    return response
