"""Named domain operations that BPMN service tasks may call — the only code a diagram can reach.

A domain registers ``@operation("trade.set_status", "设置交易状态", params={"status": "状态"})``.
The function receives an :class:`OperationContext` (session, instance, actor, task data) and the
evaluated parameters, and returns a JSON-able result stored in the task's result variable.
Deployment refuses a diagram naming an unknown operation.

An operation may refuse the step by raising a domain error (``ValidationFailed``, ``Conflict``) with a
Chinese message: the gateway call that ran the engine (a task completion, a message, a start) raises
that error and the caller rolls back, so the user sees why and nothing moved — e.g. 募集成功 refused
while the LP quota is not met. Any other exception is a failure: the instance becomes an incident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class OperationContext:
    session: Any
    instance: Any
    actor: Any
    data: Mapping[str, Any]


@dataclass(frozen=True)
class OperationSpec:
    name: str
    label: str
    func: Callable[..., Any]
    params: dict[str, str] = field(default_factory=dict)  # parameter name → Chinese description


REGISTRY: dict[str, OperationSpec] = {}


def operation(name: str, label: str, params: dict[str, str] | None = None) -> Callable[[Callable[..., Any]],
                                                                                       Callable[..., Any]]:
    """Register a function as a service-task operation under ``name``."""

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        REGISTRY[name] = OperationSpec(name, label, func, dict(params or {}))
        return func

    return decorator


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


def call(name: str, params: dict[str, Any], data: Mapping[str, Any]) -> Any:
    """Run a registered operation inside the running workflow's context."""
    spec = REGISTRY.get(name)
    if spec is None:
        raise KeyError(f"未注册的服务操作：{name}")
    ctx = running_context()
    return spec.func(OperationContext(ctx["session"], ctx["instance"], ctx["actor"], data), **params)


@operation("system.echo", "回显参数（用于测试与示例）", {"value": "任意值"})
def _echo(ctx: OperationContext, value: Any = None) -> Any:
    return {"value": value}
