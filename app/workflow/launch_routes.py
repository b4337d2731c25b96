"""发起流程 screens: the processes I may start, and the start form with the business owner."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.models import User
from app.auth.permissions import require
from app.errors import ValidationFailed
from app.extensions import db
from app.workflow import launch, views
from app.workflow.access import LAUNCH
from app.workflow.models import InstanceStatus

bp = Blueprint("launch", __name__, url_prefix="/workflow/start")


@bp.get("/", endpoint="index")
@require(LAUNCH)
def index() -> Any:
    return render_template("workflow/launch_list.html", items=launch.startable_for(db.session, current_user))


def _render(startable: launch.Startable, form: Any, owner_id: int, status: int = 200) -> Any:
    owners = launch.owner_choices(db.session, current_user, LAUNCH)
    return render_template("workflow/launch_form.html", startable=startable, form=form, owners=owners,
                           owner_id=owner_id), status


@bp.get("/<key>")
@require(LAUNCH)
def form(key: str) -> Any:
    startable = launch.get_startable(db.session, current_user, key)
    start_form = (views.build_form(db.session, startable.form_key, None, None, model_id=startable.model.id)
                  if startable.form_key else None)
    return _render(startable, start_form, current_user.id)


@bp.post("/<key>")
@require(LAUNCH)
def start(key: str) -> Any:
    startable = launch.get_startable(db.session, current_user, key)
    try:
        owner_id = int(request.form.get("owner_id") or current_user.id)
    except ValueError as exc:
        raise ValidationFailed("请选择业务归属人") from exc
    data: dict[str, Any] = {}
    start_form = None
    if startable.form_key:
        start_form = views.build_form(db.session, startable.form_key, request.form, None, model_id=startable.model.id)
        if not start_form.validate():
            db.session.rollback()
            flash("发起表单有误，请检查标红的字段", "danger")
            return _render(startable, start_form, owner_id, 422)
        data = start_form.task_data()
    owner = db.session.get(User, owner_id)
    if owner is None:
        raise ValidationFailed("业务归属人不存在")
    instance = launch.launch(db.session, startable, current_user, owner, data, LAUNCH)
    db.session.commit()
    if instance.status == InstanceStatus.ERROR:
        flash(f"流程已发起（#{instance.id}），但执行出错：{instance.error_message}", "warning")
    else:
        flash(f"已发起“{startable.model.name}”（#{instance.id}）", "success")
    return redirect(url_for("tasks.inbox"))
