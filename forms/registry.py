"""Resolve a BPMN user task's form key to a TaskForm class.

Sources, in order: Python classes registered with :func:`register`; declarative TOML files in
``forms/tasks/`` (and any directory added to ``SEARCH_DIRS``); further sources added with
:func:`add_source` (the process designer keeps definitions in the database).
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wtforms.fields.core import UnboundField

from forms.task_forms import DefinitionError, TaskForm, compile_definition

SEARCH_DIRS: list[Path] = [Path(__file__).resolve().parent / "tasks"]
_python_forms: dict[str, type[TaskForm]] = {}
_file_cache: dict[Path, tuple[float, type[TaskForm]]] = {}
_sources: list[Callable[[str], dict[str, Any] | None]] = []
_lock = threading.Lock()


class UnknownForm(LookupError):
    pass


def register(form_key: str) -> Callable[[type[TaskForm]], type[TaskForm]]:
    """Register a Python TaskForm subclass under a form key."""

    def decorator(cls: type[TaskForm]) -> type[TaskForm]:
        _python_forms[form_key] = cls
        return cls

    return decorator


def add_source(source: Callable[[str], dict[str, Any] | None]) -> None:
    """Add a lookup returning a declarative definition for a key, or None."""
    _sources.append(source)


def _file_for(form_key: str) -> Path | None:
    if not form_key or "/" in form_key or "\\" in form_key or form_key.startswith("."):
        return None
    for directory in SEARCH_DIRS:
        path = directory / f"{form_key}.toml"
        if path.is_file():
            return path
    return None


def load_file(path: Path) -> type[TaskForm]:
    """Compile a TOML definition file (cached until the file changes)."""
    mtime = path.stat().st_mtime
    with _lock:
        cached = _file_cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
    try:
        definition = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(f"表单文件 {path.name} 格式错误：{exc}") from exc
    cls = compile_definition(path.stem, definition)
    with _lock:
        _file_cache[path] = (mtime, cls)
    return cls


def resolve(form_key: str) -> type[TaskForm]:
    """Return the form class for a key; raise UnknownForm if no source knows it."""
    if form_key in _python_forms:
        return _python_forms[form_key]
    path = _file_for(form_key)
    if path is not None:
        return load_file(path)
    for source in _sources:
        definition = source(form_key)
        if definition is not None:
            return compile_definition(form_key, definition)
    raise UnknownForm(f"表单 {form_key} 不存在")


def exists(form_key: str) -> bool:
    try:
        resolve(form_key)
    except (UnknownForm, DefinitionError):
        return False
    return True


def field_names(form_key: str) -> frozenset[str] | None:
    """The names a form writes into task data (its fields, ``outcome``, ``comment``); None if the key is unknown."""
    try:
        cls = resolve(form_key)
    except (UnknownForm, DefinitionError):
        return None
    fields = {name for name in dir(cls) if isinstance(getattr(cls, name, None), UnboundField)}
    return frozenset(fields | {"outcome", "comment"})


def known_keys() -> list[str]:
    """Form keys from Python classes and definition files (for designer dropdowns)."""
    keys = set(_python_forms)
    for directory in SEARCH_DIRS:
        keys.update(p.stem for p in directory.glob("*.toml"))
    return sorted(keys)


def python_keys() -> set[str]:
    """Form keys of Python classes (they win over every other source)."""
    return set(_python_forms)


def outcome_labels() -> dict[str, str]:
    """Outcome code → button label over the Python forms and the form files (the first label met wins)."""
    labels: dict[str, str] = {}
    classes = list(_python_forms.values())
    for directory in SEARCH_DIRS:
        classes += [load_file(path) for path in sorted(directory.glob("*.toml"))]
    for cls in classes:
        for code, label in cls.outcomes:
            labels.setdefault(code, label)
    return labels
