"""The restricted language of BPMN conditions, timer expressions, DMN cells and scripts (the first layer).

SpiffWorkflow's default script engine is plain ``eval``/``exec``. Here:
- expressions (gateway conditions, timers, DMN, service parameters) are parsed and then interpreted
  by a small tree-walking evaluator that knows only an allow-list of node types and functions;
  names and attributes starting with "_" do not exist, and ``**`` / ``*`` refuse huge results;
- scripts are compiled by RestrictedPython (which rejects dunder access and imports at compile time)
  with its guards and ``**`` / ``*`` routed through size checks.
Checks run in the web or scheduler process (validation, deploy, before each call); ``evaluate`` and
``execute`` run inside a sandbox worker process, whose time and memory limits are the second layer
(``app.workflow.sandbox``). This module imports only the standard library and RestrictedPython.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from types import CodeType, ModuleType
from typing import Any

from RestrictedPython import compile_restricted, limited_builtins, safe_builtins
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import RestrictingNodeTransformer

MAX_SEQUENCE = 100_000  # longest string/list a script or condition may build by repetition
MAX_EXPONENT = 1_000
MAX_EXPRESSION_LENGTH = 2_000


class SandboxError(Exception):
    """A condition or script was refused or failed; the message is shown to designers and in incidents."""


# The caller's clock (app.clock, pinned in tests) travels with each call: the worker has none of its own.
_moment: ContextVar[tuple[datetime, date] | None] = ContextVar("sandbox_moment", default=None)


@contextmanager
def at(now: datetime, today: date) -> Iterator[None]:
    """Make ``now()`` and ``today()`` answer the caller's time while evaluating."""
    token = _moment.set((now, today))
    try:
        yield
    finally:
        _moment.reset(token)


def _now() -> datetime:
    moment = _moment.get()
    return moment[0] if moment else datetime.now(UTC)


def _today() -> date:
    moment = _moment.get()
    return moment[1] if moment else _now().date()


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

_CONSTRUCTS = {
    "ListComp": "列表推导式", "SetComp": "集合推导式", "DictComp": "字典推导式", "GeneratorExp": "生成器表达式",
    "comprehension": "推导式", "Lambda": " lambda 函数", "JoinedStr": " f 字符串", "FormattedValue": " f 字符串",
    "NamedExpr": "赋值表达式（:=）", "Starred": "星号展开（*）", "Await": " await", "Yield": " yield",
    "YieldFrom": " yield from", "MatMult": "矩阵乘法（@）", "BitAnd": "位运算（&）", "BitOr": "位运算（|）",
    "BitXor": "位运算（^）", "LShift": "移位运算（<<）", "RShift": "移位运算（>>）", "Invert": "按位取反（~）",
    "Store": "赋值", "Del": "删除", "Global": " global 声明", "Nonlocal": " nonlocal 声明", "Try": " try 语句",
    "TryStar": " try/except* 语句", "With": " with 语句", "AsyncFunctionDef": "异步函数", "Match": " match 语句",
}


def construct(node: ast.AST | str) -> str:
    """A construct's name in Chinese for refusal messages (the AST class name only as a last resort)."""
    name = node if isinstance(node, str) else type(node).__name__
    return _CONSTRUCTS.get(name, f"此写法（{name}）")


# RestrictedPython's refusals, in Chinese (the names in them are code and stay as written).
_REFUSALS: tuple[tuple[str, str], ...] = (
    (r'"(.+?)" is an invalid variable name because it starts with "_"\.?', r"不允许使用以下划线开头的名称 \1"),
    (r'"(.+?)" is an invalid variable name because it ends with "__roles__"\.?', r"不允许使用名称 \1"),
    (r'"(.+?)" is a reserved name\.', r"\1 是保留名称，脚本中不能使用"),
    (r'"(.+?)" is an invalid attribute name because it starts with "_"\.', r"不允许访问以下划线开头的属性 \1"),
    (r'"(.+?)" is an invalid attribute name because it ends with "__roles__"\.', r"不允许访问属性 \1"),
    (r'"(.+?)" is a restricted name, that is forbidden to access in RestrictedPython\.', r"不允许访问属性 \1"),
    (r"Lazy import statements are not allowed\.|\"\*\" imports are not allowed\.", "脚本中不允许 import"),
    (r"Exec calls are not allowed\.", "不允许调用 exec"),
    (r"Eval calls are not allowed\.", "不允许调用 eval"),
    (r"Unpacking in comprehensions is not allowed\.", "推导式中不允许解包"),
    (r"Augmented assignment of attributes is not allowed\.", "不允许对属性做增量赋值（如 a.b += 1）"),
    (r"Augmented assignment of object items and slices is not allowed\.",
     "不允许对元素或切片做增量赋值（如 a[0] += 1）"),
    (r'The keyword argument "metaclass" is not allowed\.', "不允许使用 metaclass 参数"),
    (r"Assignment expressions are only allowed for simple targets", "赋值表达式（:=）只能赋给简单变量"),
    (r"(\w+) statements are not allowed\.", ""),
    (r"\w*Error: .* at statement: (.*)", r"语法错误，出错的语句：\1"),
)


def _chinese(message: str) -> str:
    """One RestrictedPython error ("Line 3: …") in Chinese ("第 3 行：…")."""
    line, _, text = message.partition(": ") if message.startswith("Line ") else ("", "", message)
    for pattern, replacement in _REFUSALS:
        match = re.fullmatch(pattern, text)
        if match is None:
            continue
        if not replacement:  # "<Construct> statements are not allowed."
            text = f"不允许使用{construct(match.group(1))}"
        else:
            text = match.expand(replacement)
        break
    number = line.removeprefix("Line ").strip()
    return f"第 {number} 行：{text}" if number and number != "None" else text


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
            raise SyntaxError(f"表达式中不允许使用{construct(node)}")
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
        raise SandboxError(f"表达式中不允许使用{construct(node)}")


def evaluate(expression: str, names: Mapping[str, Any]) -> Any:
    """Evaluate an allow-listed expression against ``names`` (task data)."""
    tree = parse_expression(expression)
    try:
        return _Evaluator(names).eval(tree)
    except (SandboxError, MemoryError):
        raise
    except RecursionError as exc:
        raise SandboxError("表达式嵌套过深") from exc
    except Exception as exc:  # noqa: BLE001  (any evaluation error becomes one clear message)
        raise SandboxError(f"表达式“{expression}”计算出错：{_short(exc)}") from exc


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
    try:
        result = compile_restricted(script, filename="<script>", mode="exec", policy=_ScriptPolicy)
    except SyntaxError as exc:
        errors = exc.args[0] if exc.args and isinstance(exc.args[0], tuple) else (str(exc),)
        raise SyntaxError("；".join(_chinese(str(e)) for e in errors)) from None
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


def execute(script: str, data: dict[str, Any], extra: Mapping[str, Any] | None = None) -> None:
    """Run a script against task ``data`` in place: new and changed plain values are written back."""
    try:
        code = compile_script(script)
    except SyntaxError as exc:
        raise SandboxError(f"脚本不允许执行：{exc.msg}") from exc
    env = _script_globals()
    reserved = set(env) | set(extra or {})
    env.update(extra or {})
    env.update(data)
    try:
        exec(code, env)  # noqa: S102  (code compiled by RestrictedPython with guards above)
    except (SandboxError, MemoryError):
        raise
    except RecursionError as exc:
        raise SandboxError("脚本递归过深") from exc
    except BaseException as exc:  # noqa: BLE001  (SystemExit and KeyboardInterrupt too: a script cannot end us)
        raise SandboxError(f"脚本出错：{_short(exc)}") from exc
    for key in list(data):
        if key not in env:
            del data[key]
    for key, value in env.items():
        if key.startswith("_") or (key in reserved and key not in data) or callable(value):
            continue
        if isinstance(value, ModuleType):
            continue
        data[key] = value


_EXPLAINED: tuple[tuple[str, str], ...] = (
    (r"Exceeds the limit \((\d+) digits\) for integer string conversion.*", r"整数超过 \1 位，不能与文字互相转换"),
    (r"To be created range\(\) object would be to large.*", "range() 最多只能生成 1000 个数"),
    (r"name '(\w+)' is not defined", r"变量 \1 不存在"),
    (r"(?:integer |float )?division(?: or modulo)? by zero|.*DivisionByZero.*|.*DivisionUndefined.*", "除数为零"),
)


def _short(exc: BaseException, limit: int = 300) -> str:
    """The error in Chinese where it is a common one (its type kept for the designer), else as Python says it."""
    text = str(exc)
    for pattern, chinese in _EXPLAINED:
        match = re.fullmatch(pattern, text, re.DOTALL)
        if match is not None:
            return f"{match.expand(chinese)}（{type(exc).__name__}）"
    text = f"{type(exc).__name__}: {text}"
    return text if len(text) <= limit else text[:limit] + "…"
