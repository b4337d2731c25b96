"""Sandboxed evaluation of BPMN conditions, timer expressions, DMN cells and scripts: two layers.

1. The restricted language (``app.workflow.confined.language``): an allow-list expression interpreter and
   RestrictedPython for scripts, checked here in the engine's process before anything runs (and at deploy).
2. Hard limits: every evaluation runs in a sandbox worker process (``app.workflow.sandbox_pool``) with an
   address-space limit (RLIMIT_AS, ``SANDBOX_MEMORY_MB``), a CPU-time backstop (RLIMIT_CPU) and a wall-clock
   kill (``SANDBOX_TIME_LIMIT_SECONDS``), because one long built-in call (``pow(7, 60000000)``,
   ``int(Decimal('1e3000000'))``, ``'%01500000000d' % 1``) never returns to any check written in Python.
Only the names an expression or script uses travel to the worker, as JSON (``app.workflow.confined.wire``).
Why a process pool rather than a stricter allow-list: docs/security.md.
"""

from __future__ import annotations

import ast
import time
import types
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from flask import current_app, has_app_context

from app import clock
from app.workflow import sandbox_pool
from app.workflow.confined import wire
from app.workflow.confined.language import (
    BLOCKED_ATTRIBUTES,
    MAX_EXPONENT,
    MAX_EXPRESSION_LENGTH,
    MAX_SEQUENCE,
    SAFE_FUNCTIONS,
    SandboxError,
    compile_script,
    parse_expression,
)
from app.workflow.sandbox_pool import Limits, PoolBusy, WorkerLost

__all__ = ["BLOCKED_ATTRIBUTES", "MAX_EXPONENT", "MAX_EXPRESSION_LENGTH", "MAX_SEQUENCE", "SAFE_FUNCTIONS",
           "SandboxError", "SandboxLimitExceeded", "SandboxTimeout", "compile_script", "evaluate", "execute",
           "limits", "parse_expression", "within"]

TIME_LIMIT_SECONDS = 2.0
MEMORY_MB = 256
PROCESSES = 2
STEP_BUDGET_SPENT = "流程本次自动执行的时间已用完，脚本和条件已停止；请检查流程设计"


class SandboxLimitExceeded(SandboxError):
    """A script or expression was stopped by a hard limit (time, memory, size of its result)."""


class SandboxTimeout(SandboxLimitExceeded):
    pass


# The end of the current engine step's budget (engine.MAX_ENGINE_SECONDS): many evaluations each under the
# per-call limit (a DMN table of 100 slow rules) must not add up to more than one step may take.
_step_deadline: ContextVar[float | None] = ContextVar("sandbox_step_deadline", default=None)


@contextmanager
def within(deadline: float) -> Iterator[None]:
    """Cut every evaluation short at ``deadline`` (``time.monotonic()``), whatever its own limit."""
    token = _step_deadline.set(deadline)
    try:
        yield
    finally:
        _step_deadline.reset(token)


def limits() -> Limits:
    """The limits configured for this app (``SANDBOX_*``), or the defaults outside an app context."""
    config: Mapping[str, Any] = current_app.config if has_app_context() else {}
    return Limits(float(config.get("SANDBOX_TIME_LIMIT_SECONDS", TIME_LIMIT_SECONDS)),
                  int(config.get("SANDBOX_MEMORY_MB", MEMORY_MB)), int(config.get("SANDBOX_PROCESSES", PROCESSES)))


@lru_cache(maxsize=2048)
def _expression_names(expression: str) -> frozenset[str]:
    return frozenset(node.id for node in ast.walk(parse_expression(expression)) if isinstance(node, ast.Name))


@lru_cache(maxsize=512)
def _script_names(script: str) -> frozenset[str]:
    """Every global name the compiled script (and the functions and comprehensions in it) loads or stores."""
    names: set[str] = set()
    pending = [compile_script(script)]
    while pending:
        code = pending.pop()
        names.update(code.co_names)
        pending.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return frozenset(names)


def _encoded(values: Mapping[str, Any], wanted: frozenset[str]) -> dict[str, Any]:
    try:
        return {name: wire.encode(values[name]) for name in wanted if name in values}
    except wire.WireError as exc:
        raise SandboxError(str(exc)) from exc


def _call(what: str, request: dict[str, Any]) -> dict[str, Any]:
    """Send one request to a worker under the configured limits; a refusal or a limit is a SandboxError."""
    current = limits()
    seconds = current.seconds
    deadline = _step_deadline.get()
    if deadline is not None and deadline - time.monotonic() < seconds:
        seconds = deadline - time.monotonic()
        if seconds <= 0:
            raise SandboxTimeout(STEP_BUDGET_SPENT)
    now = clock.now()
    request.update(now=now.isoformat(), today=clock.today().isoformat(), seconds=seconds)
    try:
        reply = sandbox_pool.pool(current).call(request, seconds)
    except PoolBusy as exc:
        raise SandboxError("沙箱执行进程全忙，请稍后重试") from exc
    except WorkerLost as lost:
        if lost.reason == "time" and seconds < current.seconds:
            raise SandboxTimeout(STEP_BUDGET_SPENT) from lost
        raise _limit_error(what, lost.reason, current, lost.detail) from lost
    if reply.get("ok"):
        return reply
    if "limit" in reply:
        raise _limit_error(what, str(reply["limit"]), current)
    raise SandboxError(str(reply.get("error") or f"{what}执行失败"))


def _limit_error(what: str, reason: str, current: Limits, detail: str = "") -> SandboxError:
    if reason == "time":
        return SandboxTimeout(f"{what}超出时间限制（{current.seconds:g} 秒），已终止")
    if reason == "memory":
        return SandboxLimitExceeded(f"{what}超出内存限制（{current.memory_mb} MB），已终止")
    if reason == "size":
        return SandboxLimitExceeded(f"{what}的结果过大（超过 {sandbox_pool.MAX_REPLY_BYTES // 2**20} MB），已终止")
    return SandboxLimitExceeded(f"{what}的执行进程意外退出（{detail or reason}），可能超出了内存限制"
                                f"（{current.memory_mb} MB），已终止")


def evaluate(expression: str, names: Mapping[str, Any]) -> Any:
    """Evaluate an allow-listed expression against ``names`` (task data) in a sandbox worker.

    Raise SyntaxError (what SpiffWorkflow expects) for an expression the language refuses.
    """
    sent = _encoded(names, _expression_names(expression))
    short = expression if len(expression) <= 60 else expression[:60] + "…"
    reply = _call(f"表达式“{short}”", {"op": "eval", "expression": expression, "names": sent})
    return wire.decode(reply["value"])


def execute(script: str, data: dict[str, Any], extra: Mapping[str, Any] | None = None) -> None:
    """Run a script against task ``data`` in a sandbox worker; new and changed values are written back."""
    try:
        used = _script_names(script)
    except SyntaxError as exc:
        raise SandboxError(f"脚本不允许执行：{exc.msg}") from exc
    request = {"op": "exec", "script": script, "data": _encoded(data, used), "extra": _encoded(extra or {}, used)}
    reply = _call("脚本", request)
    for key in reply["deleted"]:
        data.pop(key, None)
    data.update(wire.decode(reply["set"]))
