"""Camunda's expression languages → the sandboxed expression language (``app/workflow/sandbox.py``).

Camunda 7 writes conditions, assignees and timers in JUEL (``${amount > 1000}``, ``#{!approved}``); Camunda 8
writes FEEL (``=amount > 1000``). Only the simple part of both translates: variables and their properties,
literals, comparisons, arithmetic, ``and/or/not``, ``empty`` and ``? :``. Anything that reaches into Camunda
itself (``execution``, ``task``, beans, method calls) cannot run here and is refused with the reason.
Camunda's Quartz cron timers translate only where they are a plain repeating interval.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

__all__ = ["JuelRefused", "cron_to_iso", "is_juel", "translate"]


class JuelRefused(ValueError):
    """An expression that has no equivalent here; the message (Chinese) says why."""


# Objects Camunda puts in scope for expressions: they are the engine's own, with nothing like them here.
CAMUNDA_OBJECTS = frozenset({"execution", "task", "authenticatedUserId", "variableScope", "processEngine",
                             "externalTask", "connector"})
_JUEL = re.compile(r"^\s*[$#]\{(?P<body>.*)\}\s*$", re.DOTALL)
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||[<>!+\-*/%()\[\].?:,=])
""", re.VERBOSE)
_WORD_OPS = {"eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">=", "and": "&&", "or": "||",
             "not": "!", "div": "/", "mod": "%"}
_LITERALS = {"true": "True", "false": "False", "null": "None"}
_EQUALITY = {"==": "==", "!=": "!="}
_RELATIONAL = {"<": "<", ">": ">", "<=": "<=", ">=": ">="}
_ADDITIVE = {"+": "+", "-": "-"}
_MULTIPLICATIVE = {"*": "*", "/": "/", "%": "%"}


@dataclass(frozen=True)
class _Token:
    kind: str  # number, string, name, op, end
    text: str


def _tokens(body: str, feel: bool) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(body):
        match = _TOKEN.match(body, position)
        if match is None:
            raise JuelRefused(f"无法识别的字符“{body[position]}”")
        position = match.end()
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "space":
            continue
        if kind == "name" and text in _WORD_OPS and not (feel and text == "not"):
            kind, text = "op", _WORD_OPS[text]
        if kind == "op" and text == "=":
            if not feel:
                raise JuelRefused("不支持赋值（=）")
            text = "=="  # FEEL compares with a single "="
        tokens.append(_Token(kind, text))
    tokens.append(_Token("end", ""))
    return tokens


class _Parser:
    """Recursive descent over JUEL's precedence levels, emitting fully parenthesised Python."""

    def __init__(self, body: str, renames: dict[str, str], feel: bool) -> None:
        self.tokens = _tokens(body, feel)
        self.index = 0
        self.renames = renames
        self.feel = feel

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def take(self, text: str | None = None) -> _Token:
        token = self.current
        if text is not None and (token.kind != "op" or token.text != text):
            found = token.text or "表达式结尾"
            raise JuelRefused(f"此处应为“{text}”，却是“{found}”")
        self.index += 1
        return token

    def at(self, *texts: str) -> bool:
        return self.current.kind == "op" and self.current.text in texts

    def parse(self) -> str:
        result = self.conditional()
        if self.current.kind != "end":
            raise JuelRefused(f"多余的内容“{self.current.text}”")
        return result

    def conditional(self) -> str:
        test = self.binary(0)
        if not self.at("?"):
            return test
        self.take("?")
        yes = self.conditional()
        self.take(":")
        no = self.conditional()
        return f"({yes} if {test} else {no})"

    # Lowest to highest: ||, &&, equality, relational, additive, multiplicative.
    _LEVELS: tuple[dict[str, str], ...] = ({"||": "or"}, {"&&": "and"}, _EQUALITY, _RELATIONAL, _ADDITIVE,
                                           _MULTIPLICATIVE)

    def binary(self, level: int) -> str:
        if level == len(self._LEVELS):
            return self.unary()
        operators = self._LEVELS[level]
        left = self.binary(level + 1)
        while self.current.kind == "op" and self.current.text in operators:
            op = operators[self.take().text]
            right = self.binary(level + 1)
            left = f"({left} {op} {right})"
        return left

    def unary(self) -> str:
        if self.at("!"):
            self.take()
            return f"(not {self.unary()})"
        if self.at("-"):
            self.take()
            return f"(-{self.unary()})"
        if self.current.kind == "name" and self.current.text == "empty" and not self.feel:
            self.take()
            operand = self.unary()
            return f"({operand} in (None, '', [], {{}}))"
        return self.postfix(self.primary())

    def primary(self) -> str:
        token = self.take()
        if token.kind == "number":
            return token.text
        if token.kind == "string":
            return repr(_unescape(token.text))
        if token.kind == "op" and token.text == "(":
            inner = self.conditional()
            self.take(")")
            return inner
        if token.kind == "name":
            if token.text in _LITERALS:
                return _LITERALS[token.text]
            if self.feel and token.text == "not" and self.at("("):
                self.take("(")
                inner = self.conditional()
                self.take(")")
                return f"(not {inner})"
            if self.at("("):
                raise JuelRefused(f"调用了函数或方法 {token.text}()")
            if token.text in CAMUNDA_OBJECTS:
                raise JuelRefused(f"引用了 Camunda 引擎对象 {token.text}")
            if token.text == "instanceof":
                raise JuelRefused("不支持 instanceof")
            name = self.renames.get(token.text, token.text)
            if keyword.iskeyword(name) or name in ("None", "True", "False"):
                raise JuelRefused(f"变量名 {name} 是 Python 保留字")
            return name
        raise JuelRefused(f"此处不应出现“{token.text or '表达式结尾'}”")

    def postfix(self, base: str) -> str:
        while True:
            if self.at("."):
                self.take(".")
                member = self.take()
                if member.kind != "name":
                    raise JuelRefused("“.”之后应为属性名")
                if self.at("("):
                    raise JuelRefused(f"调用了方法 {member.text}()")
                base = f"{base}.{member.text}"
            elif self.at("["):
                self.take("[")
                index = self.conditional()
                self.take("]")
                base = f"{base}[{index}]"
            elif self.at("("):
                raise JuelRefused("调用了函数或方法")
            else:
                return base


def _unescape(literal: str) -> str:
    # JUEL escapes only the quote characters and the backslash.
    body = literal[1:-1]
    return re.sub(r"\\(['\"\\])", r"\1", body)


def is_juel(text: str) -> bool:
    """Tell whether a text is a JUEL expression (``${…}`` or ``#{…}``) rather than a literal."""
    return "${" in text or "#{" in text


def translate(text: str, renames: dict[str, str] | None = None) -> str:
    """Translate one JUEL ``${…}``/``#{…}`` or FEEL ``=…`` expression; raise JuelRefused when it cannot be.

    ``renames`` maps Camunda variable names to ours (the start event's ``camunda:initiator`` → ``initiator_id``).
    """
    stripped = text.strip()
    if stripped.startswith("="):
        return _Parser(stripped[1:], renames or {}, feel=True).parse()
    match = _JUEL.match(stripped)
    if match is None or is_juel(match.group("body")):
        raise JuelRefused("只能是一个完整的 ${…} 表达式，不能与文字混排")
    body = match.group("body").strip()
    if not body:
        raise JuelRefused("表达式为空")
    return _Parser(body, renames or {}, feel=False).parse()


_CRON_UNITS = (("S", 60), ("M", 60), ("H", 24))  # seconds, minutes, hours: unit and cycle length


def _step(field: str, cycle: int) -> int | None:
    """The step of a cron field that fires at regular intervals (``*`` → 1, ``0/15`` or ``*/15`` → 15)."""
    if field == "*":
        return 1
    match = re.fullmatch(r"(?:\*|0)/(\d+)", field)
    if match is None:
        return None
    step = int(match.group(1))
    return step if 0 < step < cycle and cycle % step == 0 else None


def cron_to_iso(cron: str) -> str:
    """A Quartz cron (``0 0/15 * * * ?``) as an ISO 8601 repeating interval (``R/PT15M``).

    Only crons that fire every N seconds, minutes or hours (N dividing the minute/hour/day evenly) have an
    equivalent; one naming a time of day, a weekday or a date has none, and JuelRefused says so.
    """
    fields = cron.split()
    if len(fields) not in (6, 7):
        raise JuelRefused("既不是 ISO 8601 重复间隔（如 R/PT1H），也不是 6–7 段的 cron 表达式")
    second, minute, hour, day, month, weekday = fields[:6]
    year = fields[6] if len(fields) == 7 else "*"
    if day not in ("*", "?") or month != "*" or weekday not in ("*", "?") or year != "*":
        raise JuelRefused("指定了日期、月份或星期，没有对应的 ISO 8601 重复间隔")
    parts = (second, minute, hour)
    for index, (unit, cycle) in enumerate(_CRON_UNITS):
        step = _step(parts[index], cycle)
        if step is None:
            continue
        lower_fixed = all(part == "0" for part in parts[:index])
        higher_every = all(part == "*" for part in parts[index + 1:])
        if lower_fixed and higher_every:
            return f"R/PT{step}{unit}"
        break
    raise JuelRefused("指定了固定的时刻（或间隔不能整除一分钟/一小时/一天），没有对应的 ISO 8601 重复间隔")
