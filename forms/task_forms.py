"""User-task forms: the TaskForm base class and the one compiler of field specs into a TaskForm class.

Forms are stored as form-js schemas (docs/form-schema.md); ``forms.form_schema`` translates a schema into
the field specs compiled here (a dict, never written by hand):

    {"title": "财务审核", "outcomes": [["pass", "通过"], ["return", "退回"]],   # buttons; the choice is ``outcome``
     "comment_label": "审核意见", "comment_required_for": ["return"],
     "fields": [{"name": "arrival_amount",   # task-data variable
                 "label": "实际到账金额",
                 "type": "decimal",          # string | text | integer | decimal | date | boolean | choice | user
                                             # | customer | project | role | file | static
                 "required": True, "required_for": ["pass"], "min": 0, "places": 2,
                 "dictionary": "customer_type",   # choice: values from a base-data dictionary …
                 "choices": [["a", "甲"]],         # … or listed here
                 "candidates": "colleagues",      # user: whom the picker offers (app/workflow/people.py)
                 "accept": ".pdf",                # file: allowed extensions
                 "readonly": True}]}              # shown, not editable

A ``user`` field is a person picker whose value is a user id; the offered people come from a named
people source evaluated for the task and the user filling it in, and nobody else is accepted. ``customer``,
``project`` and ``file`` fields hold ids checked by the lookups the form is prepared with
(``forms.task_fields``); ``role`` a role code; ``static`` is text shown, never written to task data.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar, Protocol

from wtforms import BooleanField, DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import Field
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from forms.base import Form, fixed_choices
from forms.task_fields import CustomerField, FileField, ProjectField, ReferenceField, StaticTextField

FIELD_TYPES = ("string", "text", "integer", "decimal", "date", "boolean", "choice", "user", "customer", "project",
               "role", "file", "static")
DEFAULT_PEOPLE_SOURCE = "colleagues"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
STATIC_NAME = re.compile(r"^text-[0-9]{1,4}$")  # static text: never a variable name (those have no "-")
RESERVED_NAMES = frozenset({"outcome", "comment", "csrf_token", "meta", "data", "errors", "process", "populate_obj",
                            "validate", "submit"})
ACCEPT_PATTERN = re.compile(r"^(\s*\.[A-Za-z0-9]{1,10}\s*(,\s*\.[A-Za-z0-9]{1,10}\s*)*)?$")
DEFAULT_OUTCOMES: list[tuple[str, str]] = [("submit", "提交")]


class DefinitionError(ValueError):
    """A declarative form definition is invalid; the message names the form and field."""


class Lookups(Protocol):
    """What the server knows about the user filling a form in: the objects they may name (None: they may not)."""

    def customer(self, ident: int) -> str | None: ...

    def project(self, ident: int) -> str | None: ...

    def file(self, ident: int) -> str | None: ...

    def roles(self) -> list[tuple[str, str]]: ...


class TaskForm(Form):
    """Base class of every user-task form: fields + outcome buttons + an optional comment."""

    title: ClassVar[str] = ""
    outcomes: ClassVar[list[tuple[str, str]]] = DEFAULT_OUTCOMES
    comment_label: ClassVar[str] = "处理意见"
    comment_required_for: ClassVar[frozenset[str]] = frozenset()
    dictionaries: ClassVar[dict[str, str]] = {}  # field name → base-data dictionary code
    people: ClassVar[dict[str, str]] = {}  # user field name → people source
    required_for: ClassVar[dict[str, frozenset[str]]] = {}  # field name → outcomes that require it
    readonly_fields: ClassVar[frozenset[str]] = frozenset()
    subject_fields: ClassVar[dict[str, str]] = {}  # field name → business-object prefix it names ("customer")
    role_fields: ClassVar[frozenset[str]] = frozenset()
    file_fields: ClassVar[frozenset[str]] = frozenset()

    comment = TextAreaField("处理意见", validators=[Optional(), Length(max=2000, message="意见不能超过 2000 字")])

    def prepare(self, choices_of: Any, people_of: Any = None, lookups: Lookups | None = None) -> None:
        """Fill choice fields that read a base-data dictionary (``choices_of(code)`` gives (code, label) pairs),
        person pickers (``people_of(source)`` gives (user id, label) pairs), role selects and the checks of
        customer / project / file fields (``lookups``; without it they accept nothing)."""
        self.comment.label.text = self.comment_label
        for name, dict_code in self.dictionaries.items():
            field = getattr(self, name)
            field.choices = [("", "请选择")] + list(choices_of(dict_code))
        for name, source in self.people.items():
            field = getattr(self, name)
            field.choices = [("", "请选择")] + [(str(ident), label) for ident, label in
                                                (people_of(source) if people_of else [])]
        for f in self:
            if isinstance(f, ReferenceField) and lookups is not None:
                f.lookup = {"customer": lookups.customer, "project": lookups.project,
                            "file": lookups.file}.get(f.kind)
            elif f.short_name in self.role_fields:
                f.choices = [("", "请选择")] + (lookups.roles() if lookups is not None else [])

    def display(self, f: Field) -> str:
        """A field's value as the user reads it: a name, never an id ("—" when empty)."""
        if isinstance(f, ReferenceField):
            return f.display() or "—"
        if f.data in (None, ""):
            return "—"
        if f.short_name in self.role_fields or f.short_name in self.people or f.short_name in self.dictionaries \
                or getattr(f, "choices", None):
            return dict((str(k), v) for k, v in (f.choices or [])).get(str(f.data), str(f.data))
        if f.type == "BooleanField":
            return "是" if f.data else "否"
        return str(f.data)

    def data_fields(self) -> list[Field]:
        """The fields shown to the user, static text included, in the definition's order."""
        return [f for f in self if f.short_name not in ("csrf_token", "comment")]

    def task_data(self) -> dict[str, Any]:
        """Typed values for task data (Decimal, date, int, bool, str); read-only fields and static text are not
        written. Keys are the field names of the definition, also when the form is rendered with a prefix.
        """
        return {f.short_name: f.data for f in self.data_fields()
                if f.short_name not in self.readonly_fields and not isinstance(f, StaticTextField)}

    @classmethod
    def check_choice(cls, outcome: str, comment: str) -> list[str]:
        """Errors of the chosen outcome and the comment alone (unknown outcome, missing comment); needs no form
        instance, so a domain screen offering a task's outcomes as buttons can check a choice."""
        if outcome not in {code for code, _label in cls.outcomes}:
            return ["请选择有效的处理结果"]
        if outcome in cls.comment_required_for and not comment.strip():
            return [f"选择“{dict(cls.outcomes)[outcome]}”时必须填写{cls.comment_label}"]
        return []

    def check_outcome(self, outcome: str, comment: str) -> list[str]:
        """Return errors for the chosen outcome (unknown outcome, missing comment, fields it requires)."""
        errors = self.check_choice(outcome, comment)
        if outcome not in {code for code, _label in self.outcomes}:
            return errors
        chosen = dict(self.outcomes)[outcome]
        for name, outcomes in self.required_for.items():
            field = getattr(self, name)
            if outcome in outcomes and field.data in (None, "", []):
                errors.append(f"选择“{chosen}”时必须填写{field.label.text}")
        return errors


def _number(value: Any, where: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise DefinitionError(f"{where} 必须是数字")
    return Decimal(str(value))


def _field(form_key: str, spec: dict[str, Any]) -> tuple[str, Field]:
    name = spec.get("name")
    where = f"表单 {form_key} 的字段 {name or '?'}"
    if spec.get("type") == "static":
        if not isinstance(name, str) or not STATIC_NAME.match(name):
            raise DefinitionError(f"{where}：说明文字的名称无效")
        return name, StaticTextField(label=str(spec.get("label") or ""), text=str(spec.get("text") or ""))
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise DefinitionError(f"{where}：字段名须以小写字母开头，只含小写字母、数字、下划线")
    if name in RESERVED_NAMES:
        raise DefinitionError(f"{where}：字段名 {name} 为保留名称")
    kind = spec.get("type", "string")
    if kind not in FIELD_TYPES:
        raise DefinitionError(f"{where}：未知类型 {kind}，可用类型：{'、'.join(FIELD_TYPES)}")
    label = str(spec.get("label") or name)
    required = bool(spec.get("required", False))
    if "required_for" in spec and (not isinstance(spec["required_for"], list)
                                   or not all(isinstance(code, str) for code in spec["required_for"])):
        raise DefinitionError(f"{where}：required_for 须为处理结果代码列表")
    validators: list[Any] = []
    if required:
        message = f"请填写{label}"
        validators.append(InputRequired(message) if kind in ("integer", "decimal", "boolean", "customer", "project",
                                                             "file") else DataRequired(message))
    else:
        validators.append(Optional())
    low = _number(spec["min"], f"{where} 的 min") if "min" in spec else None
    high = _number(spec["max"], f"{where} 的 max") if "max" in spec else None
    if low is not None or high is not None:
        if kind not in ("integer", "decimal"):
            raise DefinitionError(f"{where}：只有数字字段可以设置 min/max")
        bounds = {"min": low if kind == "decimal" else (int(low) if low is not None else None),
                  "max": high if kind == "decimal" else (int(high) if high is not None else None)}
        parts = [f"不小于 {low}" if low is not None else "", f"不大于 {high}" if high is not None else ""]
        validators.append(NumberRange(**bounds, message=f"{label}须{'且'.join(p for p in parts if p)}"))
    if "max_length" in spec and kind in ("string", "text"):
        validators.append(Length(max=int(spec["max_length"]), message=f"{label}不能超过 {spec['max_length']} 字"))
    kwargs: dict[str, Any] = {"label": label, "validators": validators, "description": str(spec.get("help", ""))}
    if kind == "string":
        field: Field = StringField(**kwargs)
    elif kind == "text":
        field = TextAreaField(**kwargs)
    elif kind == "integer":
        field = IntegerField(**kwargs)
    elif kind == "decimal":
        field = DecimalField(places=int(spec.get("places", 2)), **kwargs)
    elif kind == "date":
        field = DateField(format="%Y-%m-%d", **kwargs)
    elif kind == "boolean":
        kwargs["validators"] = [Optional()]
        field = BooleanField(**kwargs)
    elif kind in ("customer", "project"):
        field = (CustomerField if kind == "customer" else ProjectField)(**kwargs)
    elif kind == "file":
        accept = spec.get("accept", "")
        if not isinstance(accept, str) or not ACCEPT_PATTERN.match(accept):
            raise DefinitionError(f"{where}：accept 须为逗号分隔的扩展名，如 .pdf,.jpg")
        field = FileField(accept=accept, **kwargs)
    elif kind == "role":
        field = SelectField(choices=fixed_choices([("", "请选择")]), validate_choice=True, **kwargs)
    elif kind == "user":
        source = spec.get("candidates", DEFAULT_PEOPLE_SOURCE)
        if not isinstance(source, str) or not NAME_PATTERN.match(source):
            raise DefinitionError(f"{where}：candidates 须为人员来源名称")
        field = SelectField(choices=fixed_choices([("", "请选择")]), coerce=_user_id, validate_choice=True, **kwargs)
    else:
        choices = spec.get("choices")
        if choices is None and not spec.get("dictionary"):
            raise DefinitionError(f"{where}：选择字段需要 choices 或 dictionary")
        static = [("", "请选择")] + [(str(c[0]), str(c[1])) for c in (choices or [])]
        field = SelectField(choices=fixed_choices(static), validate_choice=True, **kwargs)
    return name, field


def compile_definition(form_key: str, definition: dict[str, Any]) -> type[TaskForm]:
    """Build a TaskForm subclass from a declarative definition; raise DefinitionError naming what is wrong."""
    if not isinstance(definition, dict):
        raise DefinitionError(f"表单 {form_key} 的定义必须是一个对象")
    attrs: dict[str, Any] = {"title": str(definition.get("title") or form_key)}
    outcomes = definition.get("outcomes") or DEFAULT_OUTCOMES
    try:
        attrs["outcomes"] = [(str(code), str(label)) for code, label in outcomes]
    except (TypeError, ValueError) as exc:
        raise DefinitionError(f"表单 {form_key} 的 outcomes 须为 [代码, 名称] 列表") from exc
    codes = {code for code, _ in attrs["outcomes"]}
    comment_required = set(definition.get("comment_required_for") or [])
    if not comment_required <= codes:
        raise DefinitionError(f"表单 {form_key} 的 comment_required_for 含有未定义的处理结果")
    attrs["comment_required_for"] = frozenset(comment_required)
    attrs["comment_label"] = str(definition.get("comment_label") or "处理意见")
    dictionaries: dict[str, str] = {}
    people: dict[str, str] = {}
    required_for: dict[str, frozenset[str]] = {}
    readonly: set[str] = set()
    subjects: dict[str, str] = {}
    roles: set[str] = set()
    files: set[str] = set()
    seen: set[str] = set()
    for spec in definition.get("fields") or []:
        name, field = _field(form_key, spec)
        if name in seen:
            raise DefinitionError(f"表单 {form_key} 的字段 {name} 重复")
        seen.add(name)
        attrs[name] = field
        if spec.get("type") == "choice" and spec.get("dictionary"):
            dictionaries[name] = str(spec["dictionary"])
        if spec.get("type") == "user":
            people[name] = str(spec.get("candidates", DEFAULT_PEOPLE_SOURCE))
        if spec.get("type") in ("customer", "project"):
            subjects[name] = str(spec["type"])
        if spec.get("type") == "role":
            roles.add(name)
        if spec.get("type") == "file":
            files.add(name)
        if spec.get("required_for"):
            unknown = set(spec["required_for"]) - codes
            if unknown:
                raise DefinitionError(f"表单 {form_key} 的字段 {name} 的 required_for 含有未定义的处理结果")
            required_for[name] = frozenset(spec["required_for"])
        if spec.get("readonly"):
            readonly.add(name)
    attrs["dictionaries"] = dictionaries
    attrs["people"] = people
    attrs["required_for"] = required_for
    attrs["readonly_fields"] = frozenset(readonly)
    attrs["subject_fields"] = subjects
    attrs["role_fields"] = frozenset(roles)
    attrs["file_fields"] = frozenset(files)
    class_name = "TaskForm_" + re.sub(r"\W", "_", form_key)
    return type(class_name, (TaskForm,), attrs)


def _user_id(value: Any) -> int | None:
    """Coerce a person picker's value: "" is no one, anything else must be a user id."""
    if value in (None, ""):
        return None
    return int(value)


def coerce_initial(value: Any) -> Any:
    """Make a task-data value suitable as a form field's initial value."""
    if isinstance(value, Decimal | date | int | float | bool | str) or value is None:
        return value
    return str(value)
