"""发起流程 screens: the processes I may start, and the start form with the business owner.

``?subject=customer:17`` starts them about a business object (the 发起流程 menu on 客户 360, a project's or a
trade's page): the object is shown and fixed, and checked on every step (app.workflow.launch.linked_subject).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.models import User
from app.auth.permissions import can, require
from app.errors import ValidationFailed
from app.extensions import db
from app.workflow import launch, model_forms, subjects, views
from app.workflow.access import LAUNCH
from app.workflow.models import InstanceStatus

bp = Blueprint("launch", __name__, url_prefix="/workflow/start")


@bp.app_template_global("startable_processes")
def startable_processes() -> list[launch.Startable]:
    """The processes the current user may start, for a 发起流程 menu on a business object's page."""
    return launch.startable_for(db.session, current_user) if can(LAUNCH) else []


def _subject(key: str) -> subjects.Subject | None:
    """The business object named by ``?subject=`` (or the posted field), checked; None when there is none."""
    return launch.linked_subject(db.session, key) if key else None


@bp.get("/", endpoint="index")
@require(LAUNCH)
def index() -> Any:
    key = request.args.get("subject", "").strip()
    return render_template("workflow/launch_list.html", items=launch.startable_for(db.session, current_user),
                           subject=_subject(key), subject_key=key)


def _render(startable: launch.Startable, form: Any, owner_id: int, subject_key: str = "", status: int = 200) -> Any:
    owners = launch.owner_choices(db.session, current_user, LAUNCH)
    return render_template("workflow/launch_form.html", startable=startable, form=form, owners=owners,
                           owner_id=owner_id, subject=_subject(subject_key), subject_key=subject_key), status


@bp.get("/<key>")
@require(LAUNCH)
def form(key: str) -> Any:
    startable = launch.get_startable(db.session, current_user, key)
    subject_key = request.args.get("subject", "").strip()
    _subject(subject_key)
    start_form = None
    if startable.form_key:
        # A field naming the kind of object the process is started about starts with that object.
        prefix, _, ident = subject_key.partition(":")
        cls = model_forms.resolve(db.session, startable.model.id, startable.form_key)
        initial = {name: int(ident) for name, kind in cls.subject_fields.items() if subject_key and kind == prefix}
        start_form = views.build_form(db.session, startable.form_key, None, initial, model_id=startable.model.id)
    return _render(startable, start_form, current_user.id, subject_key)


@bp.post("/<key>")
@require(LAUNCH)
def start(key: str) -> Any:
    startable = launch.get_startable(db.session, current_user, key)
    subject_key = request.form.get("subject", "").strip()
    subject = _subject(subject_key)
    try:
        owner_id = int(request.form.get("owner_id") or current_user.id)
    except ValueError as exc:
        raise ValidationFailed("请选择业务归属人") from exc
    data: dict[str, Any] = {}
    named: list[str] = []
    if startable.form_key:
        start_form = views.build_form(db.session, startable.form_key, request.form, None, model_id=startable.model.id)
        if not start_form.validate():
            db.session.rollback()
            flash("发起表单有误，请检查标红的字段", "danger")
            return _render(startable, start_form, owner_id, subject_key, 422)
        data = start_form.task_data()
        named = launch.subject_keys(start_form.subject_fields, data)
    owner = db.session.get(User, owner_id)
    if owner is None:
        raise ValidationFailed("业务归属人不存在")
    instance = launch.launch(db.session, startable, current_user, owner, data, LAUNCH, subject=subject_key,
                             named=named)
    db.session.commit()
    if instance.status == InstanceStatus.ERROR:
        flash(f"流程已发起（#{instance.id}），但执行出错：{instance.error_message}", "warning")
    else:
        flash(f"已发起“{instance.title if subject or named else startable.model.name}”（#{instance.id}）", "success")
    # Started from an object's page: back to it, where 相关流程 lists the new instance.
    return redirect(subject.url if subject and subject.url else url_for("tasks.inbox"))
