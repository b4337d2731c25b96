"""待办事项 screens: my to-dos, those I gave, my team's (managers); give, complete, withdraw."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock
from app.auth.permissions import can, require
from app.errors import DomainError, refused
from app.extensions import db
from app.oa import todos as services
from app.oa.access import TODO_ASSIGN, TODOS
from app.oa.models import TodoUrgency
from app.org import scope as data_scope
from app.org.scope import Scope
from forms.base import first_error
from forms.oa import TodoDoneForm, TodoForm

bp = Blueprint("todos", __name__, url_prefix="/oa/todos")
TABS = {"mine": "我的待办", "assigned": "我分配的", "team": "下属待办"}


def _manager_scope() -> Scope | None:
    return data_scope.scope_of(db.session, current_user, TODO_ASSIGN) if can(TODO_ASSIGN) else None


@bp.get("/")
@require(TODOS)
def index() -> Any:
    scope = _manager_scope()
    tabs = {key: label for key, label in TABS.items() if key == "mine" or scope is not None}
    tab = request.args.get("tab", "mine")
    tab = tab if tab in tabs else "mine"
    show_done = request.args.get("done") == "1"
    page = db.paginate(services.listing(current_user, tab, scope, show_done), per_page=30, error_out=False)
    return render_template("oa/todos.html", page=page, tab=tab, tabs=tabs, show_done=show_done,
                           today=clock.today(), done_form=TodoDoneForm(formdata=None))


def _assign_form() -> tuple[TodoForm, Scope]:
    scope = data_scope.scope_of(db.session, current_user, TODO_ASSIGN)
    form = TodoForm()
    form.assignee_id.choices = [(u.id, f"{u.name}（{u.work_no} · {u.org.name}）")
                                for u in services.assignable(db.session, current_user, scope)]
    return form, scope


@bp.route("/new", methods=["GET", "POST"])
@require(TODO_ASSIGN)
def create() -> Any:
    form, scope = _assign_form()
    first, last = services.day_window(db.session, clock.today())
    if request.method == "GET":
        form.due_date.data = first
    elif not form.validate():
        flash(first_error(form), "danger")
    else:
        try:
            given = services.assign(db.session, current_user, scope, assignee_ids=form.assignee_id.data or [],
                                    title=form.title.data or "", content=form.content.data or "",
                                    urgency=TodoUrgency(form.urgency.data), due_date=form.due_date.data)
        except DomainError as exc:
            return refused(exc, "oa/todo_form.html", form=form, first=first, last=last)
        db.session.commit()
        flash(f"已给 {'、'.join(t.assignee.name for t in given)} 分配待办事项（{len(given)} 条）", "success")
        return redirect(url_for("todos.index", tab="assigned"))
    status = 422 if request.method == "POST" else 200
    return render_template("oa/todo_form.html", form=form, first=first, last=last), status


@bp.get("/<int:todo_id>")
@require(TODOS)
def detail(todo_id: int) -> Any:
    todo = services.get_visible(db.session, current_user, todo_id, _manager_scope())
    return render_template("oa/todo_detail.html", todo=todo, today=clock.today(), done_form=TodoDoneForm(formdata=None))


@bp.post("/<int:todo_id>/done")
@require(TODOS)
def done(todo_id: int) -> Any:
    todo = services.get_visible(db.session, current_user, todo_id, _manager_scope())
    form = TodoDoneForm()
    services.mark_done(db.session, todo, current_user, form.done_note.data or "")
    db.session.commit()
    flash(f"“{todo.title}”已完成", "success")
    return redirect(_local_next() or url_for("todos.index"))


def _local_next() -> str:
    """A ``next`` path inside this site (the home page's 完成 button comes back home)."""
    target = request.form.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else ""


@bp.post("/<int:todo_id>/withdraw")
@require(TODO_ASSIGN)
def withdraw(todo_id: int) -> Any:
    todo = services.get_visible(db.session, current_user, todo_id, _manager_scope())
    services.withdraw(db.session, todo, current_user)
    db.session.commit()
    flash("待办事项已撤回", "success")
    return redirect(url_for("todos.index", tab="assigned"))
