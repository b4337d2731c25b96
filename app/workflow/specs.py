"""Parsing diagrams into executable specs (safe XML, BPMN schema validation) and the per-process spec cache."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from app.workflow import camunda, dmn
from app.workflow.errors import DiagramError
from app.workflow.validation import library
from app.workflow.xmlsafe import parse_xml

SPEC_CACHE_SIZE = 128

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
    camunda.translate(root)  # what cannot be translated is reported by deploy.check_diagram
    parser = SpiffBpmnParser(validator=BpmnValidator(), dmn_schemas=dmn.LIBRARY_SCHEMAS)
    for index, table in enumerate(dmn_xmls or []):
        dmn.add_dmn(parser, parse_xml(table, "DMN"), f"rules-{index}.dmn")
    try:
        parser.add_bpmn_xml(root, filename=filename)
        executable = parser.get_process_ids()
        if not executable:
            raise DiagramError("图中没有可执行的流程（isExecutable=true）")
        key = process_key or _main_process_id(root, executable)
        if key not in executable:
            raise DiagramError(f"图中没有 id 为 {key} 的可执行流程")
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except DiagramError:
        raise
    except ValidationException as exc:
        found = library.problem_from(exc, root, "BPMN")
        raise DiagramError(found.message, found.element_id, found.element_name) from exc
    except RecursionError as exc:
        raise DiagramError("流程图嵌套或串联过深，无法解析：请减少层级，或把一段流程拆成调用活动") from exc
    except Exception as exc:  # the library's parser fails with anything (TypeError, KeyError, …); none may reach a 500
        raise DiagramError(f"流程图无法解析（{type(exc).__name__}：{library.shorten(str(exc))}）") from exc
    for process_spec in (spec, *subprocess_specs.values()):
        link_runtime_connections(process_spec)
    name = spec.description or key
    return ParsedModel(key, name, spec, subprocess_specs, root)


def link_runtime_connections(process_spec: Any) -> None:
    """Make on the freshly parsed spec the links SpiffWorkflow only makes while running a workflow.

    The library connects a loop's or multi-instance's child to its parent (``merge_child``) when it creates
    the first child, and a message- or signal-triggered event sub-process to the process start and end when
    the event arrives — on the spec object, not in the workflow state. A workflow restored in another worker
    or after a restart runs against a spec parsed afresh that lacks them: finished children never reach
    their parent, and a triggered event sub-process fails with "No input task connected". (The library's
    own serializer stores the spec and reconnects loop children when it restores one, so it has neither
    problem.) Made once at parse time, the links hold in every worker. The trigger link is made so that the
    library never changes the shared spec: its own change would make every later instance of the cached
    spec wait for that sub-process and never complete.
    """
    task_specs = process_spec.task_specs
    for task_spec in list(task_specs.values()):
        if isinstance(task_spec, LoopTask):
            child = task_specs[task_spec.task_spec]
            if not child.completed_event.is_connected(task_spec.merge_child):
                child.completed_event.connect(task_spec.merge_child)
    start = process_spec.start
    for name in getattr(start, "trigger_specs", ()):
        triggered = task_specs[name]
        if start not in triggered.inputs:
            # Only the inbound half of start → sub-process: as an output of the start it would be predicted in
            # every new workflow and the end join would wait for it forever. With the start among its inputs,
            # ``trigger_wf`` finds it connected and leaves the shared spec alone.
            triggered._connect_notify(start)
            triggered.connect(process_spec.end)


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
