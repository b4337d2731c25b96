"""Forms versioned with the diagram: a deployed process version keeps the schemas of the forms it names.

When a version is deployed, the schema of every form its start events and user / manual tasks name (form
files and forms made in the process designer; Python forms are code and are not copied) is stored in
``process_model_form``. A task, its completion, the start form and the API resolve a form by (the instance's
model version, form key) first and fall back to the registry, so editing a form changes new versions only:
the instances of an older version keep the form they were started with.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import Any

from lxml import etree
from sqlalchemy import select

from app.database import DbSession
from app.designer.models import ProcessModelForm
from app.workflow.validation.common import properties
from forms import registry as form_registry
from forms.form_schema import compile_schema
from forms.task_forms import TaskForm

FORM_ELEMENTS = frozenset({"startEvent", "userTask", "manualTask"})
_compiled: dict[tuple[str, str], type[TaskForm]] = {}  # (key, schema JSON) → class: compile each schema once
_lock = threading.Lock()


def form_keys(root: etree._Element) -> list[str]:
    """The form keys a (translated) BPMN document's start events and human tasks name, in order, once each."""
    keys: list[str] = []
    for node in root.iter():
        if isinstance(node.tag, str) and etree.QName(node).localname in FORM_ELEMENTS:
            key = properties(node).get("formKey", "").strip()
            if key and key not in keys:
                keys.append(key)
    return keys


def current_schemas(keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The schema each key resolves to now (keys of Python forms and unknown keys are left out)."""
    found = {}
    for key in keys:
        schema = form_registry.current_schema(key)
        if schema is not None:
            found[key] = schema
    return found


def snapshot(session: DbSession, model_id: int) -> dict[str, dict[str, Any]]:
    """The schemas stored with a process version."""
    rows = session.execute(select(ProcessModelForm.form_key, ProcessModelForm.schema)
                           .where(ProcessModelForm.model_id == model_id))
    return {key: schema for key, schema in rows}


def store(session: DbSession, model_id: int, schemas: dict[str, dict[str, Any]]) -> None:
    """Keep the schemas with a process version (once: a version's forms never change)."""
    for key, schema in schemas.items():
        session.add(ProcessModelForm(model_id=model_id, form_key=key, schema=schema))
    session.flush()


def resolve(session: DbSession, model_id: int | None, form_key: str) -> type[TaskForm]:
    """The form class of a key for a process version: its stored schema, else the registry."""
    if model_id is not None:
        schema = session.scalar(select(ProcessModelForm.schema).where(ProcessModelForm.model_id == model_id,
                                                                       ProcessModelForm.form_key == form_key))
        if schema is not None:
            text = json.dumps(schema, sort_keys=True, ensure_ascii=False)
            cls = _compiled.get((form_key, text))
            if cls is None:
                cls = compile_schema(form_key, schema)
                with _lock:
                    if len(_compiled) > 500:
                        _compiled.clear()
                    _compiled[(form_key, text)] = cls
            return cls
    return form_registry.resolve(form_key)
