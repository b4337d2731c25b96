"""流程设计 screens for task forms defined in the browser: create, edit and preview (declarative TOML)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin import dictionaries
from app.auth.permissions import require
from app.designer import task_forms
from app.designer.access import DESIGN
from app.errors import ValidationFailed
from app.extensions import db
from forms.base import first_error
from forms.designer import TaskFormDefinitionForm
from forms.task_forms import TaskForm

bp = Blueprint("designer_forms", __name__, url_prefix="/designer/forms")


def _preview(key: str, source: str) -> tuple[TaskForm | None, str]:
    """The compiled form for the preview, or the reason it does not compile."""
    try:
        _definition, form_class = task_forms.compile_source(key or "preview", source)
    except ValidationFailed as exc:
        return None, exc.message
    form = form_class(formdata=None, meta={"csrf": False})
    form.prepare(lambda code: dictionaries.choices(db.session, code))
    return form, ""


def _edit(form: TaskFormDefinitionForm, create: bool) -> Any:
    preview, problem = (None, "")
    if form.is_submitted():
        if request.form.get("action") == "preview":
            # A preview needs only the definition (CSRF is checked app-wide); the key is checked when saving.
            preview, problem = _preview(form.key.data or "", form.source.data or "")
        elif not form.validate():
            flash(first_error(form), "danger")
        else:
            try:
                row = task_forms.save_form(db.session, form.key.data or "", form.source.data or "", current_user,
                                           create=create)
            except ValidationFailed as exc:
                db.session.rollback()
                flash(exc.message, "danger")
            else:
                db.session.commit()
                flash(f"表单 {row.key}（{row.title}）已保存，可在用户任务中选择", "success")
                return redirect(url_for("designer_forms.edit", key=row.key))
    elif not create:
        preview, problem = _preview(form.key.data or "", form.source.data or "")
    return render_template("designer/form_edit.html", form=form, create=create, preview=preview, problem=problem)


@bp.route("/new", methods=["GET", "POST"])
@require(DESIGN)
def new() -> Any:
    form = TaskFormDefinitionForm()
    if not form.is_submitted():
        form.source.data = task_forms.TEMPLATE
    return _edit(form, create=True)


@bp.route("/<key>", methods=["GET", "POST"])
@require(DESIGN)
def edit(key: str) -> Any:
    row = task_forms.get_form(db.session, key)
    form = TaskFormDefinitionForm()
    if not form.is_submitted():
        form.source.data = row.source
    form.key.data = row.key  # the key of a saved form never changes: running tasks name it
    return _edit(form, create=False)
