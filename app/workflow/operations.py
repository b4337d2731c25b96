"""Named domain operations that BPMN service tasks may call — the only code a diagram can reach.

A domain registers an operation with typed parameters::

    @operation("notice.notify_role", "通知角色", {
        "role": Param("接收角色", "role", required=True),
        "title": Param("通知标题", "text", required=True),
    })

The function receives an :class:`OperationContext` (session, instance, acting user, task data, the service
task) and the evaluated parameters, and returns a JSON-able result stored in the task's result variable.
A parameter's kind (``app.workflow.operation_params``) says which entry the properties panel shows and which
literal values deployment accepts; deployment refuses an unknown operation, a missing required parameter and a
literal outside a parameter's choices. A plain ``{"name": "description"}`` still declares expression parameters.

An operation may refuse the step by raising a domain error (``ValidationFailed``, ``Forbidden``) with a Chinese
message: the gateway call that ran the engine (a task completion, a message, a start) raises that error and the
caller rolls back, so the user sees why and nothing moved — e.g. 募集成功 refused while the LP quota is not met,
or a customer outside the acting user's data scope. :class:`OperationFailed` (and any other exception) is a
failure of the design or the data: the instance becomes an incident with the message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from app.errors import Forbidden


class OperationFailed(Exception):
    """The operation cannot run with this design or data (no customer, nobody to notify): an incident."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Param:
    """One typed parameter: Chinese label, kind (``operation_params.KINDS``), required, description, and the
    options of a ``choice`` as (value, label) pairs."""

    label: str
    kind: str = "expression"
    required: bool = False
    description: str = ""
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class OperationContext:
    session: Any
    instance: Any
    actor: Any  # the user whose action ran the engine step; None when a timer or a system message ran it
    data: Mapping[str, Any]
    element_id: str = ""
    element_name: str = ""


@dataclass(frozen=True)
class OperationSpec:
    name: str
    label: str
    func: Callable[..., Any]
    params: dict[str, Param] = field(default_factory=dict)


REGISTRY: dict[str, OperationSpec] = {}


def operation(name: str, label: str, params: Mapping[str, Param | str] | None = None
              ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a function as a service-task operation under ``name``."""
    typed = {key: value if isinstance(value, Param) else Param(key, "expression", description=value)
             for key, value in (params or {}).items()}

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        REGISTRY[name] = OperationSpec(name, label, func, typed)
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


def call(name: str, params: dict[str, Any], data: Mapping[str, Any], element_id: str = "",
         element_name: str = "") -> Any:
    """Run a registered operation inside the running workflow's context; a parameter left empty in the diagram
    (evaluated to None) takes the operation's default."""
    spec = REGISTRY.get(name)
    if spec is None:
        raise KeyError(f"未注册的服务操作：{name}")
    ctx = running_context()
    context = OperationContext(ctx["session"], ctx["instance"], ctx["actor"], data, element_id, element_name)
    return spec.func(context, **{key: value for key, value in params.items() if value is not None})


# --- what the designer-safe operations share ---------------------------------------------------------


def acting_user(ctx: OperationContext) -> Any:
    """The user the operation acts as: who ran the step, or the instance's owner (then its starter) when a timer,
    a message or a monitor's retry, repair or migration ran it (``runtime.run(administrative=True)``)."""
    from app.auth.models import User

    if ctx.actor is not None:
        return ctx.actor
    for user_id in (ctx.instance.owner_id, ctx.instance.started_by_id):
        if user_id is not None and (user := ctx.session.get(User, user_id)) is not None:
            return user
    raise OperationFailed("流程没有负责人（发起人），无法确定以谁的身份执行服务操作")


def user_of(ctx: OperationContext, value: Any, what: str) -> Any:
    """The active user a parameter names: a user id, or a username (as a task's ``assignee`` may)."""
    from sqlalchemy import select

    from app.auth.models import User, UserStatus

    user = None
    if isinstance(value, int) and not isinstance(value, bool):
        user = ctx.session.get(User, value)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        user = (ctx.session.get(User, int(text)) if text.isdigit()
                else ctx.session.scalar(select(User).where(User.username == text)))
    if user is None:
        raise OperationFailed(f"{what}“{value}”不是系统中的用户（应为用户 id 或用户名）")
    if user.status != UserStatus.ACTIVE:
        raise OperationFailed(f"{what}{user.name}已离职")
    return user


def check_instance_scope(ctx: OperationContext, user: Any, what: str) -> None:
    """Refuse when the instance's business object lies outside the user's data scope."""
    from app.org import scope as data_scope

    scope = data_scope.scope_of(ctx.session, user)
    if not data_scope.covers(ctx.session, scope, ctx.instance.org_id, ctx.instance.owner_id):
        raise Forbidden(f"{what}被拒绝：本流程的业务对象不在{user.name}的数据范围内")


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fill(text: Any, data: Mapping[str, Any]) -> str:
    """Replace ``{variable}`` in a designer's text with the process variable's value (unknown names stay)."""
    return _PLACEHOLDER.sub(lambda m: str(data[m.group(1)]) if m.group(1) in data else m.group(0), str(text or ""))


def record(ctx: OperationContext, user: Any, action_label: str, summary: str, obj: Any = None, *,
           object_type: str = "", object_id: str | int = "") -> None:
    """Audit the operation (append-only log, as ``user``) and note it in the instance's history."""
    from app.audit import services as audit
    from app.workflow import store

    with audit.acting_as(audit.Actor(user.id, user.name, audit.current_actor().ip)):
        audit.record(ctx.session, "workflow.operation", obj, summary=f"{action_label}：{summary}"[:500],
                     object_type=object_type or ("" if obj is not None else "process_instance"),
                     object_id=object_id if object_id != "" or obj is not None else ctx.instance.id)
    store.add_event(ctx.session, ctx.instance.id, "operation", user.id, user.name, element_id=ctx.element_id[:100],
                    task_name=(ctx.element_name or action_label)[:200], comment=summary[:1000])


@contextmanager
def audited_as(user: Any) -> Iterator[None]:
    """Attribute the automatic row-change audit of the block to ``user`` (a timer has no logged-in user)."""
    from app.audit import services as audit

    with audit.acting_as(audit.Actor(user.id, user.name, audit.current_actor().ip)):
        yield


@operation("system.echo", "回显参数（用于测试与示例）", {"value": Param("任意值", "expression")})
def _echo(ctx: OperationContext, value: Any = None) -> Any:
    return {"value": value}
