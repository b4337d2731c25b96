"""挖掘条件 screens: the list of saved conditions, the AND/OR editor with a live count, and the count endpoint."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock
from app.auth.permissions import require
from app.errors import DomainError, refused
from app.extensions import db
from app.inputs import json_object
from app.mining import conditions
from app.mining import demo as _demo  # noqa: F401  (registers the demo-data loader; app.demo.ORDER runs it)
from app.mining.access import MINING_CONDITIONS
from app.mining.catalogue import catalogue
from app.mining.models import MiningCondition
from app.org.scope import Scope, scope_of
from app.pagination import page_number

bp = Blueprint("mining_conditions", __name__, url_prefix="/mining/conditions")


def _scope() -> Scope:
    return scope_of(db.session, current_user, MINING_CONDITIONS)


@bp.get("")
@require(MINING_CONDITIONS)
def index() -> Any:
    scope = _scope()
    page = db.paginate(conditions.saved_query(scope), page=page_number(), per_page=20, error_out=False)
    now = clock.now()
    counts = {c.id: conditions.count(db.session, c.spec, scope, now) for c in page.items}
    return render_template("mining/conditions.html", page=page, counts=counts,
                           summaries=conditions.summaries(db.session, page.items))


def _editor(condition: MiningCondition | None, name: str, description: str, spec_text: str,
            status: int = 200) -> Any:
    return render_template("mining/condition_edit.html", condition=condition, name=name, description=description,
                           spec_text=spec_text, catalogue=catalogue(db.session, _scope())), status


def _typed_spec() -> tuple[str, Any]:
    """The hidden spec field as typed, and its JSON (None when it is not JSON at all)."""
    text = request.form.get("spec", "")
    try:
        return text, json.loads(text) if text.strip() else None
    except ValueError:
        return text, {"invalid": True}


@bp.get("/new")
@require(MINING_CONDITIONS)
def new() -> Any:
    return _editor(None, "", "", json.dumps({"op": "and", "items": []}, ensure_ascii=False))


@bp.post("/new")
@require(MINING_CONDITIONS)
def create() -> Any:
    text, spec = _typed_spec()
    try:
        condition = conditions.create(db.session, current_user, request.form.get("name"), spec,
                                      request.form.get("description", ""))
    except DomainError as exc:  # nothing is saved; the editor comes back with everything the user typed
        return refused(exc, lambda: _editor(None, request.form.get("name", ""), request.form.get("description", ""),
                                            text))
    db.session.commit()
    flash(f"已保存挖掘条件“{condition.name}”", "success")
    return redirect(url_for("mining_conditions.index"))


@bp.get("/<int:condition_id>")
@require(MINING_CONDITIONS)
def edit(condition_id: int) -> Any:
    condition = conditions.saved(db.session, condition_id, _scope())
    return _editor(condition, condition.name, condition.description, json.dumps(condition.spec, ensure_ascii=False))


@bp.post("/<int:condition_id>")
@require(MINING_CONDITIONS)
def update(condition_id: int) -> Any:
    condition = conditions.saved(db.session, condition_id, _scope())
    text, spec = _typed_spec()
    try:
        conditions.update(db.session, condition, request.form.get("name"), spec, request.form.get("description", ""))
    except DomainError as exc:
        return refused(exc, lambda: _editor(condition, request.form.get("name", ""),
                                            request.form.get("description", ""), text))
    db.session.commit()
    flash(f"已保存挖掘条件“{condition.name}”", "success")
    return redirect(url_for("mining_conditions.index"))


@bp.post("/<int:condition_id>/delete")
@require(MINING_CONDITIONS)
def delete(condition_id: int) -> Any:
    condition = conditions.saved(db.session, condition_id, _scope())
    name = condition.name
    conditions.delete(db.session, condition)
    db.session.commit()
    flash(f"已删除挖掘条件“{name}”", "success")
    return redirect(url_for("mining_conditions.index"))


@bp.post("/count")
@require(MINING_CONDITIONS)
def count() -> Any:
    """The editor's live count: {count, text, summary, preview} or a JSON error with the Chinese reason."""
    spec = conditions.validate(db.session, json_object().get("spec"))
    scope, now = _scope(), clock.now()
    total = conditions.count(db.session, spec, scope, now)
    return jsonify({"count": total, "text": f"符合条件的客户：{total:,} 个",
                    "summary": conditions.describe(db.session, spec),
                    "preview": conditions.preview_rows(db.session, spec, scope, now)})
