"""The SpiffWorkflow 3.2.0 glue: parsing (safe XML, spec cache), sandboxed script engine, spec-free
serialization with Decimal/date converters, and the small set of engine calls the gateway uses.

Nothing outside ``app.workflow`` imports SpiffWorkflow.
"""

from __future__ import annotations

import json
import threading
from collections import ChainMap, OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SPIFF_SERIALIZER_VERSION
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions import MultipleEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from app.errors import DomainError
from app.workflow import operations, sandbox
from app.workflow.xmlsafe import parse_xml

SERIALIZER_VERSION = f"spiff-3.2.0/{SPIFF_SERIALIZER_VERSION}/spec-free-1"
# SpiffWorkflow's task iterator stops at depth 1000 and the workflow then silently reports completion.
# Refuse to go on well before that: a back-edge loop (return → resubmit) grows the tree ~2-3 levels a round.
MAX_TASK_DEPTH = 900
SPEC_CACHE_SIZE = 128


class EngineError(Exception):
    """The engine could not run a step; ``message`` is Chinese and names the element when known."""

    def __init__(self, message: str, element_id: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.element_id = element_id


class DiagramError(EngineError):
    """A diagram cannot be parsed into an executable process."""


# --- script engine ---------------------------------------------------------------------------------


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Routes every evaluation and script through ``app.workflow.sandbox`` and service calls to the registry."""

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Mapping[str, Any] | None = None
                 ) -> Any:
        names = ChainMap(dict(external_context or {}), context)
        return sandbox.evaluate(expression, names)

    def execute(self, script: str, context: dict[str, Any], external_context: Mapping[str, Any] | None = None
                ) -> bool:
        sandbox.execute(script, context, external_context)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> str:
        params = {name: spec["value"] for name, spec in (kwargs.get("operation_params") or {}).items()}
        result = operations.call(kwargs["operation_name"], params, context)
        return json.dumps(result, default=_json_default)


class SandboxScriptEngine(PythonScriptEngine):
    def __init__(self) -> None:
        super().__init__(environment=SandboxEnvironment())

    def validate(self, expression: str) -> None:
        sandbox.parse_expression(expression)

    def call_service(self, task: Task, **kwargs: Any) -> str:
        # SpiffWorkflow's own error path here refers to an undefined name; report failures ourselves.
        try:
            return str(self.environment.call_service(task.data, **kwargs))
        except (SpiffWorkflowException, DomainError):
            raise  # a DomainError is the operation refusing the step: the gateway call fails as a whole
        except Exception as exc:
            raise EngineError(f"服务调用 {kwargs.get('operation_name')} 失败：{exc}",
                              task.task_spec.bpmn_id or "") from exc


SCRIPT_ENGINE = SandboxScriptEngine()


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# --- parsing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedModel:
    process_key: str
    name: str
    spec: Any
    subprocess_specs: dict[str, Any]
    bpmn_root: etree._Element


def parse_model(bpmn_xml: str | bytes, dmn_xmls: list[str] | None = None, process_key: str | None = None,
                filename: str = "diagram.bpmn") -> ParsedModel:
    """Parse BPMN (+ DMN) into an executable spec; raise DiagramError naming the element on failure."""
    root = parse_xml(bpmn_xml, "BPMN")
    parser = SpiffBpmnParser(validator=BpmnValidator())
    try:
        for index, dmn in enumerate(dmn_xmls or []):
            parser.add_dmn_xml(parse_xml(dmn, "DMN"), filename=f"rules-{index}.dmn")
        parser.add_bpmn_xml(root, filename=filename)
        executable = parser.get_process_ids()
        if not executable:
            raise DiagramError("图中没有可执行的流程（isExecutable=true）")
        key = process_key or _main_process_id(root, executable)
        if key not in executable:
            raise DiagramError(f"图中没有 id 为 {key} 的可执行流程")
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except ValidationException as exc:
        raise DiagramError(f"流程图无效：{exc}", getattr(exc, "id", "") or "") from exc
    except SpiffWorkflowException as exc:
        raise DiagramError(f"流程图无效：{exc}") from exc
    name = spec.description or key
    return ParsedModel(key, name, spec, subprocess_specs, root)


def _main_process_id(root: etree._Element, executable: list[str]) -> str:
    # With several processes in one file (e.g. a message sender and receiver), the first one is the main one.
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    for node in root.iterfind("bpmn:process", ns):
        if node.get("id") in executable and node.get("isExecutable", "true") == "true":
            return str(node.get("id"))
    return executable[0]


class _SpecCache:
    """Parsed specs by content hash and process key: a version never changes, and parsing is the slow part."""

    def __init__(self) -> None:
        self.items: OrderedDict[tuple[str, str], ParsedModel] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, sha256: str, process_key: str, source: Callable[[], tuple[str, list[str]]]) -> ParsedModel:
        """Return the parsed spec; ``source()`` supplies (BPMN, DMNs) only on a cache miss."""
        key = (sha256, process_key)
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        bpmn_xml, dmn_xmls = source()
        parsed = parse_model(bpmn_xml, dmn_xmls, process_key)
        with self.lock:
            self.items[key] = parsed
            while len(self.items) > SPEC_CACHE_SIZE:
                self.items.popitem(last=False)
        return parsed


SPECS = _SpecCache()


# --- serialization ---------------------------------------------------------------------------------


class _SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    """Serialize the workflow state without its spec; the spec comes from the process-model version."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _registry() -> Any:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _SpecFreeWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]), "Decimal")
    registry.register(datetime, lambda v: {"value": v.isoformat()}, lambda d: datetime.fromisoformat(d["value"]),
                      "datetime")
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda d: date.fromisoformat(d["value"]), "date")
    return registry


SERIALIZER = BpmnWorkflowSerializer(_registry())


def dump(workflow: BpmnWorkflow) -> str:
    """Serialize a workflow's state (tasks, data, events) to JSON, without the spec."""
    registry = SERIALIZER.registry
    registry._encoder_mode = True
    try:
        return json.dumps(registry.convert(workflow), cls=SERIALIZER._encoder_cls, separators=(",", ":"))
    finally:
        registry._encoder_mode = False


def load(serialized: str, parsed: ParsedModel) -> BpmnWorkflow:
    """Restore a workflow from :func:`dump` output and its (cached) spec."""
    workflow = SERIALIZER.registry.restore(json.loads(serialized), spec=parsed.spec,
                                           subprocess_specs=parsed.subprocess_specs)
    workflow.script_engine = SCRIPT_ENGINE
    return workflow


# --- running ---------------------------------------------------------------------------------------

_running_context: ContextVar[dict[str, Any] | None] = ContextVar("workflow_running_context", default=None)


@contextmanager
def running(context: dict[str, Any]) -> Iterator[None]:
    """Make ``context`` (session, instance, actor) available to service operations during engine steps."""
    token = _running_context.set(context)
    try:
        yield
    finally:
        _running_context.reset(token)


def running_context() -> dict[str, Any]:
    context = _running_context.get()
    if context is None:
        raise RuntimeError("no workflow is running")
    return context


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
    return json.dumps({k: values[k] for k in sorted(values)}, default=_json_default, ensure_ascii=False)


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
