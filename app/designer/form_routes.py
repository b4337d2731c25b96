"""流程设计 screens for task forms defined in the browser: create, edit and preview a form-js schema.

POST /designer/forms/new and /designer/forms/<key> take ``key`` (create only), ``schema`` (JSON text) and
``action`` = save | preview (CSRF is checked app-wide). The page ``designer/form_edit.html`` gets ``key``,
``create``, ``schema_json`` (the current or submitted schema), ``preview`` (the compiled form or None),
``problem`` (why it does not compile, or "") and ``catalog_json`` (dictionaries, people sources and roles for
the builder's dropdowns). A refused save shows the submitted schema again: nothing typed is lost.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.admin import dictionaries
from app.admin.models import BaseDictionary
from app.auth.permissions import require
from app.designer import task_forms
from app.designer.access import DESIGN
from app.designer.catalog import role_names
from app.errors import ValidationFailed
from app.extensions import db
from app.workflow import people
from forms.task_forms import TaskForm

bp = Blueprint("designer_forms", __name__, url_prefix="/designer/forms")


def _preview(key: str, text: str) -> tuple[TaskForm | None, str]:
    """The compiled form for the preview, or the reason it does not compile."""
    try:
        _schema, form_class = task_forms.compile_text(key or "preview", text)
    except ValidationFailed as exc:
        return None, exc.message
    form = form_class(formdata=None, meta={"csrf": False})
    form.prepare(lambda code: dictionaries.choices(db.session, code),
                 lambda source: people.choices(db.session, source, None, current_user),
                 _RolesOnly())
    return form, ""


class _RolesOnly:
    """The preview's lookups: role names for role selects; no object is ever accepted."""

    def customer(self, ident: int) -> str | None:
        return None

    def project(self, ident: int) -> str | None:
        return None

    def file(self, ident: int) -> str | None:
        return None

    def roles(self) -> list[tuple[str, str]]:
        return list(role_names(db.session).items())


def form_catalog() -> dict[str, Any]:
    """What the form builder offers in its dropdowns."""
    rows = db.session.execute(select(BaseDictionary.code, BaseDictionary.name).order_by(BaseDictionary.code))
    return {
        "dictionaries": [{"code": code, "name": name} for code, name in rows],
        "people": [{"code": code, "label": label} for code, label in sorted(people.SOURCE_LABELS.items())],
        "roles": [{"code": code, "name": name} for code, name in role_names(db.session).items()],
    }


def _page(key: str, create: bool, text: str, preview: TaskForm | None = None, problem: str = "",
          status: int = 200) -> Any:
    catalog = json.dumps(form_catalog(), ensure_ascii=False).replace("<", "\\u003c")  # safe inside <script>
    return render_template("designer/form_edit.html", key=key, create=create, schema_json=text, preview=preview,
                           problem=problem, catalog_json=catalog), status


def _post(key: str, create: bool) -> Any:
    text = request.form.get("schema", "")
    if request.form.get("action") == "preview":
        # A preview needs only the schema; the key is checked when saving.
        preview, problem = _preview(key, text)
        return _page(key, create, text, preview, problem)
    try:
        row = task_forms.save_form(db.session, key, text, current_user, create=create)
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        preview, problem = _preview(key, text)
        return _page(key, create, text, preview, problem, status=422)
    db.session.commit()
    flash(f"表单 {row.key}（{row.title}）已保存，可在用户任务中选择", "success")
    return redirect(url_for("designer_forms.edit", key=row.key))


@bp.route("/new", methods=["GET", "POST"])
@require(DESIGN)
def new() -> Any:
    if request.method == "POST":
        return _post(request.form.get("key", "").strip(), create=True)
    return _page("", True, task_forms.pretty(task_forms.template()))


@bp.route("/<key>", methods=["GET", "POST"])
@require(DESIGN)
def edit(key: str) -> Any:
    row = task_forms.get_form(db.session, key)  # the key of a saved form never changes: running tasks name it
    if request.method == "POST":
        return _post(row.key, create=False)
    text = task_forms.pretty(row.definition)
    preview, problem = _preview(row.key, text)
    return _page(row.key, False, text, preview, problem)
