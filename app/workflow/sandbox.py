"""Sandboxed evaluation for BPMN conditions, timer expressions, DMN cells and scripts.

SpiffWorkflow's default script engine is plain ``eval``/``exec``. Here:
- expressions (gateway conditions, timers, DMN, service parameters) are parsed and then interpreted
  by a small tree-walking evaluator that knows only an allow-list of node types and functions;
  names and attributes starting with "_" do not exist, and ``**`` / ``*`` refuse huge results;
- scripts are compiled by RestrictedPython (which rejects dunder access and imports at compile time)
  with its guards, ``**`` / ``*`` routed through size checks, and a wall-clock limit enforced by a
  trace function, so ``while True: pass`` ends as an error instead of hanging a worker.
"""

from __future__ import annotations

import ast
import math
import operator
import sys
import time
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from types import CodeType, FrameType, ModuleType
from typing import Any

from RestrictedPython import compile_restricted, limited_builtins, safe_builtins
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import RestrictingNodeTransformer

from app import clock

SCRIPT_TIME_LIMIT_SECONDS = 2.0
MAX_SEQUENCE = 100_000  # longest string/list a script or condition may build by repetition
MAX_EXPONENT = 1_000
MAX_EXPRESSION_LENGTH = 2_000


class SandboxError(Exception):
    """A condition or script was refused or failed; the message is shown to designers and in incidents."""


class SandboxTimeout(SandboxError):
    pass


def _today() -> date:
    return clock.today()


def _now() -> datetime:
    return clock.now()


def _days_between(start: date, end: date) -> int:
    return (end - start).days


SAFE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len, "min": min, "max": max, "abs": abs, "round": round, "sum": sum, "any": any, "all": all,
    "int": int, "float": float, "str": str, "bool": bool, "sorted": sorted,
    "Decimal": Decimal, "date": date, "datetime": datetime, "timedelta": timedelta,
    "today": _today, "now": _now, "days_between": _days_between,
}
# Attribute names that lead to frames, code or globals without a leading underscore.
BLOCKED_ATTRIBUTES = frozenset({
    "f_globals", "f_locals", "f_builtins", "f_back", "f_code", "gi_frame", "gi_code", "cr_frame", "cr_code",
    "ag_frame", "ag_code", "tb_frame", "tb_next", "mro", "format", "format_map", "func_globals",
})


def _checked_mul(left: Any, right: Any) -> Any:
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, str | bytes | list | tuple) and isinstance(count, int) and len(seq) * count > MAX_SEQUENCE:
            raise SandboxError("表达式生成的序列过长")
    return operator.mul(left, right)


def _checked_pow(base: Any, exponent: Any, modulo: Any = None) -> Any:
    if isinstance(exponent, int | float | Decimal) and abs(exponent) > MAX_EXPONENT:  # type: ignore[operator]
        raise SandboxError("幂运算的指数过大")
    if isinstance(base, int) and abs(base) > 10**100 and isinstance(exponent, int | float) and exponent > 1:
        raise SandboxError("幂运算的底数过大")
    return pow(base, exponent, modulo) if modulo is not None else pow(base, exponent)


_BIN_OPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: _checked_mul, ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: _checked_pow,
}
_UNARY_OPS: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos,
}
_COMPARE_OPS: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_, ast.IsNot: operator.is_not,
}
_ALLOWED_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.BinOp, ast.UnaryOp, ast.Compare, ast.IfExp, ast.Constant,
    ast.Name, ast.Load, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Subscript, ast.Slice, ast.Attribute,
    ast.Call, ast.keyword, *_BIN_OPS, *_UNARY_OPS, *_COMPARE_OPS,
)


@lru_cache(maxsize=2048)
def parse_expression(expression: str) -> ast.Expression:
    """Parse and vet an expression; raise SyntaxError (what SpiffWorkflow expects) if it is not allowed."""
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise SyntaxError("表达式过长")
    tree = ast.parse(expression.strip(), mode="eval")
    nodes = list(ast.walk(tree))
    for node in nodes:  # names first: the most telling reason for an escape attempt
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise SyntaxError(f"不允许使用以下划线开头的名称：{node.id}")
        if isinstance(node, ast.Attribute) and (node.attr.startswith("_") or node.attr in BLOCKED_ATTRIBUTES):
            raise SyntaxError(f"不允许访问属性：{node.attr}")
    for node in nodes:
        if not isinstance(node, _ALLOWED_NODES):
            raise SyntaxError(f"表达式中不允许使用 {type(node).__name__}")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in SAFE_FUNCTIONS:
                raise SyntaxError("表达式只能调用允许的函数：" + "、".join(sorted(SAFE_FUNCTIONS)))
    return tree


class _Evaluator:
    def __init__(self, names: Mapping[str, Any]) -> None:
        self.names = names

    def eval(self, node: ast.AST) -> Any:  # noqa: C901  (one branch per node type reads best)
        if isinstance(node, ast.Expression):
            return self.eval(node.body)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            if node.id in SAFE_FUNCTIONS:
                return SAFE_FUNCTIONS[node.id]
            raise SandboxError(f"变量 {node.id} 不存在")
        if isinstance(node, ast.BoolOp):
            if isinstance(node.op, ast.And):
                result: Any = True
                for value in node.values:
                    result = self.eval(value)
                    if not result:
                        return result
                return result
            result = False
            for value in node.values:
                result = self.eval(value)
                if result:
                    return result
            return result
        if isinstance(node, ast.BinOp):
            return _BIN_OPS[type(node.op)](self.eval(node.left), self.eval(node.right))
        if isinstance(node, ast.UnaryOp):
            return _UNARY_OPS[type(node.op)](self.eval(node.operand))
        if isinstance(node, ast.Compare):
            left = self.eval(node.left)
            for op, comparator in zip(node.ops, node.comparators, strict=True):
                right = self.eval(comparator)
                if not _COMPARE_OPS[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.IfExp):
            return self.eval(node.body) if self.eval(node.test) else self.eval(node.orelse)
        if isinstance(node, ast.List):
            return [self.eval(e) for e in node.elts]
        if isinstance(node, ast.Tuple):
            return tuple(self.eval(e) for e in node.elts)
        if isinstance(node, ast.Set):
            return {self.eval(e) for e in node.elts}
        if isinstance(node, ast.Dict):
            return {self.eval(k) if k is not None else None: self.eval(v) for k, v in zip(node.keys, node.values,
                                                                                       strict=True)}
        if isinstance(node, ast.Subscript):
            container = self.eval(node.value)
            if isinstance(node.slice, ast.Slice):
                s = node.slice
                return container[slice(*(self.eval(p) if p is not None else None for p in (s.lower, s.upper, s.step)))]
            return container[self.eval(node.slice)]
        if isinstance(node, ast.Attribute):
            target = self.eval(node.value)
            if isinstance(target, Mapping):
                return target[node.attr]  # data["a"] may also be written data.a
            if isinstance(target, ModuleType) or callable(target):
                raise SandboxError(f"不允许访问属性：{node.attr}")
            return getattr(target, node.attr)
        if isinstance(node, ast.Call):
            func = SAFE_FUNCTIONS[node.func.id]  # type: ignore[attr-defined]
            args = [self.eval(a) for a in node.args]
            kwargs = {kw.arg: self.eval(kw.value) for kw in node.keywords if kw.arg}
            return func(*args, **kwargs)
        raise SandboxError(f"表达式中不允许使用 {type(node).__name__}")


def evaluate(expression: str, names: Mapping[str, Any]) -> Any:
    """Evaluate an allow-listed expression against ``names`` (task data)."""
    tree = parse_expression(expression)
    try:
        return _Evaluator(names).eval(tree)
    except SandboxError:
        raise
    except RecursionError as exc:
        raise SandboxError("表达式嵌套过深") from exc
    except Exception as exc:  # noqa: BLE001  (any evaluation error becomes one clear message)
        raise SandboxError(f"表达式“{expression}”计算出错：{type(exc).__name__}: {exc}") from exc


# --- scripts ---------------------------------------------------------------------------------------


class _ScriptPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus size checks on ``*`` and ``**``, and no imports at all."""

    def visit_Import(self, node: ast.Import) -> ast.AST:  # noqa: N802  (ast.NodeVisitor naming)
        self.error(node, "脚本中不允许 import")
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:  # noqa: N802
        self.error(node, "脚本中不允许 import")
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:  # noqa: N802
        node = self.node_contents_visit(node)
        guard = {ast.Mult: "_checked_mul_", ast.Pow: "_checked_pow_"}.get(type(node.op))
        if guard is None:
            return node
        call = ast.Call(func=ast.Name(guard, ast.Load()), args=[node.left, node.right], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))


@lru_cache(maxsize=512)
def compile_script(script: str) -> CodeType:
    """Compile a BPMN script with RestrictedPython; raise SyntaxError listing every refused construct."""
    result = compile_restricted(script, filename="<script>", mode="exec", policy=_ScriptPolicy)
    if result is None:  # pragma: no cover - RestrictedPython raises instead
        raise SyntaxError("脚本无法编译")
    return result


def _inplacevar(op: str, left: Any, right: Any) -> Any:
    ops: dict[str, Callable[[Any, Any], Any]] = {
        "+=": operator.add, "-=": operator.sub, "*=": _checked_mul, "/=": operator.truediv,
        "//=": operator.floordiv, "%=": operator.mod, "**=": _checked_pow,
    }
    if op not in ops:
        raise SandboxError(f"不支持的运算 {op}")
    return ops[op](left, right)


def _getattr(obj: Any, name: str, default: Any = None) -> Any:
    if name.startswith("_") or name in BLOCKED_ATTRIBUTES or isinstance(obj, ModuleType) and obj is not math:
        raise SandboxError(f"不允许访问属性：{name}")
    return getattr(obj, name, default) if default is not None else getattr(obj, name)


def _script_globals() -> dict[str, Any]:
    builtins = dict(safe_builtins)
    builtins.update(limited_builtins)
    builtins.update({"min": min, "max": max, "sum": sum, "any": any, "all": all, "sorted": sorted,
                     "enumerate": enumerate, "dict": dict, "set": set, "reversed": reversed})
    return {
        "__builtins__": builtins,
        "_getattr_": _getattr,
        "_getitem_": operator.getitem,
        "_getiter_": iter,
        "_write_": full_write_guard,
        "_inplacevar_": _inplacevar,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_checked_mul_": _checked_mul,
        "_checked_pow_": _checked_pow,
        "math": math,
        **SAFE_FUNCTIONS,
    }


def _time_limit_tracer(deadline: float) -> Callable[[FrameType, str, Any], Any]:
    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise SandboxTimeout(f"脚本运行超过 {SCRIPT_TIME_LIMIT_SECONDS:g} 秒，已终止")
        return tracer

    return tracer


def execute(script: str, data: dict[str, Any], extra: Mapping[str, Any] | None = None,
            time_limit: float = SCRIPT_TIME_LIMIT_SECONDS) -> None:
    """Run a script against task ``data`` in place: new and changed plain values are written back."""
    try:
        code = compile_script(script)
    except SyntaxError as exc:
        raise SandboxError(f"脚本不允许执行：{exc}") from exc
    env = _script_globals()
    reserved = set(env) | set(extra or {})
    env.update(extra or {})
    env.update(data)
    previous = sys.gettrace()
    sys.settrace(_time_limit_tracer(time.monotonic() + time_limit))
    try:
        exec(code, env)  # noqa: S102  (code compiled by RestrictedPython with guards above)
    except SandboxError:
        raise
    except RecursionError as exc:
        raise SandboxError("脚本递归过深") from exc
    except Exception as exc:  # noqa: BLE001
        raise SandboxError(f"脚本出错：{type(exc).__name__}: {exc}") from exc
    finally:
        sys.settrace(previous)
    for key in list(data):
        if key not in env:
            del data[key]
    for key, value in env.items():
        if key.startswith("_") or (key in reserved and key not in data) or callable(value):
            continue
        if isinstance(value, ModuleType):
            continue
        data[key] = value
