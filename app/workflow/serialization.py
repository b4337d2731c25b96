"""Storing workflow state: the spec-free JSON format with Decimal/date/datetime converters."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SPIFF_SERIALIZER_VERSION
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from app.workflow.scripting import SCRIPT_ENGINE
from app.workflow.specs import ParsedModel

SERIALIZER_VERSION = f"spiff-3.2.0/{SPIFF_SERIALIZER_VERSION}/spec-free-1"

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
