"""流程监控: process models and versions, instances with live diagram, data, history, incidents; cancel,
retry and migration to a newer version."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app import workflow
from app.auth.permissions import can, require
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.inputs import enum_arg
from app.pagination import keyset_page
from app.workflow import gateway, migration, subjects, views
from app.workflow.access import INBOX, MANAGE, MONITOR
from app.workflow.models import InstanceStatus, MessageLog, ProcessInstance, ProcessModel, TaskStatus, WorkflowTask

bp = Blueprint("workflow", __name__, url_prefix="/workflow")
LIVE = (InstanceStatus.RUNNING, InstanceStatus.WAITING)
MIGRATION_PAGE_SIZE = 200


@bp.get("/models")
@require(MONITOR)
def models() -> Any:
    rows = db.session.scalars(select(ProcessModel).order_by(ProcessModel.key, ProcessModel.version.desc())).all()
    live = dict(db.session.execute(
        select(ProcessInstance.model_id, func.count()).where(ProcessInstance.status.in_(
            (InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.ERROR)))
        .group_by(ProcessInstance.model_id)).all())
    return render_template("workflow/models.html", rows=rows, live=live)


@bp.get("/models/<int:model_id>.bpmn")
@require(MONITOR)
def model_xml(model_id: int) -> Any:
    model = db.session.get(ProcessModel, model_id)
    if model is None:
        raise NotFound("流程版本不存在")
    response = Response(model.bpmn_xml, mimetype="application/xml")
    response.headers["Content-Disposition"] = f"attachment; filename={model.key}-v{model.version}.bpmn"
    return response


@bp.get("/monitor")
@require(MONITOR)
def monitor() -> Any:
    stmt = select(ProcessInstance)
    args = request.args
    if key := args.get("key", ""):
        stmt = stmt.where(ProcessInstance.process_key == key)
    if version := args.get("version", ""):
        stmt = stmt.join(ProcessModel).where(ProcessModel.version == (int(version) if version.isdigit() else -1))
    if status := enum_arg("status", InstanceStatus):
        stmt = stmt.where(ProcessInstance.status == status)
    if q := args.get("q", "").strip():
        stmt = stmt.where(ProcessInstance.business_key.contains(q, autoescape=True)
                          | ProcessInstance.title.contains(q, autoescape=True))
    page = keyset_page(stmt, (ProcessInstance.id.desc(),), 30, walk_index="rowid")
    keys = db.session.scalars(select(ProcessModel.key).distinct().order_by(ProcessModel.key)).all()
    status_counts = dict(db.session.execute(select(ProcessInstance.status, func.count())
                                            .group_by(ProcessInstance.status)).all())
    unmatched = db.session.scalar(select(func.count()).select_from(MessageLog).where(MessageLog.matched.is_(False)))
    return render_template("workflow/monitor.html", page=page, keys=keys, statuses=list(InstanceStatus),
                           status_counts=status_counts, unmatched=unmatched,
                           subjects=subjects.for_keys(db.session, [i.business_key for i in page.items]))


def _instance_for_view(instance_id: int) -> ProcessInstance:
    """Monitors see every instance; others only instances with a task they may see."""
    instance = gateway.live_instance(db.session, instance_id)
    if can(MONITOR):
        return instance
    for task in db.session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == instance.id)):
        try:
            workflow.get_task(db.session, task.id, current_user)
            return instance
        except NotFound:
            continue
    raise NotFound("流程实例不存在或您无权查看")


@bp.get("/instances/<int:instance_id>/diagram.json")
@require(INBOX, MONITOR)
def instance_diagram(instance_id: int) -> Any:
    return jsonify(views.diagram_payload(_instance_for_view(instance_id)))


@bp.get("/instances/<int:instance_id>")
@require(MONITOR)
def instance(instance_id: int) -> Any:
    item = gateway.live_instance(db.session, instance_id)
    tasks = db.session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == item.id)
                               .order_by(WorkflowTask.id)).all()
    data = json.dumps(views.instance_data(item), ensure_ascii=False, indent=2, default=str)
    newer = db.session.scalars(select(ProcessModel).where(ProcessModel.key == item.process_key,
                                                          ProcessModel.version > item.model.version)
                               .order_by(ProcessModel.version.desc())).all()
    checks = ([(target, migration.check(item, target)) for target in newer] if item.status in migration.MOVABLE
              else [])
    return render_template("workflow/instance.html", instance=item, tasks=tasks, data=data, newer=newer,
                           history=views.history(db.session, item.id),
                           diagram_url=views.diagram_url(item), open_status=TaskStatus.OPEN,
                           checks=checks, subject=subjects.for_user(db.session, item.business_key))


@bp.post("/instances/<int:instance_id>/cancel")
@require(MANAGE)
def cancel(instance_id: int) -> Any:
    workflow.cancel(db.session, gateway.live_instance(db.session, instance_id), request.form.get("reason", ""),
                    current_user)
    db.session.commit()
    flash("流程已取消", "success")
    return redirect(url_for("workflow.instance", instance_id=instance_id))


@bp.post("/instances/<int:instance_id>/retry")
@require(MANAGE)
def retry(instance_id: int) -> Any:
    item = gateway.live_instance(db.session, instance_id)
    workflow.retry(db.session, item, current_user)
    db.session.commit()
    if item.status == InstanceStatus.ERROR:
        flash(f"重试仍然失败：{item.error_message}", "danger")
    else:
        flash("已重试，流程继续运行", "success")
    return redirect(url_for("workflow.instance", instance_id=instance_id))


@bp.post("/instances/<int:instance_id>/migrate")
@require(MANAGE)
def migrate(instance_id: int) -> Any:
    item = gateway.live_instance(db.session, instance_id)
    try:
        target_id = int(request.form.get("model_id", ""))
    except ValueError as exc:
        raise ValidationFailed("请选择目标版本") from exc
    target = db.session.get(ProcessModel, target_id)
    if target is None:
        raise NotFound("目标版本不存在")
    migration.migrate(db.session, item, target, current_user)
    db.session.commit()
    flash(f"已迁移到第 {target.version} 版", "success")
    return redirect(url_for("workflow.instance", instance_id=instance_id))


@bp.get("/models/<int:model_id>/migration")
@require(MANAGE)
def migration_plan(model_id: int) -> Any:
    """Waiting instances on earlier versions of this model's process, each with whether it can move here."""
    target = db.session.get(ProcessModel, model_id)
    if target is None:
        raise NotFound("流程版本不存在")
    candidates = db.session.scalars(
        select(ProcessInstance).join(ProcessModel, ProcessInstance.model_id == ProcessModel.id)
        .where(ProcessInstance.process_key == target.key, ProcessInstance.status.in_(LIVE),
               ProcessModel.version < target.version)
        .order_by(ProcessInstance.id).limit(MIGRATION_PAGE_SIZE)).all()
    rows = [(instance, migration.check(instance, target)) for instance in candidates]
    return render_template("workflow/migration.html", target=target, rows=rows, limit=MIGRATION_PAGE_SIZE)


@bp.post("/models/<int:model_id>/migration")
@require(MANAGE)
def migrate_many(model_id: int) -> Any:
    """Move the chosen instances to this version; unsafe ones are skipped with their reasons."""
    target = db.session.get(ProcessModel, model_id)
    if target is None:
        raise NotFound("流程版本不存在")
    ids = [int(v) for v in request.form.getlist("instance_id") if v.isdigit()]
    if not ids:
        raise ValidationFailed("请选择要迁移的实例")
    moved, refused = 0, []
    for instance_id in ids[:MIGRATION_PAGE_SIZE]:
        item = gateway.live_instance(db.session, instance_id)
        result = migration.check(item, target)
        if not result.safe:
            refused.append(f"#{item.id}：{'；'.join(result.reasons)}")
            continue
        migration.migrate(db.session, item, target, current_user)
        moved += 1
    db.session.commit()
    if moved:
        flash(f"已将 {moved} 个实例迁移到第 {target.version} 版", "success")
    if refused:
        flash("以下实例未迁移：" + "  ".join(refused), "warning")
    return redirect(url_for("workflow.migration_plan", model_id=model_id))
