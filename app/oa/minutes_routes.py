"""纪要管理 screens: list and search, record and change minutes, add follow-up items (they become to-dos)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock
from app.auth.permissions import require
from app.errors import DomainError, refused
from app.extensions import db
from app.oa import minutes as services
from app.oa import todos
from app.oa.access import MINUTES
from app.oa.models import Minutes, TodoUrgency
from app.org import scope as data_scope
from app.org.scope import Scope
from forms.base import first_error
from forms.oa import FollowUpForm, MinutesForm

bp = Blueprint("minutes", __name__, url_prefix="/oa/minutes")


def _scope() -> Scope:
    return data_scope.scope_of(db.session, current_user, MINUTES)


def _load(minutes_id: int) -> Minutes:
    return services.get_visible(db.session, current_user, minutes_id, _scope())


@bp.get("/")
@require(MINUTES)
def index() -> Any:
    page = db.paginate(services.listing(current_user, _scope(), request.args.get("q", "").strip()), per_page=30,
                       error_out=False)
    return render_template("oa/minutes_list.html", page=page)


def _form(minutes: Minutes | None) -> MinutesForm:
    form = MinutesForm(obj=minutes)
    if minutes is not None and request.method == "GET":
        form.attendee_ids.data = [u.id for u in minutes.attendees]
    form.attendee_ids.choices = [(u.id, f"{u.name}（{u.org.name}）")
                                 for u in services.attendee_choices(db.session, current_user)]
    return form


def _save(minutes: Minutes | None) -> Any:
    form = _form(minutes)
    if request.method == "GET":
        if minutes is None:
            form.meeting_date.data = clock.today()
        return render_template("oa/minutes_form.html", form=form, minutes=minutes)
    if not form.validate():
        flash(first_error(form), "danger")
        return render_template("oa/minutes_form.html", form=form, minutes=minutes), 422
    values = {"title": form.title.data or "", "meeting_date": form.meeting_date.data,
              "location": form.location.data or "", "attendee_ids": list(form.attendee_ids.data or []),
              "content": form.content.data or "", "decisions": form.decisions.data or ""}
    try:
        if minutes is None:
            minutes = services.create(db.session, current_user, **values)
        else:
            services.update(db.session, minutes, current_user, **values)
    except DomainError as exc:
        return refused(exc, "oa/minutes_form.html", form=form, minutes=minutes)
    db.session.commit()
    flash("纪要已保存", "success")
    return redirect(url_for("minutes.detail", minutes_id=minutes.id))


@bp.route("/new", methods=["GET", "POST"])
@require(MINUTES)
def create() -> Any:
    return _save(None)


@bp.route("/<int:minutes_id>/edit", methods=["GET", "POST"])
@require(MINUTES)
def edit(minutes_id: int) -> Any:
    minutes = _load(minutes_id)
    services.ensure_author(minutes, current_user)
    return _save(minutes)


def _follow_up_form(minutes: Minutes) -> FollowUpForm:
    form = FollowUpForm()
    people = {u.id: u for u in minutes.attendees}
    people.setdefault(minutes.created_by_id, minutes.created_by)
    form.assignee_id.choices = [(0, "请选择")] + [(u.id, u.name) for u in people.values()]
    return form


@bp.get("/<int:minutes_id>")
@require(MINUTES)
def detail(minutes_id: int) -> Any:
    minutes = _load(minutes_id)
    form = _follow_up_form(minutes)
    form.due_date.data = clock.today()
    return render_template("oa/minutes_detail.html", minutes=minutes, form=form, today=clock.today())


@bp.post("/<int:minutes_id>/follow-ups")
@require(MINUTES)
def add_follow_up(minutes_id: int) -> Any:
    minutes = _load(minutes_id)
    form = _follow_up_form(minutes)
    if not form.validate():
        flash(first_error(form), "danger")
        return redirect(url_for("minutes.detail", minutes_id=minutes_id))
    todo = todos.follow_up(db.session, minutes, current_user, assignee_id=form.assignee_id.data,
                           title=form.title.data or "", urgency=TodoUrgency(form.urgency.data),
                           due_date=form.due_date.data)
    db.session.commit()
    flash(f"跟进事项已成为 {todo.assignee.name} 的待办", "success")
    return redirect(url_for("minutes.detail", minutes_id=minutes_id))
