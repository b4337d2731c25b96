"""业务问答 screens: the lists, asking, a question with its answers (answer, accept, close), promoting an
accepted answer to a knowledge draft, and 问答汇总."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import require
from app.errors import DomainError, refused
from app.extensions import db
from app.pagination import keyset_page
from app.qa import (
    demo,  # noqa: F401  (its demo data is registered whenever the screens are)
    services,
    summary,
)
from app.qa import promote as promotion
from app.qa.access import ANSWER, ASK, PROMOTE, READ, SUMMARY
from app.qa.models import QaQuestion

bp = Blueprint("qa", __name__, url_prefix="/qa")
PER_PAGE = 20


def _int_arg(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


def kb_article_url(article_id: int | None) -> str | None:
    """The promoted draft's edit page in 知识库维护."""
    return url_for("kb.edit", article_id=article_id) if article_id is not None else None


@bp.get("/")
@require(READ)
def index() -> Any:
    view = request.args.get("view", "all")
    view = view if view in services.VIEWS else "all"
    category_id, keyword = _int_arg(request.args.get("category")), request.args.get("q", "").strip()[:100]
    stmt = services.listing(db.session, current_user, view=view, category_id=category_id, keyword=keyword)
    page = keyset_page(stmt, services.LIST_ORDER, PER_PAGE)
    return render_template("qa/index.html", page=page, view=view, views=services.VIEWS, keyword=keyword,
                           category_id=category_id, categories=services.categories(db.session))


def _ask_page(**values: Any) -> str:
    return render_template("qa/ask.html", categories=services.categories(db.session, active_only=True),
                           values=values)


@bp.route("/ask", methods=["GET", "POST"])
@require(ASK)
def ask() -> Any:
    if request.method == "GET":
        return _ask_page(category_id=_int_arg(request.args.get("category")))
    category_id, title, body = (_int_arg(request.form.get("category_id")), request.form.get("title", ""),
                                request.form.get("body", ""))
    values: dict[str, Any] = {"category_id": category_id, "title": title, "body": body}
    try:
        question = services.ask(db.session, current_user, category_id=category_id, title=title, body=body)
    except DomainError as exc:
        return refused(exc, lambda: _ask_page(**values))
    db.session.commit()
    flash("问题已提交，同事回答后会通知您", "success")
    return redirect(url_for("qa.detail", question_id=question.id))


def _detail_page(question: QaQuestion, draft: str = "") -> str:
    replies = services.answers(db.session, question)
    return render_template("qa/detail.html", question=question, answers=replies, draft=draft,
                           may_decide=services.may_decide(current_user, question),
                           article_urls={a.id: kb_article_url(a.promoted_article_id) for a in replies})


@bp.get("/<int:question_id>")
@require(READ)
def detail(question_id: int) -> Any:
    return _detail_page(services.get_visible(db.session, current_user, question_id))


@bp.post("/<int:question_id>/answers")
@require(ANSWER)
def answer(question_id: int) -> Any:
    question = services.get_visible(db.session, current_user, question_id)
    body = request.form.get("body", "")
    try:
        services.answer(db.session, question, current_user, body)
    except DomainError as exc:
        return refused(exc, lambda: _detail_page(services.get_visible(db.session, current_user, question_id),
                                                 body))
    db.session.commit()
    flash("回答已提交", "success")
    return redirect(url_for("qa.detail", question_id=question_id))


@bp.post("/<int:question_id>/answers/<int:answer_id>/accept")
@require(READ)
def accept(question_id: int, answer_id: int) -> Any:
    question = services.get_visible(db.session, current_user, question_id)
    services.accept(db.session, question, services.answer_of(db.session, question, answer_id), current_user)
    db.session.commit()
    flash("已采纳该回答", "success")
    return redirect(url_for("qa.detail", question_id=question_id))


@bp.post("/<int:question_id>/close")
@require(READ)
def close(question_id: int) -> Any:
    question = services.get_visible(db.session, current_user, question_id)
    services.close(db.session, question, current_user)
    db.session.commit()
    flash("问题已关闭", "success")
    return redirect(url_for("qa.detail", question_id=question_id))


@bp.route("/<int:question_id>/answers/<int:answer_id>/promote", methods=["GET", "POST"])
@require(PROMOTE)
def promote(question_id: int, answer_id: int) -> Any:
    question = services.get_visible(db.session, current_user, question_id)
    reply = services.answer_of(db.session, question, answer_id)

    def page() -> str:
        return render_template("qa/promote.html", question=question, answer=reply,
                               kb_categories=promotion.kb_categories(db.session),
                               existing_url=kb_article_url(reply.promoted_article_id))

    if request.method == "GET":
        return page()
    try:
        article_id = promotion.promote(db.session, current_user, reply,
                                       _int_arg(request.form.get("kb_category_id")))
    except DomainError as exc:
        return refused(exc, page)
    db.session.commit()
    flash(f"已转为知识草稿（知识编号 {article_id}），提交审核后发布", "success")
    return redirect(kb_article_url(article_id) or url_for("qa.detail", question_id=question_id))


@bp.get("/summary", endpoint="summary")
@require(SUMMARY)
def summary_page() -> Any:
    start, end = summary.months(request.args.get("start", ""), request.args.get("end", ""))
    category_id = _int_arg(request.args.get("category"))
    rows = summary.figures(db.session, current_user, start, end, category_id)
    return render_template("qa/summary.html", rows=rows, start=start, end=end, category_id=category_id,
                           categories=services.categories(db.session),
                           by_category=summary.totals(rows, "category"), by_month=summary.totals(rows, "month"),
                           month_chart=summary.chart_option(rows, start, end),
                           category_chart=summary.category_chart_option(rows))
