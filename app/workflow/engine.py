"""Running workflows on SpiffWorkflow 3.2.0: the small set of engine calls the gateway uses (steps, human
tasks, timers, messages, migration), on top of specs.py (parsing), serialization.py (stored state) and
scripting.py (the sandboxed script engine).

Nothing outside ``app.workflow`` imports SpiffWorkflow.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from app.errors import DomainError
from app.workflow import sandbox, scripting
from app.workflow.errors import EngineError
from app.workflow.scripting import SCRIPT_ENGINE
from app.workflow.serialization import SERIALIZER
from app.workflow.specs import ParsedModel

# SpiffWorkflow's task iterator stops at depth 1000 and the workflow then silently reports completion.
# Refuse to go on well before that: a back-edge loop (return → resubmit) grows the tree ~2-3 levels a round.
MAX_TASK_DEPTH = 900
# Engine work one request or job may do (see _Budget): far above any real diagram's automatic steps.
MAX_ENGINE_TASKS = 2000
MAX_CALL_DEPTH = 20
MAX_ENGINE_SECONDS = 5.0


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


class _Budget:
    """Bounds the engine work of one call: tasks run, call-activity nesting and wall-clock time.

    A diagram can make SpiffWorkflow loop without end (a call activity calling its own process creates
    a sub-workflow per step, each slower than the last); on SQLite the request would hold the write lock
    all along. The library calls ``ran`` after each engine task; refusing there turns a runaway diagram
    into an incident within a bounded time.
    """

    def __init__(self) -> None:
        self.tasks = 0
        self.deadline = time.monotonic() + MAX_ENGINE_SECONDS
        self.current: Task | None = None

    def starting(self, task: Task) -> None:
        self.current = task

    def ran(self, task: Task) -> None:
        self.tasks += 1
        if getattr(task.workflow, "depth", 0) > MAX_CALL_DEPTH:
            raise EngineError(f"调用活动嵌套超过 {MAX_CALL_DEPTH} 层（流程可能在调用自身），已停止执行；请修改流程设计",
                              _element(task))
        if self.tasks > MAX_ENGINE_TASKS:
            raise EngineError(f"一次操作中流程自动执行的步骤超过 {MAX_ENGINE_TASKS} 个，已停止执行；"
                              "请检查流程中是否有无人工环节的循环", _element(task))
        if time.monotonic() > self.deadline:
            raise EngineError(f"流程自动执行超过 {MAX_ENGINE_SECONDS:g} 秒，已停止执行；请检查流程设计",
                              _element(task))


@contextmanager
def library_errors(task: Task | None = None, budget: _Budget | None = None) -> Iterator[None]:
    """Turn whatever the library raises into an EngineError with a Chinese message, never an HTTP 500.

    A ``DomainError`` is an operation refusing the step (the caller rolls back and shows it) and passes.
    """
    try:
        yield
    except (EngineError, DomainError):
        raise
    except sandbox.SandboxError as exc:
        raise EngineError(str(exc), _element(_failed(exc, task, budget))) from exc
    except SpiffWorkflowException as exc:
        raise EngineError(_spiff_message(exc), _element(_failed(exc, task, budget))) from exc
    except RecursionError as exc:
        raise EngineError("流程嵌套或递归过深，引擎已停止执行；请检查调用活动或子流程是否调用了自身",
                          _element(_failed(exc, task, budget))) from exc
    except Exception as exc:  # noqa: BLE001  (a library bug on some input must become an incident, not a 500)
        failed = _failed(exc, task, budget)
        name = f"“{failed.task_spec.bpmn_name or _element(failed)}”" if failed is not None else "此步骤"
        if failed is not None and isinstance(failed.task_spec, MultiInstanceTask):
            text = f"多实例环节{name}的输入无效：次数（loopCardinality）须为整数，集合须为列表或字典"
        else:
            text = f"流程引擎无法执行{name}"
        raise EngineError(f"{text}（{type(exc).__name__}：{exc}）", _element(failed)) from exc


def _failed(exc: BaseException, task: Task | None, budget: _Budget | None) -> Task | None:
    """The task that failed: the one the library names, else the innermost task the library was working on
    when it raised (found in the traceback, only on failure), else the engine task running or the one handled."""
    named = getattr(exc, "task", None)
    if isinstance(named, Task):
        return named
    innermost = None
    trace = exc.__traceback__
    while trace is not None:
        candidate = trace.tb_frame.f_locals.get("my_task")
        if isinstance(candidate, Task):
            innermost = candidate
        trace = trace.tb_next
    if innermost is not None:
        return innermost
    if budget is not None and budget.current is not None:
        return budget.current
    return task


def step(workflow: BpmnWorkflow) -> None:
    """Run engine tasks until only human tasks, timers and messages remain; refuse runaway loops."""
    budget = _Budget()
    with library_errors(budget=budget), sandbox.within(budget.deadline):
        workflow.do_engine_steps(budget.starting, budget.ran)
        # A timer that fired during the steps can make more engine tasks ready.
        workflow.do_engine_steps(budget.starting, budget.ran)
    for task in _all_tasks(workflow):
        if task.has_state(TaskState.READY | TaskState.WAITING) and task.depth > MAX_TASK_DEPTH:
            raise EngineError(
                f"流程在“{task.task_spec.bpmn_name or _element(task)}”处循环次数过多（任务树深度 {task.depth}），"
                "为避免流程引擎静默结束已停止；请改用新实例或修改流程设计", _element(task))


# The library's notes on a failed DMN rule (SpiffWorkflow/dmn/engine/DMNEngine.py), in Chinese.
_DMN_NOTES = ((re.compile(r"(?:Failed to execute DMN Rule|Rule failed) on row (\d+)"), r"决策表第 \1 行规则无法执行"),
              (re.compile(r"Business Rule Task '(.*)'\.?"), r"业务规则任务“\1”"))


def _note(note: str) -> str:
    for pattern, chinese in _DMN_NOTES:
        if match := pattern.fullmatch(note.strip()):
            return match.expand(chinese)
    return note


def _spiff_message(exc: Exception) -> str:
    for cause in (getattr(exc, "exception", None), exc.__cause__, exc.__context__):
        if isinstance(cause, sandbox.SandboxError | EngineError):
            return str(cause)
        if isinstance(cause, SyntaxError):  # a DMN cell the sandbox refuses, or that is no expression at all
            where = "；".join(_note(str(n)) for n in getattr(exc, "notes", None) or [])
            detail = cause.msg if re.search(r"[\u4e00-\u9fff]", cause.msg or "") else "不是有效的表达式"
            return f"表达式不能通过安全检查：{detail}" + (f"（{where}）" if where else "")
    text = str(exc)
    swapped = getattr(exc, "task_spec", None)
    if isinstance(swapped, str):
        # Some library checks raise WorkflowException(spec, message), the arguments the wrong way round: the
        # text would be the spec's repr ("<…SubWorkflowTask object at 0x…>").
        text = swapped
    notes = getattr(exc, "notes", None) or getattr(exc, "__notes__", None)
    if notes:
        text += "；" + "；".join(_note(str(n)) for n in notes)
    return f"流程执行出错：{text}"


def run_task(workflow: BpmnWorkflow, task: Task, data: dict[str, Any]) -> None:
    """Complete a READY human task with form data, then run the engine."""
    task.set_data(**data)
    with library_errors(task):
        task.run()
    step(workflow)


def task_guid(task: Task) -> str:
    return str(task.id)


def ready_human_tasks(workflow: BpmnWorkflow) -> list[Task]:
    return [t for t in _all_tasks(workflow) if t.has_state(TaskState.READY) and t.task_spec.manual]


def task_data(workflow: BpmnWorkflow, guid: str) -> dict[str, Any]:
    """Data of one task by id ({} if it no longer exists)."""
    task = workflow.get_task_from_id(UUID(guid))
    return dict(task.data) if task is not None else {}


def error_tasks(workflow: BpmnWorkflow) -> list[Task]:
    return list(workflow.get_tasks(state=TaskState.ERROR))


def failed_tasks(workflow: BpmnWorkflow) -> list[Task]:
    """The tasks an incident stopped at: those the library marked ERROR (a script, a condition, a service call),
    and those stuck FUTURE below a finished parent — a task whose own update raised (a timer expression that
    cannot be evaluated) is left FUTURE, and nothing would ever update it again."""
    stuck = [t for t in _all_tasks(workflow) if t.has_state(TaskState.FUTURE) and t.parent is not None
             and t.parent.has_state(TaskState.COMPLETED)]
    return [*error_tasks(workflow), *stuck]


def retry_errors(workflow: BpmnWorkflow) -> None:
    """Put failed tasks back so the next step runs them again (after a fix or a transient failure): the reset
    gives each the data of the task before it, as it had when it was first reached."""
    with library_errors():
        for task in failed_tasks(workflow):
            if task.id in task.workflow.tasks:  # an earlier reset may have dropped it
                task.workflow.top_workflow.reset_from_task_id(task.id)


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
    """Return when the earliest waiting timer is due (UTC), if any: duration, date and cycle timers, on their
    own or as a branch of an event-based gateway."""
    due: list[datetime] = []
    for task in workflow.event_manager.tasks.values():
        definition = task.task_spec.event_definition
        branches = definition.event_definitions if isinstance(definition, MultipleEventDefinition) else [definition]
        if any(isinstance(branch, TimerEventDefinition) for branch in branches):
            moment = _timer_due(task._get_internal_data("event_value"))
            if moment is not None:
                due.append(moment)
    return min(due) if due else None


def _timer_due(value: Any) -> datetime | None:
    """A waiting timer's stored value as a UTC time: an ISO time (duration and date timers, read the way the
    library reads it, so a time without zone is the server's local time), or a cycle's next run."""
    if isinstance(value, dict):
        if value.get("cycles") == 0:
            return None  # every repetition has run
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        moment = TimerEventDefinition.parse_time_or_duration(value)
    except (ValueError, AttributeError, TypeError):
        return None
    return moment if isinstance(moment, datetime) else None


def fire_timers(workflow: BpmnWorkflow) -> None:
    """Let due timers fire (the library has no clock of its own) and run what follows."""
    with library_errors():
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
    """READY human tasks and the messages the workflow waits for, in one pass over the tasks.

    A wait is (name, correlation), the correlation computed from the waiting task's data. Convention: a
    correlation property's retrieval expression names a payload field, and the waiting instance holds a
    variable of the same name (e.g. ``project_id``). A message-started event sub-process waits as long as
    the instance runs, correlated with the data of the newest active task.
    """
    ready: list[Task] = []
    waits: list[tuple[str, str]] = []
    newest: Task | None = None
    for task in _all_tasks(workflow):
        if not task.has_state(TaskState.READY | TaskState.WAITING):
            continue
        if newest is None or task.depth > newest.depth:
            newest = task
        if task.has_state(TaskState.READY):
            if task.task_spec.manual:
                ready.append(task)
            continue
        for definition in _message_definitions(task):
            waits.append((definition.name, _correlation_value(definition.correlation_properties, task.data)))
    if newest is not None and workflow.task_tree.has_state(TaskState.COMPLETED):  # only once the process runs
        for definition in _triggering_messages(workflow):
            waits.append((definition.name, _correlation_value(definition.correlation_properties, newest.data)))
    return ready, waits


def _triggering_messages(workflow: BpmnWorkflow) -> list[MessageEventDefinition]:
    """Message definitions that start an event sub-process of the top process (the library keeps no waiting
    task for them: it creates the sub-process when the message arrives)."""
    found = []
    for name in getattr(workflow.spec.start, "trigger_specs", ()):
        sub_spec = workflow.subprocess_specs.get(name)
        for start in getattr(sub_spec, "bpmn_start_events", ()):
            if isinstance(start.event_definition, MessageEventDefinition):
                found.append(start.event_definition)
    return found


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
    waiting = [d for task in workflow.get_tasks(state=TaskState.WAITING) for d in _message_definitions(task)]
    definition = next((d for d in [*waiting, *_triggering_messages(workflow)] if d.name == name), None)
    if definition is None:
        raise EngineError(f"该流程没有在等待消息 {name}")
    event = BpmnEvent(definition, payload=payload)
    with library_errors():
        try:
            workflow.send_event(event)
        except sandbox.SandboxError as exc:
            raise EngineError(f"消息 {name} 的关联值无法计算：{exc}") from exc
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


def check_migration(workflow: BpmnWorkflow, target: ParsedModel, *, failed: bool = False) -> MigrationCheck:
    """Ask SpiffWorkflow's diff whether a waiting workflow can move to another version of its spec.

    With ``failed`` (an instance in 异常) the failed steps may stay: each must still exist in the new version
    under the same id, so that a retry runs the new version's definition of it.
    """
    from SpiffWorkflow.bpmn.util.diff import diff_workflow

    reasons: list[str] = []
    stopped = failed_tasks(workflow)
    if stopped and not failed:
        reasons.append("流程存在执行失败的步骤，请先处理异常")
    diff, sub_diffs = diff_workflow(SERIALIZER.registry, workflow, target.spec, target.subprocess_specs)
    for task in stopped if failed else ():
        spec = target.spec if task.workflow is workflow else target.subprocess_specs.get(task.workflow.spec.name)
        if spec is None or task.task_spec.name not in spec.task_specs:
            reasons.append(f"新版本没有出错的环节“{task.task_spec.bpmn_name or _element(task)}”，重试无从执行")
    for task in diff.removed:
        if task.has_state(TaskState.FINISHED_MASK | TaskState.READY | TaskState.WAITING | TaskState.STARTED):
            name = task.task_spec.bpmn_name or task.task_spec.bpmn_id or task.task_spec.name
            reasons.append(f"新版本删除了实例已经过或正停留的环节“{name}”")
    for sub_id, sub_diff in sub_diffs.items():
        if sub_diff is None:
            reasons.append(f"新版本缺少实例正在使用的子流程（{sub_id}）")
    return MigrationCheck(not reasons, sorted(set(reasons)), diff, sub_diffs)


def migrate(workflow: BpmnWorkflow, target: ParsedModel, check: MigrationCheck, *, run: bool = True) -> None:
    """Move a workflow onto the target spec (only after a safe :func:`check_migration`); without ``run`` nothing
    runs afterwards (an instance in 异常 waits for its retry)."""
    from SpiffWorkflow.bpmn.util.diff import migrate_workflow

    migrate_workflow(check.diff, workflow, target.spec)
    for sub_id, sub_diff in (check.sub_diffs or {}).items():
        sub = workflow.subprocesses[sub_id]
        migrate_workflow(sub_diff, sub, target.subprocess_specs[sub.spec.name])
    workflow.subprocess_specs = target.subprocess_specs
    if run:
        step(workflow)
