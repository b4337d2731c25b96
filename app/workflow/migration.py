"""Explicit, checked migration of a waiting instance to another version of its process model.

Deploying never touches running instances. The monitor offers a move to a newer version only where
SpiffWorkflow's diff says no element the instance has passed or waits in was removed; otherwise it
explains why.
"""

from __future__ import annotations

from app.auth.models import User
from app.database import DbSession
from app.errors import Conflict
from app.workflow import engine, runtime
from app.workflow.models import InstanceStatus, ProcessInstance, ProcessModel


def check(instance: ProcessInstance, target: ProcessModel) -> engine.MigrationCheck:
    """Tell whether the instance can move to ``target`` and, if not, why (Chinese reasons)."""
    reasons = []
    if target.key != instance.process_key:
        reasons.append("目标版本属于另一个流程")
    if target.id == instance.model_id:
        reasons.append("实例已经在该版本上")
    if instance.status not in (InstanceStatus.RUNNING, InstanceStatus.WAITING):
        reasons.append("只有运行中或等待中的实例可以迁移")
    if reasons:
        return engine.MigrationCheck(False, reasons)
    return engine.check_migration(runtime.load_workflow(instance), runtime.parsed_model(target))


def migrate(session: DbSession, instance: ProcessInstance, target: ProcessModel, actor: User | None) -> None:
    """Move the instance to ``target`` or raise Conflict with the reasons it is unsafe."""
    result = check(instance, target)
    if not result.safe:
        raise Conflict("不能迁移：" + "；".join(result.reasons))
    workflow = runtime.load_workflow(instance)
    fresh = engine.check_migration(workflow, runtime.parsed_model(target))
    from_version = instance.model.version
    instance.model_id = target.id
    instance.model = target
    runtime.record_event(session, instance, "migrate", actor, comment=f"第 {from_version} 版 → 第 {target.version} 版")
    target_spec = runtime.parsed_model(target)
    runtime.run(session, instance, workflow, actor, lambda: engine.migrate(workflow, target_spec, fresh),
                full_sync=True)
    runtime.refresh_task_rows(session, instance)
