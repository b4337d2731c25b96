"""Task-form fields whose value names a stored object: a customer, a project, an uploaded file; and static text.

The value posted by the browser is only an id. It is accepted when the lookup the form was prepared with
(:meth:`forms.task_forms.TaskForm.prepare`) finds the object for the user filling the form in: a customer in
their data scope, a project they may pick, a file they uploaded for this form. Without a lookup every id is
refused. The lookup's answer is the object's display name, shown instead of the id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markupsafe import Markup
from wtforms.fields import Field
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import Input

Lookup = Callable[[int], str | None]


class IdInput(Input):
    """The hidden input holding the chosen id; not a HiddenInput, so ``hidden_tag()`` leaves it to the widget."""

    input_type = "hidden"
    validation_attrs: list[str] = []


class ReferenceField(Field):
    """An id of a business object, chosen with a search widget (never a list of every object)."""

    widget = IdInput()
    kind = "reference"
    refused = "所选对象不存在或您无权选择"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lookup: Lookup | None = None
        self.upload_error = ""  # why a file posted for this field was refused (set by the route)
        self._display: dict[int, str | None] = {}

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = str(valuelist[-1]).strip() if valuelist else ""
        if not raw:
            self.data = None
            return
        try:
            self.data = int(raw)
        except ValueError as exc:
            self.data = None
            raise ValueError(f"{self.label.text}：{self.refused}") from exc

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)

    def display(self) -> str:
        """The chosen object's name ("" when nothing is chosen)."""
        if self.data is None:
            return ""
        ident = int(self.data)
        if ident not in self._display:
            self._display[ident] = self.lookup(ident) if self.lookup else None
        return self._display[ident] or "（无权查看）"

    def pre_validate(self, form: Any) -> None:
        if self.upload_error:  # the refused file is the only thing to say (not "请填写")
            raise StopValidation(self.upload_error)
        if self.data is None:
            return
        ident = int(self.data)
        name = self.lookup(ident) if self.lookup else None
        self._display[ident] = name
        if name is None:
            raise ValidationError(f"{self.label.text}：{self.refused}")


class CustomerField(ReferenceField):
    kind = "customer"
    refused = "所选客户不存在或不在您的数据范围内"


class ProjectField(ReferenceField):
    kind = "project"
    refused = "所选理财项目不存在或不可选择"


class FileField(ReferenceField):
    """An uploaded attachment: the page posts the file; the route stores it and puts its id in the form data."""

    kind = "file"
    refused = "附件不存在，或不是您为此表单上传的文件，请重新上传"

    def __init__(self, *args: Any, accept: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.accept = accept


class StaticTextWidget:
    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        paragraphs = [Markup("<br>").join(p.split("\n")) for p in str(field.text).split("\n\n") if p.strip()]
        return Markup("").join(Markup('<p class="mb-1">{}</p>').format(p) for p in paragraphs)


class StaticTextField(Field):
    """Text shown to the user (a form-js ``text`` component): no input, never written to task data."""

    widget = StaticTextWidget()

    def __init__(self, *args: Any, text: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.text = text

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
