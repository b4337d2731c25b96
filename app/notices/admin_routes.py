"""系统通知维护 (publish, withdraw, read receipts) and 内容模板维护 for administrators."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app import clock
from app.auth.models import User, UserStatus
from app.auth.permissions import require
from app.errors import DomainError, refused
from app.extensions import db
from app.notices import services
from app.notices.access import MANAGE
from app.notices.models import Audience, NoticeLevel, NoticeTemplate
from app.org import services as org_services
from forms.base import first_error
from forms.notices import NoticeForm, TemplateForm

bp = Blueprint("notice_admin", __name__, url_prefix="/admin/notices")


@bp.get("/")
@require(MANAGE)
def index() -> Any:
    page = db.paginate(services.admin_listing(), per_page=30, error_out=False)
    return render_template("notices/admin_list.html", page=page, now=clock.now(),
                           counts=services.receipt_counts(db.session, list(page.items)))


def _notice_form() -> NoticeForm:
    form = NoticeForm()
    form.org_id.choices = [(0, "请选择")] + [(o.id, "　" * o.depth + o.name)
                                            for o in org_services.org_tree(db.session) if o.active]
    form.user_ids.choices = [(u.id, f"{u.name}（{u.work_no} · {u.org.name}）") for u in db.session.scalars(
        select(User).where(User.status == UserStatus.ACTIVE).order_by(User.work_no))]
    return form


@bp.route("/new", methods=["GET", "POST"])
@require(MANAGE)
def publish() -> Any:
    form = _notice_form()
    chosen = request.args.get("template", "")
    if request.method == "GET" and chosen.isdigit():
        template = services.get_template(db.session, int(chosen))
        form.title.data, form.body.data = template.title, template.body
    context = {"form": form, "templates": services.templates(db.session, active_only=True)}
    if request.method == "GET":
        return render_template("notices/publish.html", **context)
    if not form.validate():
        flash(first_error(form), "danger")
        return render_template("notices/publish.html", **context), 422
    expires = (datetime.combine(form.expires_on.data, time.max, tzinfo=clock.SHANGHAI)
               if form.expires_on.data else None)
    try:
        notice = services.publish(db.session, current_user, title=form.title.data or "", body=form.body.data or "",
                                  level=NoticeLevel(form.level.data), major=bool(form.major.data),
                                  audience=Audience(form.audience.data), org_id=form.org_id.data or None,
                                  user_ids=list(form.user_ids.data or []), expires_at=expires)
    except DomainError as exc:
        return refused(exc, "notices/publish.html", **context)
    db.session.commit()
    flash(f"通知“{notice.title}”已发布", "success")
    return redirect(url_for("notice_admin.receipts", notice_id=notice.id))


@bp.get("/<int:notice_id>")
@require(MANAGE)
def receipts(notice_id: int) -> Any:
    notice = services.get_notice(db.session, notice_id)
    rows = services.receipts(db.session, notice)
    return render_template("notices/admin_receipts.html", notice=notice, rows=rows,
                           read=sum(1 for r in rows if r.read_at),
                           acknowledged=sum(1 for r in rows if r.acknowledged_at))


@bp.post("/<int:notice_id>/withdraw")
@require(MANAGE)
def withdraw(notice_id: int) -> Any:
    notice = services.get_notice(db.session, notice_id)
    services.withdraw(db.session, notice)
    db.session.commit()
    flash("通知已撤回", "success")
    return redirect(url_for("notice_admin.receipts", notice_id=notice_id))


@bp.get("/templates")
@require(MANAGE)
def templates() -> Any:
    return render_template("notices/templates.html", templates=services.templates(db.session))


def _save_template(template: NoticeTemplate | None) -> Any:
    form = TemplateForm(obj=template)
    if request.method == "GET":
        return render_template("notices/template_form.html", form=form, template=template)
    if not form.validate():
        flash(first_error(form), "danger")
        return render_template("notices/template_form.html", form=form, template=template), 422
    values = {"name": form.name.data or "", "title": form.title.data or "", "body": form.body.data or ""}
    try:
        if template is None:
            template = services.create_template(db.session, **values)
        else:
            services.update_template(db.session, template, **values)
    except DomainError as exc:
        return refused(exc, "notices/template_form.html", form=form, template=template)
    db.session.commit()
    flash(f"模板“{template.name}”已保存", "success")
    return redirect(url_for("notice_admin.templates"))


@bp.route("/templates/new", methods=["GET", "POST"])
@require(MANAGE)
def create_template() -> Any:
    return _save_template(None)


@bp.route("/templates/<int:template_id>/edit", methods=["GET", "POST"])
@require(MANAGE)
def edit_template(template_id: int) -> Any:
    return _save_template(services.get_template(db.session, template_id))


@bp.post("/templates/<int:template_id>/active")
@require(MANAGE)
def toggle_template(template_id: int) -> Any:
    template = services.get_template(db.session, template_id)
    services.set_template_active(db.session, template, not template.active)
    db.session.commit()
    flash(f"模板“{template.name}”已" + ("启用" if template.active else "停用"), "success")
    return redirect(url_for("notice_admin.templates"))
