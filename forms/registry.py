"""Resolve a BPMN user task's form key to a TaskForm class.

Sources, in order: Python classes registered with :func:`register`; form-js schema files
``forms/tasks/<key>.form`` (and any directory added to ``SEARCH_DIRS``); further sources added with
:func:`add_source` (the process designer keeps schemas in the database). A task of a deployed process
version first looks at the schemas deployed with it (``app.workflow.model_forms``), then here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wtforms.fields.core import UnboundField

from forms.form_schema import compile_schema, load
from forms.task_forms import DefinitionError, TaskForm

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
    """Add a lookup returning a form-js schema for a key, or None."""
    _sources.append(source)


def _file_for(form_key: str) -> Path | None:
    if not form_key or "/" in form_key or "\\" in form_key or form_key.startswith("."):
        return None
    for directory in SEARCH_DIRS:
        path = directory / f"{form_key}.form"
        if path.is_file():
            return path
    return None


def file_schema(form_key: str) -> dict[str, Any] | None:
    """The schema of a form file, or None when no file has this key."""
    path = _file_for(form_key)
    return load(path.read_text(encoding="utf-8"), f"表单文件 {path.name} ") if path is not None else None


def load_file(path: Path) -> type[TaskForm]:
    """Compile a form-js schema file (cached until the file changes)."""
    mtime = path.stat().st_mtime
    with _lock:
        cached = _file_cache.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
    cls = compile_schema(path.stem, load(path.read_text(encoding="utf-8"), f"表单文件 {path.name} "))
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
    schema = source_schema(form_key)
    if schema is not None:
        return compile_schema(form_key, schema)
    raise UnknownForm(f"表单 {form_key} 不存在")


def source_schema(form_key: str) -> dict[str, Any] | None:
    """The schema the added sources (the designer's stored forms) hold for a key, or None."""
    for source in _sources:
        schema = source(form_key)
        if schema is not None:
            return schema
    return None


def current_schema(form_key: str) -> dict[str, Any] | None:
    """The schema a key resolves to now (file, then the added sources); None for Python forms and unknown keys.

    This is what a process version snapshots when it is deployed.
    """
    if form_key in _python_forms:
        return None
    if _file_for(form_key) is not None:
        try:
            return file_schema(form_key)
        except DefinitionError:
            return None
    return source_schema(form_key)


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
    fields = {name for name in dir(cls) if isinstance(getattr(cls, name, None), UnboundField) and "-" not in name}
    return frozenset(fields | {"outcome", "comment"})


def known_keys() -> list[str]:
    """Form keys from Python classes and definition files (for designer dropdowns)."""
    keys = set(_python_forms)
    for directory in SEARCH_DIRS:
        keys.update(p.stem for p in directory.glob("*.form"))
    return sorted(keys)


def python_keys() -> set[str]:
    """Form keys of Python classes (they win over every other source)."""
    return set(_python_forms)


def outcome_labels() -> dict[str, str]:
    """Outcome code → button label over the Python forms and the form files (the first label met wins)."""
    labels: dict[str, str] = {}
    classes = list(_python_forms.values())
    for directory in SEARCH_DIRS:
        classes += [load_file(path) for path in sorted(directory.glob("*.form"))]
    for cls in classes:
        for code, label in cls.outcomes:
            labels.setdefault(code, label)
    return labels
