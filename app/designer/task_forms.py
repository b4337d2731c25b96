"""User-task forms defined in the browser: stored in the database, resolved by ``forms.registry``.

A designer writes the same TOML as a ``forms/tasks/<key>.toml`` file; it is compiled on save, so an
invalid definition is refused with the compiler's Chinese message and never reaches a task page.
Keys used by a Python form or a definition file cannot be taken: those sources win in the registry.
"""

from __future__ import annotations

import re
import tomllib
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
from forms.task_forms import DefinitionError, TaskForm, compile_definition

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,79}$")
TEMPLATE = """title = "客户回访"
outcomes = [["done", "已回访"], ["later", "稍后再联系"]]
comment_label = "回访说明"
comment_required_for = ["later"]

[[fields]]
name = "result"
label = "回访结果"
type = "choice"
choices = [["satisfied", "满意"], ["neutral", "一般"], ["unhappy", "不满意"]]
required = true

[[fields]]
name = "next_contact"
label = "下次联系日期"
type = "date"
"""


@dataclass(frozen=True)
class FormEntry:
    key: str
    title: str
    origin: str  # python | file | designer

    @property
    def origin_label(self) -> str:
        return {"python": "程序表单", "file": "定义文件", "designer": "浏览器定义"}[self.origin]


def stored_definition(form_key: str) -> dict[str, Any] | None:
    """Registry source: the stored definition for a key, or None (outside an app context too)."""
    if not has_app_context() or not KEY_PATTERN.match(form_key or ""):
        return None
    return db.session.scalar(select(TaskFormDefinition.definition).where(TaskFormDefinition.key == form_key))


form_registry.add_source(stored_definition)


def compile_source(form_key: str, source: str) -> tuple[dict[str, Any], type[TaskForm]]:
    """Parse and compile a TOML definition; raise ValidationFailed with the reason in Chinese."""
    try:
        definition = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationFailed(f"表单定义格式错误：{exc}") from exc
    try:
        form_class = compile_definition(form_key, definition)
    except DefinitionError as exc:
        raise ValidationFailed(str(exc)) from exc
    if not definition.get("fields") and not definition.get("outcomes"):
        raise ValidationFailed("表单至少需要一个字段或一个处理结果")
    return definition, form_class


def _builtin_keys() -> set[str]:
    return set(form_registry.known_keys())


def get_form(session: DbSession, form_key: str) -> TaskFormDefinition:
    row = session.scalar(select(TaskFormDefinition).where(TaskFormDefinition.key == form_key))
    if row is None:
        raise NotFound("表单不存在，或不是在浏览器中定义的表单")
    return row


def save_form(session: DbSession, form_key: str, source: str, actor: User, *, create: bool) -> TaskFormDefinition:
    """Create or update a browser-defined form after compiling it."""
    form_key = form_key.strip()
    if not KEY_PATTERN.match(form_key):
        raise ValidationFailed("表单标识须以小写字母开头，只含小写字母、数字、下划线，2–80 个字符")
    if form_key in _builtin_keys():
        raise ValidationFailed(f"表单标识 {form_key} 已被系统表单使用，请换一个")
    definition, form_class = compile_source(form_key, source)
    row = session.scalar(select(TaskFormDefinition).where(TaskFormDefinition.key == form_key))
    if create and row is not None:
        raise ValidationFailed(f"表单标识 {form_key} 已存在")
    if row is None:
        if not create:
            raise NotFound("表单不存在")
        row = TaskFormDefinition(key=form_key, author_id=actor.id, created_at=clock.now())
        session.add(row)
    row.title = form_class.title[:200]
    row.definition = definition
    row.source = source
    row.author_id = actor.id
    row.updated_at = clock.now()
    session.flush()
    return row


def all_forms(session: DbSession) -> list[FormEntry]:
    """Every form a user task may name: Python classes, definition files and browser-defined forms."""
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
