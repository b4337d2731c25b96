"""The base form every screen form derives from, and the one way to turn form errors into a message."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

from flask import current_app, has_request_context
from flask_wtf import FlaskForm
from wtforms.meta import DefaultMeta

from app.api.auth import is_api_request


class Form(FlaskForm):
    """A CSRF-protected form whose built-in WTForms messages ("不是有效的整数。") are in Chinese."""

    class Meta:
        locales = ("zh",)

        @cached_property
        def csrf(self) -> bool:
            # CSRF guards a browser's cookies. The JSON API is authenticated by a Bearer token, never by cookies
            # (app.api.auth), so a forged cross-site request carries no credentials and its forms need no token, as
            # the API blueprint is exempt; a form built outside any request (a job, the CLI) has no browser at all.
            enabled = bool(current_app.config.get("WTF_CSRF_ENABLED", True))
            return enabled and has_request_context() and not is_api_request()

        def get_translations(self, form: Any) -> Any:
            # Flask-WTF only translates through Flask-Babel; until the app has it, use WTForms' own catalogue.
            return DefaultMeta.get_translations(self, form)


def all_errors(form: FlaskForm) -> list[str]:
    """Return every validation error, each prefixed with its field's label, as messages for the user."""
    messages = []
    for name, errors in form.errors.items():
        field = form[name] if name in form else None
        for error in errors:
            message = str(error)
            if field is None or field.type == "CSRFTokenField" or field.label.text in message:
                messages.append(message)
            else:
                messages.append(f"{field.label.text}：{message}")
    return messages


def first_error(form: FlaskForm) -> str:
    """Return the first validation error, prefixed with its field's label, as a message for the user."""
    return next(iter(all_errors(form)), "提交的数据有误")


def fixed_choices(pairs: Iterable[tuple[str, str]]) -> Callable[[], list[tuple[str, str]]]:
    """Declare a SelectField's or RadioField's fixed (value, label) choices.

    WTForms 3.3 warns about tuple choices given at declaration (its SelectChoice does not exist in 3.1–3.2,
    which setup.cfg allows); choices given as a callable, or assigned at run time, work on every version.
    """
    frozen = list(pairs)
    return lambda: list(frozen)
