"""WTForms for screens (one module per domain) and the registry that resolves BPMN task form keys."""

from typing import Any

from flask_wtf import FlaskForm
from wtforms.meta import DefaultMeta


class Form(FlaskForm):
    """A FlaskForm whose built-in messages ("不是有效的选择" …) are Chinese without Flask-Babel set up."""

    class Meta:
        locales = ("zh",)

        def get_translations(self, form: Any) -> Any:
            return DefaultMeta.get_translations(self, form)


def first_error(form: Any) -> str:
    """Return the first validation message of a form, for a refused POST's flash message."""
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return "提交的数据有误"
