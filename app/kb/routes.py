"""知识库 screens: reading (live articles by category, an article with its attachments), 知识库维护 (the author's
articles, writing from a 内容模板, versions, attachments, 提交审核), 知识库审核 (versions waiting, 下架) and the
attachment download that never lets a file run in the browser."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.admin import params
from app.audit import services as audit
from app.auth.permissions import can, require
from app.errors import DomainError, NotFound, ValidationFailed, refused
from app.extensions import db
from app.inputs import enum_arg
from app.kb import articles, attachments, categories
from app.kb.access import READ, REVIEW, WRITE
from app.kb.models import KbArticle, KbArticleVersion, VersionStatus
from app.notices import services as notice_services
from app.notices.models import NoticeTemplate
from app.workflow import inbox, subjects
from app.workflow.models import TaskStatus, WorkflowTask

bp = Blueprint("kb", __name__, url_prefix="/kb")

PLACEHOLDER = re.compile(r"\{([^{}\s]{1,20})\}")
UPLOAD_ENDPOINTS = {"kb.create", "kb.edit", "kb.upload"}


@bp.before_request
def _allow_video_uploads() -> None:
    """Uploads of this blueprint may be as large as the video cap (the app-wide limit is for everything else)."""
    if request.endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
        cap = max(params.get_int(attachments.VIDEO_MAX_MB), params.get_int(attachments.DOCUMENT_MAX_MB))
        request.max_content_length = (cap + 1) * 1024 * 1024


def _reviewer() -> bool:
    return can(REVIEW)


def _article(article_id: int) -> KbArticle:
    if not any(can(code) for code in (READ, WRITE, REVIEW)):
        raise NotFound("知识不存在或您无权查看")
    return articles.get_article(db.session, current_user, article_id, reviewer=_reviewer())


def _version_of_key(version_id: int) -> KbArticleVersion:
    version = db.session.get(KbArticleVersion, version_id)
    if version is None:
        raise NotFound("版本不存在")
    return articles.get_version(db.session, current_user, _article(version.article_id), version_id,
                                reviewer=_reviewer())


subjects.opens_with(articles.BUSINESS_PREFIX, _version_of_key)


# --- reading ----------------------------------------------------------------------------------------------------


@bp.get("/")
@require(READ)
def index() -> Any:
    category_id = request.args.get("category", type=int)
    tree = categories.tree(db.session, active_only=True)
    ids = categories.subtree_ids(tree, category_id) if category_id else None
    page = db.paginate(articles.readable(ids), per_page=30, error_out=False)
    return render_template("kb/index.html", page=page, tree=tree, category_id=category_id)


@bp.get("/articles/<int:article_id>")
@require(READ, WRITE, REVIEW)
def article(article_id: int) -> Any:
    item = _article(article_id)
    shown = item.live_version
    if shown is None:
        shown = articles.latest_version(db.session, item)
    return _render_article(item, shown)


@bp.get("/articles/<int:article_id>/versions/<int:version_id>")
@require(READ, WRITE, REVIEW)
def version(article_id: int, version_id: int) -> Any:
    item = _article(article_id)
    return _render_article(item, articles.get_version(db.session, current_user, item, version_id,
                                                      reviewer=_reviewer()))


def _render_article(item: KbArticle, shown: KbArticleVersion) -> Any:
    insider = _reviewer() or item.author_id == current_user.id
    history = articles.versions(db.session, item) if insider else []
    latest = history[0] if history else None
    return render_template("kb/article.html", article=item, shown=shown, history=history, latest=latest,
                           insider=insider, rounds=articles.review_rounds(db.session, history),
                           can_withdraw=_reviewer() and item.live_version_id is not None,
                           inline=attachments.inline_allowed, review_task=_review_task(latest))


def _review_task(latest: KbArticleVersion | None) -> WorkflowTask | None:
    """The open review task of the latest version, if it is in the current user's inbox."""
    if latest is None or latest.status != VersionStatus.IN_REVIEW:
        return None
    return db.session.scalar(inbox.open_for(db.session, current_user).where(
        WorkflowTask.business_key == f"{articles.BUSINESS_PREFIX}:{latest.id}"))


@bp.get("/articles/<int:article_id>/versions/<int:version_id>/files/<int:attachment_id>")
@require(READ, WRITE, REVIEW)
def download(article_id: int, version_id: int, attachment_id: int) -> Any:
    """The file, as an attachment with the allow-list's type; images and video inline only if asked for."""
    item = _article(article_id)
    shown = articles.get_version(db.session, current_user, item, version_id, reviewer=_reviewer())
    attachment = attachments.get(db.session, shown, attachment_id)
    disposition = "inline" if request.args.get("inline") and attachments.inline_allowed(attachment) else "attachment"
    response = Response(attachments.read(attachment), mimetype=attachment.content_type)
    response.headers["Content-Disposition"] = (f"{disposition}; filename=attachment; "
                                               f"filename*=UTF-8''{quote(attachment.filename)}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


# --- 知识库维护 ---------------------------------------------------------------------------------------------------


@bp.get("/manage")
@require(WRITE, REVIEW)
def manage() -> Any:
    status = enum_arg("status", VersionStatus)
    category_id = request.args.get("category", type=int)
    page = db.paginate(articles.managed(current_user, reviewer=_reviewer(), category_id=category_id, status=status),
                       per_page=30, error_out=False)
    return render_template("kb/manage.html", page=page, last=articles.last_versions(db.session, list(page.items)),
                           statuses=list(VersionStatus), tree=categories.tree(db.session), category_id=category_id,
                           status=status)


def _filled_template() -> tuple[NoticeTemplate | None, list[str], dict[str, str], str, str]:
    """The chosen 内容模板, its placeholders, the values typed for them and the filled title and body (HTML)."""
    template_id = request.values.get("template", type=int)
    if not template_id:
        return None, [], {}, "", ""
    template = notice_services.get_template(db.session, template_id)
    names = list(dict.fromkeys(PLACEHOLDER.findall(f"{template.title}\n{template.body}")))
    values = {name: request.values.get(f"ph_{name}", "").strip()[:200] for name in names}

    def fill(text: str) -> str:
        return PLACEHOLDER.sub(lambda m: values.get(m.group(1)) or m.group(0), text)

    body = "".join(f"<p>{html.escape(line)}</p>" for line in fill(template.body).splitlines() if line.strip())
    return template, names, values, fill(template.title), body


def _render_form(item: KbArticle | None, values: dict[str, Any], status: int = 200) -> Any:
    template, names, typed, _title, _body = _filled_template() if item is None else (None, [], {}, "", "")
    editable = None
    if item is not None:
        latest = articles.latest_version(db.session, item)
        editable = latest if latest.status in articles.EDITABLE else None
    return render_template("kb/edit.html", article=item, values=values, choices=categories.choices(db.session),
                           templates=notice_services.templates(db.session, active_only=True), template=template,
                           placeholders=names, typed=typed, editable=editable, allowed=attachments.ALLOWED_TEXT,
                           max_mb=params.get_int(attachments.DOCUMENT_MAX_MB),
                           video_mb=params.get_int(attachments.VIDEO_MAX_MB)), status


def _posted() -> dict[str, Any]:
    return {"category_id": request.form.get("category_id", type=int) or 0, "title": request.form.get("title", ""),
            "body_html": request.form.get("body_html", ""), "template_id": request.form.get("template_id", type=int)}


def _store_files(version: KbArticleVersion) -> int:
    stored = 0
    for upload in request.files.getlist("attachments"):
        if upload and upload.filename:
            attachments.add(db.session, version, current_user, upload.filename, upload.read())
            stored += 1
    return stored


@bp.route("/articles/new", methods=["GET", "POST"])
@require(WRITE)
def create() -> Any:
    if request.method == "GET":
        template, _names, _typed, title, body = _filled_template()
        values: dict[str, Any] = {"category_id": request.args.get("category", type=int), "title": title,
                                  "body_html": body, "template_id": template.id if template else None}
        return _render_form(None, values)
    values = _posted()
    try:
        item = articles.create_draft(db.session, current_user, **values)
        _store_files(articles.latest_version(db.session, item))
    except DomainError as exc:
        return refused(exc, lambda: _render_form(None, values))
    db.session.commit()
    flash("知识已保存为草稿；确认无误后请点击“提交审核”", "success")
    return redirect(url_for("kb.article", article_id=item.id))


@bp.route("/articles/<int:article_id>/edit", methods=["GET", "POST"])
@require(WRITE)
def edit(article_id: int) -> Any:
    item = _article(article_id)
    if request.method == "GET":
        latest = articles.latest_version(db.session, item)
        values: dict[str, Any] = {"category_id": item.category_id, "title": latest.title, "body_html": latest.body_html,
                  "template_id": latest.template_id}
        return _render_form(item, values)
    values = _posted()
    try:
        saved = articles.save(db.session, item, current_user, **values)
        _store_files(saved)
    except DomainError as exc:
        return refused(exc, lambda: _render_form(_article(article_id), values))
    db.session.commit()
    flash(f"已保存为第 {saved.number} 版（{saved.status.label}）；生效版本在新版本审核通过前保持不变", "success")
    return redirect(url_for("kb.version", article_id=item.id, version_id=saved.id))


@bp.post("/articles/<int:article_id>/files")
@require(WRITE)
def upload(article_id: int) -> Any:
    item = _article(article_id)
    target = articles.editable_version(db.session, item, current_user)
    if not _store_files(target):
        raise ValidationFailed("没有收到任何附件，请选择要上传的文件")
    db.session.commit()
    flash("附件已上传", "success")
    return redirect(url_for("kb.edit", article_id=article_id))


@bp.post("/articles/<int:article_id>/files/<int:attachment_id>/delete")
@require(WRITE)
def remove_file(article_id: int, attachment_id: int) -> Any:
    item = _article(article_id)
    attachments.remove(db.session, articles.editable_version(db.session, item, current_user), attachment_id)
    db.session.commit()
    flash("附件已删除", "success")
    return redirect(url_for("kb.edit", article_id=article_id))


@bp.post("/articles/<int:article_id>/submit")
@require(WRITE)
def submit(article_id: int) -> Any:
    item = _article(article_id)
    submitted = articles.submit(db.session, item, current_user)
    audit.record(db.session, "kb.submit", submitted, summary=f"{submitted.title}（第 {submitted.number} 版）")
    db.session.commit()
    flash("已提交知识审核；审核通过后发布", "success")
    return redirect(url_for("kb.version", article_id=item.id, version_id=submitted.id))


# --- 知识库审核 ---------------------------------------------------------------------------------------------------


@bp.get("/reviews")
@require(REVIEW)
def reviews() -> Any:
    """Versions waiting for review, each with its task when it is in the reviewer's inbox."""
    waiting = list(db.session.scalars(select(KbArticleVersion).where(
        KbArticleVersion.status == VersionStatus.IN_REVIEW).order_by(KbArticleVersion.submitted_at)))
    keys = [f"{articles.BUSINESS_PREFIX}:{v.id}" for v in waiting]
    tasks = {task.business_key: task for task in db.session.scalars(inbox.open_for(db.session, current_user).where(
        WorkflowTask.business_key.in_(keys), WorkflowTask.status == TaskStatus.OPEN))}
    return render_template("kb/reviews.html", waiting=waiting, tasks=tasks, prefix=articles.BUSINESS_PREFIX)


@bp.post("/articles/<int:article_id>/withdraw")
@require(REVIEW)
def withdraw(article_id: int) -> Any:
    item = _article(article_id)
    withdrawn = articles.withdraw(db.session, item)
    audit.record(db.session, "kb.withdraw", withdrawn, summary=f"{withdrawn.title}（第 {withdrawn.number} 版）")
    db.session.commit()
    flash("知识已下架，读者和检索中都不再出现", "success")
    return redirect(url_for("kb.article", article_id=article_id))
