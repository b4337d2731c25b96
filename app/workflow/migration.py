"""Explicit, checked migration of a waiting instance to another version of its process model.

Deploying never touches running instances. The monitor offers a move to a newer version only where
SpiffWorkflow's diff says no element the instance has passed or waits in was removed; otherwise it
explains why. An instance in 异常 may move too when the new version still has the failed element (same
id): it stays in 异常, and the retry then runs the new version's definition of that element (a fixed
condition or timer expression).
"""

from __future__ import annotations

from app.auth.models import User
from app.database import DbSession
from app.errors import Conflict
from app.workflow import engine, runtime
from app.workflow.errors import EngineError
from app.workflow.models import InstanceStatus, ProcessInstance, ProcessModel

MOVABLE = (InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.ERROR)


def check(instance: ProcessInstance, target: ProcessModel) -> engine.MigrationCheck:
    """Tell whether the instance can move to ``target`` and, if not, why (Chinese reasons)."""
    reasons = []
    if target.key != instance.process_key:
        reasons.append("目标版本属于另一个流程")
    if target.id == instance.model_id:
        reasons.append("实例已经在该版本上")
    if instance.status not in MOVABLE:
        reasons.append("只有运行中、等待中或异常的实例可以迁移")
    if reasons:
        return engine.MigrationCheck(False, reasons)
    return engine.check_migration(runtime.load_workflow(instance), runtime.parsed_model(target),
                                  failed=instance.status == InstanceStatus.ERROR)


def migrate(session: DbSession, instance: ProcessInstance, target: ProcessModel, actor: User | None) -> None:
    """Move the instance to ``target`` or raise Conflict with the reasons it is unsafe."""
    result = check(instance, target)
    if not result.safe:
        raise Conflict("不能迁移：" + "；".join(result.reasons))
    failed = instance.status == InstanceStatus.ERROR
    workflow = runtime.load_workflow(instance)
    target_spec = runtime.parsed_model(target)
    fresh = engine.check_migration(workflow, target_spec, failed=failed)
    from_version = instance.model.version
    instance.model_id = target.id
    instance.model = target
    runtime.record_event(session, instance, "migrate", actor, comment=f"第 {from_version} 版 → 第 {target.version} 版")
    if failed:
        # Nothing runs: the incident stays until 重试 runs the failed element as the new version defines it.
        engine.migrate(workflow, target_spec, fresh, run=False)
        runtime.save(session, instance, workflow, EngineError(instance.error_message or "流程异常"))
    else:
        runtime.run(session, instance, workflow, actor, lambda: engine.migrate(workflow, target_spec, fresh),
                    full_sync=True, administrative=True)
    runtime.refresh_task_rows(session, instance)
