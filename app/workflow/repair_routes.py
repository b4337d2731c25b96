"""实例修复 screens of 流程监控: edit a current step's variables, move the token back, skip a step (see ``repair``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.auth.permissions import require
from app.errors import DomainError, ValidationFailed, refused
from app.extensions import db
from app.workflow import gateway, repair, views
from app.workflow.access import MANAGE
from app.workflow.models import ProcessInstance

bp = Blueprint("repair", __name__, url_prefix="/workflow/instances")
NEW_ROWS = 3  # blank rows for new variables on the edit screen


def _version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() else None


def _reason_only() -> MultiDict[str, str]:
    """What a refused skip or move keeps: its reason (the variable table is not the form that was sent)."""
    return MultiDict({"reason": request.form.get("reason", "")})


def _page(instance: ProcessInstance, guid: str, typed: MultiDict[str, str] | None = None) -> str:
    positions = repair.positions(instance) if instance.status in repair.REPAIRABLE else []
    chosen = next((p for p in positions if p.guid == guid), positions[0] if positions else None)
    variables = repair.variables(instance, chosen.guid)[1] if chosen else []
    return render_template("workflow/repair.html", instance=instance, positions=positions, chosen=chosen,
                           variables=variables, targets=repair.targets(instance) if positions else [],
                           types=list(repair.VariableType), typed=typed or MultiDict(), new_rows=NEW_ROWS,
                           history=views.history(db.session, instance.id))


@bp.get("/<int:instance_id>/repair")
@require(MANAGE)
def page(instance_id: int) -> Any:
    instance = gateway.live_instance(db.session, instance_id)
    return _page(instance, request.args.get("guid", ""))


def _changes(form: MultiDict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The edited and added variables (typed) and the deleted names, from the edit screen's rows.

    An existing row counts as changed when its text or type differs from what the screen showed (``was_*``),
    so a value the screen cannot show exactly (a time of day, a float) is left alone unless touched.
    """
    deleted = set(form.getlist("delete"))
    changes: dict[str, Any] = {}
    names, kinds, texts = form.getlist("name"), form.getlist("type"), form.getlist("value")
    was_kinds, was_texts = form.getlist("was_type"), form.getlist("was_value")
    for index, (raw_name, kind, text) in enumerate(zip(names, kinds, texts, strict=False)):
        if not raw_name.strip() and not text.strip():
            continue  # an unused blank row
        existing = index < len(was_kinds)
        if raw_name in deleted or (existing and was_kinds[index] == kind and was_texts[index] == text):
            continue
        name = repair.check_name(raw_name)
        if name in changes:
            raise ValidationFailed(f"变量“{name}”出现了两次")
        changes[name] = repair.parse(name, kind, text)
    return changes, sorted(deleted)


@bp.post("/<int:instance_id>/repair/variables")
@require(MANAGE)
def variables(instance_id: int) -> Any:
    instance = gateway.live_instance(db.session, instance_id)
    guid = request.form.get("guid", "")
    try:
        changes, deleted = _changes(request.form)
        applied = repair.edit_variables(db.session, instance, current_user, guid=guid, version=_version(),
                                        changes=changes, deleted=deleted, reason=request.form.get("reason", ""))
    except DomainError as exc:
        return refused(exc, lambda: _page(gateway.live_instance(db.session, instance_id), guid, request.form))
    db.session.commit()
    flash(f"已保存 {len(applied)} 项变量修改" + ("；请点“重试”继续执行" if instance.status.value == "error" else ""),
          "success")
    return redirect(url_for("repair.page", instance_id=instance_id, guid=guid))


@bp.post("/<int:instance_id>/repair/move")
@require(MANAGE)
def move(instance_id: int) -> Any:
    instance = gateway.live_instance(db.session, instance_id)
    try:
        target = repair.move_back(db.session, instance, current_user, target_guid=request.form.get("target", ""),
                                  version=_version(), reason=request.form.get("reason", ""))
    except DomainError as exc:
        return refused(exc, lambda: _page(gateway.live_instance(db.session, instance_id), "", _reason_only()))
    db.session.commit()
    _flash_outcome(instance, f"已退回到“{target.name}”")
    return redirect(url_for("workflow.instance", instance_id=instance_id))


@bp.post("/<int:instance_id>/repair/skip")
@require(MANAGE)
def skip(instance_id: int) -> Any:
    instance = gateway.live_instance(db.session, instance_id)
    guid = request.form.get("guid", "")
    try:
        changes, _deleted = _changes(request.form)
        position = repair.skip(db.session, instance, current_user, guid=guid, version=_version(), data=changes,
                               reason=request.form.get("reason", ""))
    except DomainError as exc:
        return refused(exc, lambda: _page(gateway.live_instance(db.session, instance_id), guid, _reason_only()))
    db.session.commit()
    _flash_outcome(instance, f"已跳过“{position.name}”")
    return redirect(url_for("workflow.instance", instance_id=instance_id))


def _flash_outcome(instance: ProcessInstance, done: str) -> None:
    if instance.status.value == "error":
        flash(f"{done}，但流程随后又出错：{instance.error_message}", "danger")
    else:
        flash(f"{done}，流程继续运行", "success")

