"""SpiffWorkflow's script engine, replaced: every expression and script goes through the sandbox, and
service tasks call the operations registry with the running instance's context."""

from __future__ import annotations

import json
from collections import ChainMap
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task

from app.errors import DomainError
from app.workflow import operations, sandbox
from app.workflow.errors import EngineError


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Routes every evaluation and script through ``app.workflow.sandbox`` (service calls: the engine below)."""

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Mapping[str, Any] | None = None
                 ) -> Any:
        names = ChainMap(dict(external_context or {}), context)
        return sandbox.evaluate(expression, names)

    def execute(self, script: str, context: dict[str, Any], external_context: Mapping[str, Any] | None = None
                ) -> bool:
        sandbox.execute(script, context, external_context)
        return True


class SandboxScriptEngine(PythonScriptEngine):
    def __init__(self) -> None:
        super().__init__(environment=SandboxEnvironment())

    def validate(self, expression: str) -> None:
        sandbox.parse_expression(expression)

    def evaluate(self, task: Task, expression: str, external_context: Mapping[str, Any] | None = None) -> Any:
        # A service parameter left empty in the diagram is "not given": the operation's default applies.
        if isinstance(task.task_spec, ServiceTask) and not (expression or "").strip():
            return None
        return super().evaluate(task, expression, external_context)

    def call_service(self, task: Task, **kwargs: Any) -> str:
        # SpiffWorkflow's own error path here refers to an undefined name; report failures ourselves.
        spec = task.task_spec
        params = {name: p["value"] for name, p in (kwargs.get("operation_params") or {}).items()}
        try:
            result = operations.call(kwargs["operation_name"], params, task.data, spec.bpmn_id or "",
                                     spec.bpmn_name or "")
            return json.dumps(result, default=json_default)
        except (SpiffWorkflowException, DomainError):
            raise  # a DomainError is the operation refusing the step: the gateway call fails as a whole
        except operations.OperationFailed as exc:
            label = operations.REGISTRY[kwargs["operation_name"]].label
            raise EngineError(f"服务操作“{label}”无法执行：{exc.message}", spec.bpmn_id or "") from exc
        except Exception as exc:
            raise EngineError(f"服务调用 {kwargs.get('operation_name')} 失败：{exc}",
                              task.task_spec.bpmn_id or "") from exc


SCRIPT_ENGINE = SandboxScriptEngine()


def json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")



