"""Running workflows on SpiffWorkflow 3.2.0: the small set of engine calls the gateway uses (steps, human
tasks, timers, messages, migration), on top of specs.py (parsing), serialization.py (stored state) and
scripting.py (the sandboxed script engine).

Nothing outside ``app.workflow`` imports SpiffWorkflow.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions import MultipleEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from app.workflow import sandbox, scripting
from app.workflow.errors import EngineError
from app.workflow.scripting import SCRIPT_ENGINE
from app.workflow.serialization import SERIALIZER
from app.workflow.specs import ParsedModel

# SpiffWorkflow's task iterator stops at depth 1000 and the workflow then silently reports completion.
# Refuse to go on well before that: a back-edge loop (return → resubmit) grows the tree ~2-3 levels a round.
MAX_TASK_DEPTH = 900


# --- running ---------------------------------------------------------------------------------------

def new_workflow(parsed: ParsedModel, start_data: dict[str, Any]) -> BpmnWorkflow:
    """Create a workflow with ``start_data`` on its start task (where SpiffWorkflow reads it from)."""
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SCRIPT_ENGINE)
    start = workflow.get_tasks(state=TaskState.READY)
    if start:
        start[0].set_data(**start_data)
    return workflow


def _element(task: Task | None) -> str:
    return (task.task_spec.bpmn_id or task.task_spec.name) if task is not None else ""


def step(workflow: BpmnWorkflow) -> None:
    """Run engine tasks until only human tasks, timers and messages remain; refuse runaway loops."""
    try:
        workflow.do_engine_steps()
        # A timer that fired during the steps can make more engine tasks ready.
        workflow.do_engine_steps()
    except EngineError:
        raise
    except sandbox.SandboxError as exc:
        raise EngineError(str(exc)) from exc
    except WorkflowException as exc:
        task = getattr(exc, "task", None)
        raise EngineError(_spiff_message(exc), _element(task)) from exc
    except SpiffWorkflowException as exc:
        raise EngineError(_spiff_message(exc)) from exc
    for task in _all_tasks(workflow):
        if task.has_state(TaskState.READY | TaskState.WAITING) and task.depth > MAX_TASK_DEPTH:
            raise EngineError(
                f"流程在“{task.task_spec.bpmn_name or _element(task)}”处循环次数过多（任务树深度 {task.depth}），"
                "为避免流程引擎静默结束已停止；请改用新实例或修改流程设计", _element(task))


def _spiff_message(exc: Exception) -> str:
    for cause in (getattr(exc, "exception", None), exc.__cause__, exc.__context__):
        if isinstance(cause, sandbox.SandboxError | EngineError):
            return str(cause)
    text = str(exc)
    notes = getattr(exc, "notes", None) or getattr(exc, "__notes__", None)
    if notes:
        text += "；" + "；".join(str(n) for n in notes)
    return f"流程执行出错：{text}"


def run_task(workflow: BpmnWorkflow, task: Task, data: dict[str, Any]) -> None:
    """Complete a READY human task with form data, then run the engine."""
    task.set_data(**data)
    try:
        task.run()
    except sandbox.SandboxError as exc:
        raise EngineError(str(exc), _element(task)) from exc
    except SpiffWorkflowException as exc:
        raise EngineError(_spiff_message(exc), _element(task)) from exc
    step(workflow)


def task_guid(task: Task) -> str:
    return str(task.id)


def ready_human_tasks(workflow: BpmnWorkflow) -> list[Task]:
    return [t for t in _all_tasks(workflow) if t.has_state(TaskState.READY) and t.task_spec.manual]


def find_ready_task(workflow: BpmnWorkflow, guid: str) -> Task | None:
    for task in ready_human_tasks(workflow):
        if str(task.id) == guid:
            return task
    return None


def task_data(workflow: BpmnWorkflow, guid: str) -> dict[str, Any]:
    """Data of one task by id ({} if it no longer exists)."""
    task = workflow.get_task_from_id(UUID(guid))
    return dict(task.data) if task is not None else {}


def error_tasks(workflow: BpmnWorkflow) -> list[Task]:
    return list(workflow.get_tasks(state=TaskState.ERROR))


def retry_errors(workflow: BpmnWorkflow) -> None:
    """Put failed tasks back to READY so the next step runs them again (after a fix or a transient failure)."""
    for task in error_tasks(workflow):
        workflow.reset_from_task_id(task.id)


def is_completed(workflow: BpmnWorkflow) -> bool:
    return bool(workflow.is_completed())


def task_properties(task: Task) -> dict[str, str]:
    return dict((task.task_spec.extensions or {}).get("properties", {}))


def task_info(task: Task) -> dict[str, Any]:
    """What the task projection needs from a READY human task."""
    spec = task.task_spec
    return {
        "guid": str(task.id),
        "element_id": _element(task),
        "name": spec.bpmn_name or _element(task),
        "lane": spec.lane or "",
        "properties": task_properties(task),
        "data": task.data,
    }


def next_timer_at(workflow: BpmnWorkflow) -> datetime | None:
    """Return when the earliest waiting timer is due (UTC), if any."""
    due: list[datetime] = []
    for event in workflow.waiting_events():
        if "Timer" not in event.event_type:
            continue
        value = event.value
        if isinstance(value, dict):
            value = value.get("next") or value.get("start")
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                continue
            due.append(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return min(due) if due else None


def fire_timers(workflow: BpmnWorkflow) -> None:
    """Let due timers fire (the library has no clock of its own) and run what follows."""
    workflow.refresh_timers()
    step(workflow)


def _correlation_value(props: list[Any], data: Mapping[str, Any]) -> str:
    values: dict[str, Any] = {}
    for prop in props:
        try:
            values[prop.name] = sandbox.evaluate(prop.retrieval_expression, data)
        except (sandbox.SandboxError, SyntaxError):
            values[prop.name] = None
    return canonical_correlation(values)


def canonical_correlation(values: Mapping[str, Any]) -> str:
    """One string per correlation, so "project_id=7" from a sender and a waiter match in an index."""
    return json.dumps({k: values[k] for k in sorted(values)}, default=scripting.json_default, ensure_ascii=False)


def _all_tasks(workflow: BpmnWorkflow) -> Iterator[Task]:
    # Plain dictionaries of the workflow and its subprocesses: much cheaper than the library's tree iterator,
    # and not cut off at depth 1000 (step() guards the depth itself).
    yield from workflow.tasks.values()
    for subprocess in workflow.subprocesses.values():
        yield from subprocess.tasks.values()


def active_state(workflow: BpmnWorkflow) -> tuple[list[Task], list[tuple[str, str]]]:
    """READY human tasks and message waits in one pass over the tasks (see :func:`message_waits`)."""
    ready: list[Task] = []
    waits: list[tuple[str, str]] = []
    for task in _all_tasks(workflow):
        if not task.has_state(TaskState.READY | TaskState.WAITING):
            continue
        if task.has_state(TaskState.READY):
            if task.task_spec.manual:
                ready.append(task)
            continue
        for definition in _message_definitions(task):
            waits.append((definition.name, _correlation_value(definition.correlation_properties, task.data)))
    return ready, waits


def message_waits(workflow: BpmnWorkflow) -> list[tuple[str, str]]:
    """Messages the workflow waits for: (name, correlation) with correlation computed from the waiting task's data.

    Convention: a correlation property's retrieval expression names a payload field, and the waiting
    instance holds a variable of the same name (e.g. ``project_id``).
    """
    waits = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        for definition in _message_definitions(task):
            waits.append((definition.name, _correlation_value(definition.correlation_properties, task.data)))
    return waits


def _message_definitions(task: Task) -> list[MessageEventDefinition]:
    """The message definitions a waiting task catches: its own, or each branch of an event-based gateway
    (SpiffWorkflow moves the branches' definitions onto the gateway, which waits while its branches do not)."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MessageEventDefinition):
        return [definition]
    if isinstance(definition, MultipleEventDefinition):
        return [d for d in definition.event_definitions if isinstance(d, MessageEventDefinition)]
    return []


@dataclass(frozen=True)
class OutgoingMessage:
    name: str
    correlation: str
    payload: dict[str, Any]


def outgoing_messages(workflow: BpmnWorkflow) -> list[OutgoingMessage]:
    """Take the messages thrown during the last steps (``get_events`` returns and clears them)."""
    messages = []
    for event in workflow.get_events():
        definition = event.event_definition
        if not isinstance(definition, MessageEventDefinition):
            continue
        payload = event.payload if isinstance(event.payload, dict) else {"value": event.payload}
        messages.append(OutgoingMessage(definition.name, _correlation_value(definition.correlation_properties,
                                                                            payload), payload))
    return messages


def deliver(workflow: BpmnWorkflow, name: str, payload: dict[str, Any]) -> None:
    """Deliver a message to a waiting workflow and run what follows."""
    event = None
    for task in workflow.get_tasks(state=TaskState.WAITING):
        for definition in _message_definitions(task):
            if definition.name == name:
                event = BpmnEvent(definition, payload=payload)
                break
        if event is not None:
            break
    else:
        raise EngineError(f"该流程没有在等待消息 {name}")
    try:
        workflow.send_event(event)
    except sandbox.SandboxError as exc:
        raise EngineError(f"消息 {name} 的关联值无法计算：{exc}") from exc
    except (WorkflowException, SpiffWorkflowException) as exc:
        raise EngineError(_spiff_message(exc)) from exc
    step(workflow)


def active_element_ids(workflow: BpmnWorkflow) -> tuple[list[str], list[str]]:
    """Return (completed, current) BPMN element ids, for highlighting the diagram."""
    done: list[str] = []
    current: list[str] = []
    for task in workflow.get_tasks():
        element = task.task_spec.bpmn_id
        if not element:
            continue
        if task.has_state(TaskState.COMPLETED):
            done.append(element)
        elif task.has_state(TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR):
            current.append(element)
    return sorted(set(done) - set(current)), sorted(set(current))


def cancel(workflow: BpmnWorkflow) -> None:
    workflow.cancel()


def current_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The data an instance carries now: the newest active task's data, else the last task's, else workflow data."""
    active = workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.ERROR)
    if active:
        return dict(max(active, key=lambda t: t.depth).data)
    if workflow.last_task is not None:
        return dict(workflow.last_task.data)
    return dict(workflow.data)


@dataclass(frozen=True)
class MigrationCheck:
    safe: bool
    reasons: list[str]
    diff: Any = None
    sub_diffs: Any = None


def check_migration(workflow: BpmnWorkflow, target: ParsedModel) -> MigrationCheck:
    """Ask SpiffWorkflow's diff whether a waiting workflow can move to another version of its spec."""
    from SpiffWorkflow.bpmn.util.diff import diff_workflow

    reasons: list[str] = []
    if error_tasks(workflow):
        reasons.append("流程存在执行失败的步骤，请先处理异常")
    diff, sub_diffs = diff_workflow(SERIALIZER.registry, workflow, target.spec, target.subprocess_specs)
    for task in diff.removed:
        if task.has_state(TaskState.FINISHED_MASK | TaskState.READY | TaskState.WAITING | TaskState.STARTED):
            name = task.task_spec.bpmn_name or task.task_spec.bpmn_id or task.task_spec.name
            reasons.append(f"新版本删除了实例已经过或正停留的环节“{name}”")
    for sub_id, sub_diff in sub_diffs.items():
        if sub_diff is None:
            reasons.append(f"新版本缺少实例正在使用的子流程（{sub_id}）")
    return MigrationCheck(not reasons, sorted(set(reasons)), diff, sub_diffs)


def migrate(workflow: BpmnWorkflow, target: ParsedModel, check: MigrationCheck) -> None:
    """Move a workflow onto the target spec (only after a safe :func:`check_migration`)."""
    from SpiffWorkflow.bpmn.util.diff import migrate_workflow

    migrate_workflow(check.diff, workflow, target.spec)
    for sub_id, sub_diff in (check.sub_diffs or {}).items():
        sub = workflow.subprocesses[sub_id]
        migrate_workflow(sub_diff, sub, target.subprocess_specs[sub.spec.name])
    workflow.subprocess_specs = target.subprocess_specs
    step(workflow)
