"""User-task forms defined in the browser: form-js schemas stored in the database, resolved by ``forms.registry``.

The designer builds the same form-js schema as a ``forms/tasks/<key>.form`` file (docs/form-schema.md); it is
compiled on save, so an invalid schema is refused with the compiler's Chinese message and never reaches a task
page. Keys used by a Python form or a form file cannot be taken: those sources win in the registry.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from flask import has_app_context
from sqlalchemy import select

from app import clock
from app.auth.models import User
from app.database import DbSession
from app.designer.models import TaskFormDefinition
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from forms import registry as form_registry
from forms.form_schema import compile_schema, load
from forms.task_forms import DefinitionError, TaskForm

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,79}$")


def template(form_key: str = "") -> dict[str, Any]:
    """The starting schema of a new form: a 客户回访 record to edit."""
    return {
        "type": "default", "id": f"Form_{form_key or 'new'}", "schemaVersion": 16,
        "exporter": {"name": "LicaiFlow", "version": "18"},
        "components": [
            {"type": "licai-customer", "id": "Field_customer_id", "key": "customer_id", "label": "客户",
             "validate": {"required": True}},
            {"type": "select", "id": "Field_result", "key": "result", "label": "回访结果",
             "values": [{"label": "满意", "value": "satisfied"}, {"label": "一般", "value": "neutral"},
                        {"label": "不满意", "value": "unhappy"}], "validate": {"required": True}},
            {"type": "licai-date", "id": "Field_next_contact", "key": "next_contact", "label": "下次联系日期"},
        ],
        "licai": {"title": "客户回访", "outcomes": [["done", "已回访"], ["later", "稍后再联系"]],
                  "commentLabel": "回访说明", "commentRequiredFor": ["later"]},
    }


def pretty(schema: Any) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2)


@dataclass(frozen=True)
class FormEntry:
    key: str
    title: str
    origin: str  # python | file | designer

    @property
    def origin_label(self) -> str:
        return {"python": "程序表单", "file": "表单文件", "designer": "浏览器定义"}[self.origin]


def stored_definition(form_key: str) -> dict[str, Any] | None:
    """Registry source: the stored definition for a key, or None (outside an app context too)."""
    if not has_app_context() or not KEY_PATTERN.match(form_key or ""):
        return None
    return db.session.scalar(select(TaskFormDefinition.definition).where(TaskFormDefinition.key == form_key))


form_registry.add_source(stored_definition)


def compile_text(form_key: str, text: str) -> tuple[dict[str, Any], type[TaskForm]]:
    """Parse and compile a form-js schema (JSON text); raise ValidationFailed with the reason in Chinese."""
    try:
        schema = load(text)
        form_class = compile_schema(form_key, schema)
    except DefinitionError as exc:
        raise ValidationFailed(str(exc)) from exc
    licai = schema.get("licai") or {}
    if not schema.get("components") and not licai.get("outcomes"):
        raise ValidationFailed("表单至少需要一个字段或一个处理结果")
    return schema, form_class


def _builtin_keys() -> set[str]:
    return set(form_registry.known_keys())


def get_form(session: DbSession, form_key: str) -> TaskFormDefinition:
    row = session.scalar(select(TaskFormDefinition).where(TaskFormDefinition.key == form_key))
    if row is None:
        raise NotFound("表单不存在，或不是在浏览器中定义的表单")
    return row


def save_form(session: DbSession, form_key: str, text: str, actor: User, *, create: bool) -> TaskFormDefinition:
    """Create or update a browser-defined form after compiling its schema (JSON text)."""
    form_key = form_key.strip()
    if not KEY_PATTERN.match(form_key):
        raise ValidationFailed("表单标识须以小写字母开头，只含小写字母、数字、下划线，2–80 个字符")
    if form_key in _builtin_keys():
        raise ValidationFailed(f"表单标识 {form_key} 已被系统表单使用，请换一个")
    schema, form_class = compile_text(form_key, text)
    row = session.scalar(select(TaskFormDefinition).where(TaskFormDefinition.key == form_key))
    if create and row is not None:
        raise ValidationFailed(f"表单标识 {form_key} 已存在")
    if row is None:
        if not create:
            raise NotFound("表单不存在")
        row = TaskFormDefinition(key=form_key, author_id=actor.id, created_at=clock.now())
        session.add(row)
    row.title = form_class.title[:200]
    row.definition = schema
    row.author_id = actor.id
    row.updated_at = clock.now()
    session.flush()
    return row


def all_forms(session: DbSession) -> list[FormEntry]:
    """Every form a user task may name: Python classes, form files and browser-defined forms."""
    entries = []
    for key in form_registry.known_keys():
        try:
            title = form_registry.resolve(key).title
        except (form_registry.UnknownForm, DefinitionError):
            continue
        origin = "python" if key in form_registry.python_keys() else "file"
        entries.append(FormEntry(key, title or key, origin))
    taken = {entry.key for entry in entries}
    for key, title in session.execute(select(TaskFormDefinition.key, TaskFormDefinition.title)
                                      .order_by(TaskFormDefinition.key)):
        if key not in taken:
            entries.append(FormEntry(key, title, "designer"))
    return sorted(entries, key=lambda entry: entry.key)
