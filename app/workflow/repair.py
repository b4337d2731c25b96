"""实例修复 (Camunda-style instance modification) for the monitor: edit the process variables an element will
read, move the token back to an element already passed, or skip the element an instance stopped at — each with a
reason, in the history and the audit log, saved under the instance's optimistic lock.

Where a change is written: a step's data is its own copy (SpiffWorkflow copies the data of the task before it
when a task is reached). A failed step is reset by 重试 from the data of the task before it, so a change for a
failed step is written there as well as on the step itself. The workflow's own ``data`` is only filled when the
process ends (and holds data objects); no step reads process variables from it.

Moving forward to an arbitrary element ("start before" a later element) is not offered: SpiffWorkflow 3.2.0 has
no call for it, and building tasks by hand bypasses the spec's prediction (joins wait for branches that never
come, boundary events and sub-process parents lose their links). Back-moves use the library's own reset; a
forward step is done by skipping (completing without running) the element the token stands at.
"""

from __future__ import annotations

import json
import keyword
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import (
    BoundaryEvent,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    ReceiveTask,
    SendTask,
)
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.none_task import NoneTask
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptEngineTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from app.audit import services as audit
from app.auth.models import User
from app.database import DbSession
from app.errors import Conflict, ValidationFailed
from app.workflow import engine, runtime, token_moves
from app.workflow.errors import EngineError
from app.workflow.models import InstanceStatus, ProcessInstance
from rules.labelled_enum import LabelledStrEnum

REPAIRABLE = (InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.ERROR)
MAX_VALUE_CHARS = 10_000
STALE = "流程实例已被他人修改（办理、重试或其他监控人员的修复），请刷新页面后重新操作"
# Steps that may be completed without running them; gateways (which branch?), joins, sub-processes, loops and
# boundary events may not.
_SKIPPABLE = (UserTask, ManualTask, NoneTask, ScriptEngineTask, BusinessRuleTaskMixin, IntermediateCatchEvent,
              ReceiveTask, IntermediateThrowEvent, SendTask)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,99}")


class VariableType(LabelledStrEnum):
    TEXT = "text", "文本"
    INTEGER = "integer", "整数"
    DECIMAL = "decimal", "金额(Decimal)"
    DATE = "date", "日期"
    BOOLEAN = "boolean", "是否"
    JSON = "json", "JSON"


@dataclass(frozen=True)
class Variable:
    name: str
    type: VariableType
    text: str  # the value as the edit screen shows it and expects it back


@dataclass(frozen=True)
class Position:
    """A step the token stands at: failed, waiting for a person, or waiting for an event."""

    guid: str
    element_id: str
    name: str
    state: str  # Chinese
    failed: bool
    skippable: bool


@dataclass(frozen=True)
class Target:
    guid: str
    element_id: str
    name: str


# --- typed values ----------------------------------------------------------------------------------


def type_of(value: Any) -> VariableType:
    """The edit screen's type for a stored value (floats, lists, dicts, None: JSON)."""
    if isinstance(value, bool):
        return VariableType.BOOLEAN
    if isinstance(value, int):
        return VariableType.INTEGER
    if isinstance(value, Decimal):
        return VariableType.DECIMAL
    if isinstance(value, date):  # a datetime too: shown and entered as ISO text of the date type's family
        return VariableType.DATE if type(value) is date else VariableType.TEXT
    if isinstance(value, str):
        return VariableType.TEXT
    return VariableType.JSON


def as_text(value: Any) -> str:
    """A value as the edit screen shows it."""
    kind = type_of(value)
    if kind == VariableType.BOOLEAN:
        return "是" if value else "否"
    if kind == VariableType.JSON:
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def parse(name: str, kind: str, text: str) -> Any:
    """Parse an entered value of a type; ValidationFailed in Chinese when it is not one."""
    try:
        kind = VariableType(kind)
    except ValueError as exc:
        raise ValidationFailed(f"变量“{name}”的类型无效") from exc
    if len(text) > MAX_VALUE_CHARS:
        raise ValidationFailed(f"变量“{name}”的值过长（最多 {MAX_VALUE_CHARS} 个字符）")
    if kind == VariableType.TEXT:
        return text
    raw = text.strip()
    if kind == VariableType.INTEGER:
        if not re.fullmatch(r"[+-]?\d{1,18}", raw):
            raise ValidationFailed(f"变量“{name}”须为整数，例如 42（填写的是“{raw}”）")
        return int(raw)
    if kind == VariableType.DECIMAL:
        try:
            amount = Decimal(raw.replace(",", ""))
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or not re.fullmatch(r"[+-]?\d{1,15}(\.\d{1,6})?",
                                                                         raw.replace(",", "")):
            raise ValidationFailed(f"变量“{name}”须为金额，例如 1234.56（填写的是“{raw}”）")
        return amount
    if kind == VariableType.DATE:
        try:
            return date.fromisoformat(raw) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw) else _bad_date(name, raw)
        except ValueError:
            return _bad_date(name, raw)
    if kind == VariableType.BOOLEAN:
        if raw in ("是", "true", "True", "1"):
            return True
        if raw in ("否", "false", "False", "0"):
            return False
        raise ValidationFailed(f"变量“{name}”须为“是”或“否”")
    try:
        return json.loads(raw, parse_float=Decimal)
    except ValueError as exc:
        raise ValidationFailed(f"变量“{name}”不是有效的 JSON（第 {getattr(exc, 'colno', 1)} 个字符附近有误）") from exc


def _bad_date(name: str, raw: str) -> Any:
    raise ValidationFailed(f"变量“{name}”须为日期，格式如 2026-06-17（填写的是“{raw}”）")


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.fullmatch(name) or keyword.iskeyword(name):
        raise ValidationFailed(f"变量名“{name}”无效：须以字母开头，只含字母、数字和下划线")
    return name


# --- where the token is ----------------------------------------------------------------------------


def _name(task: Task) -> str:
    return str(task.task_spec.bpmn_name or task.task_spec.bpmn_id or task.task_spec.name)


def _positions(workflow: Any) -> list[tuple[Task, Position]]:
    failed = {t.id for t in engine.failed_tasks(workflow)}
    found = []
    for task in workflow.get_tasks():
        if not task.task_spec.bpmn_id:
            continue
        if task.id in failed:
            state = "出错"
        elif task.has_state(TaskState.READY):
            state = "待办理" if task.task_spec.manual else "待执行"  # 待执行: an engine step an incident stopped
        elif task.has_state(TaskState.WAITING) and not isinstance(task.task_spec, BoundaryEvent):
            state = "等待中"
        else:
            continue
        skippable = isinstance(task.task_spec, _SKIPPABLE) and not isinstance(task.task_spec, LoopTask | BoundaryEvent)
        found.append((task, Position(str(task.id), task.task_spec.bpmn_id, _name(task), state, task.id in failed,
                                     skippable)))
    return found


def positions(instance: ProcessInstance) -> list[Position]:
    """The steps the instance stands at, failed ones first."""
    return sorted((p for _t, p in _positions(runtime.load_workflow(instance))), key=lambda p: not p.failed)


def _targets(workflow: Any, at: list[Task]) -> list[tuple[Task, Target]]:
    """Elements already passed on the way to the current steps, in the top-level process, newest pass of each."""
    newest: dict[str, Task] = {}
    for current in at:
        if current.workflow is not workflow:
            continue  # inside a sub-process: its parent task is what could be reset
        ancestor = current.parent
        while ancestor is not None:
            spec = ancestor.task_spec
            if (spec.bpmn_id and ancestor.has_state(TaskState.COMPLETED) and not isinstance(spec, BoundaryEvent)
                    and (spec.bpmn_id not in newest or ancestor.depth > newest[spec.bpmn_id].depth)):
                newest[spec.bpmn_id] = ancestor
            ancestor = ancestor.parent
    ordered = sorted(newest.values(), key=lambda t: t.depth)
    return [(t, Target(str(t.id), t.task_spec.bpmn_id, _name(t))) for t in ordered]


def targets(instance: ProcessInstance) -> list[Target]:
    """Where the token may be moved back to (by element name, in the order they were passed)."""
    workflow = runtime.load_workflow(instance)
    return [t for _task, t in _targets(workflow, [task for task, _p in _positions(workflow)])]


def variables(instance: ProcessInstance, guid: str) -> tuple[Position, list[Variable]]:
    """The variables a current step holds, with their types, sorted by name."""
    workflow = runtime.load_workflow(instance)
    task, position = _position(workflow, guid)
    return position, [Variable(k, type_of(v), as_text(v)) for k, v in sorted(task.data.items())]


def _position(workflow: Any, guid: str) -> tuple[Task, Position]:
    for task, position in _positions(workflow):
        if position.guid == guid:
            return task, position
    raise Conflict("该环节已不是实例的当前环节（流程已向前运行或已被他人修复），请刷新页面")


# --- changes ---------------------------------------------------------------------------------------


def _prepare(instance: ProcessInstance, version: int | None, reason: str) -> str:
    if instance.status not in REPAIRABLE:
        raise Conflict("流程已结束，不能修改")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("请填写修改原因（将记入流程历史和审计日志）")
    if version is not None and version != instance.version_id:
        raise Conflict(STALE)
    return reason[:500]


def _plain(value: Any) -> Any:
    return None if value is None else as_text(value)


def edit_variables(session: DbSession, instance: ProcessInstance, actor: User, *, guid: str, version: int | None,
                   changes: dict[str, Any], deleted: list[str], reason: str) -> list[dict[str, Any]]:
    """Set and delete variables of a current step; returns the changes as {name, old, new} (text)."""
    reason = _prepare(instance, version, reason)
    workflow = runtime.load_workflow(instance)
    task, position = _position(workflow, guid)
    applied = []
    for name in deleted:
        if name in task.data:
            applied.append({"name": name, "old": _plain(task.data[name]), "new": None})
    for name, value in changes.items():
        old = task.data.get(name)
        if name not in task.data or type(old) is not type(value) or old != value:
            applied.append({"name": name, "old": _plain(old) if name in task.data else None, "new": _plain(value)})
    if not applied:
        raise ValidationFailed("没有需要保存的修改")
    holders = [task]
    if position.failed and task.parent is not None:
        holders.append(task.parent)  # 重试 resets the failed step from the data of the task before it
    for holder in holders:
        for name in deleted:
            holder.data.pop(name, None)
        holder.data.update(changes)
    runtime.record_event(session, instance, "variables", actor, element_id=position.element_id[:100],
                         task_name=position.name, comment=reason, data={"changes": applied})
    audit.record(session, "workflow.instance.variables", object_type="process_instance", object_id=instance.id,
                 summary=f"修改流程变量（{position.name}）：{reason}",
                 before={c["name"]: c["old"] for c in applied}, after={c["name"]: c["new"] for c in applied})
    _save(session, instance, workflow, actor)
    return applied


def _save(session: DbSession, instance: ProcessInstance, workflow: Any, actor: User) -> None:
    """Store a change that ran nothing: an instance in 异常 stays there until 重试."""
    if instance.status == InstanceStatus.ERROR:
        runtime.save(session, instance, workflow, EngineError(instance.error_message or "流程异常"))
    else:
        runtime.run(session, instance, workflow, actor, lambda: None, full_sync=True, administrative=True)


def move_back(session: DbSession, instance: ProcessInstance, actor: User, *, target_guid: str, version: int | None,
              reason: str) -> Target:
    """Cancel the current step(s) after an element already passed and run again from that element."""
    reason = _prepare(instance, version, reason)
    workflow = runtime.load_workflow(instance)
    at = [task for task, _p in _positions(workflow)]
    found = next(((t, target) for t, target in _targets(workflow, at) if target.guid == target_guid), None)
    if found is None:
        raise ValidationFailed("请选择实例已经过的环节作为目标")
    task, target = found
    _still_failing(workflow, lambda failed: failed.is_descendant_of(task))
    runtime.record_event(session, instance, "move", actor, element_id=target.element_id[:100], task_name=target.name,
                         comment=reason, data={"from": sorted({_name(t) for t in at}), "to": target.name})
    audit.record(session, "workflow.instance.move", object_type="process_instance", object_id=instance.id,
                 summary=f"退回到“{target.name}”：{reason}", before={"at": sorted({_name(t) for t in at})},
                 after={"at": [target.name]})
    _run(session, instance, workflow, actor, lambda: token_moves.reset_to(workflow, task))
    return target


def skip(session: DbSession, instance: ProcessInstance, actor: User, *, guid: str, version: int | None,
         data: dict[str, Any], reason: str) -> Position:
    """Complete a current step without running it (with ``data`` set on it) and go on from there."""
    reason = _prepare(instance, version, reason)
    workflow = runtime.load_workflow(instance)
    task, position = _position(workflow, guid)
    if not position.skippable:
        raise Conflict(f"“{position.name}”不能跳过（网关、子流程、多实例和边界事件须修改变量后重试、退回或迁移版本）")
    _still_failing(workflow, lambda failed: failed.id == task.id)
    runtime.record_event(session, instance, "skip", actor, element_id=position.element_id[:100],
                         task_name=position.name, comment=reason, data={"data": runtime.plain(data)})
    audit.record(session, "workflow.instance.skip", object_type="process_instance", object_id=instance.id,
                 summary=f"跳过“{position.name}”：{reason}", after={"data": runtime.plain(data)})
    _run(session, instance, workflow, actor, lambda: token_moves.skip(workflow, task, data))
    return position


def _still_failing(workflow: Any, resolved: Any) -> None:
    """Refuse a move that would leave another failed step behind (the instance would look healthy and not be)."""
    others = [t for t in engine.failed_tasks(workflow) if not resolved(t)]
    if others:
        raise Conflict("实例还有其他出错的环节（" + "、".join(sorted({_name(t) for t in others})) + "），请先处理")


def _run(session: DbSession, instance: ProcessInstance, workflow: Any, actor: User, action: Any) -> None:
    instance.status = InstanceStatus.RUNNING  # the failure is gone with the step; a new one is recorded as usual
    runtime.run(session, instance, workflow, actor, action, full_sync=True, administrative=True)
