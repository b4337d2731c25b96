"""Codes to Chinese labels, in one place: what a user sees is a label, never a code.

Two sources feed the one map:

- enums whose members carry their label (:class:`LabelledStrEnum`): ``PERSONAL = "personal", "个人信息池"``;
  ``member.label`` is the label, and ``{{ member|label }}`` shows it;
- vocabularies for codes that are not enums (task outcomes, role codes, process keys, audit actions …), each
  registered once by the domain that owns the codes: ``register("outcome", lambda: {...})``. A vocabulary is a
  function, so one read from the database (role names, process names) stays current.

Templates use the ``label`` filter: ``{{ task.outcome|label('outcome') }}``. A code no vocabulary knows is
shown as it is, so a new code shows up (and the no-codes browser walk catches it) instead of vanishing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import has_request_context, request

from rules.labelled_enum import LabelledStrEnum

__all__ = ["LabelledStrEnum", "codes_for", "label", "register", "register_enum", "vocabulary"]


Vocabulary = Callable[[], Mapping[str, str]]
_vocabularies: dict[str, Vocabulary] = {}


def register(name: str, vocabulary: Vocabulary | Mapping[str, str]) -> None:
    """Declare the labels of one vocabulary of codes (a mapping, or a function returning one)."""
    if isinstance(vocabulary, Mapping):
        fixed = dict(vocabulary)
        _vocabularies[name] = lambda: fixed
    else:
        _vocabularies[name] = vocabulary


def register_enum(name: str, enum: type[LabelledStrEnum]) -> None:
    """Declare a labelled enum as the vocabulary of a text column that stores its values."""
    register(name, {member.value: member.label for member in enum})


def vocabulary(name: str) -> Mapping[str, str]:
    """All labels of one vocabulary (code → label), e.g. for a filter's select box; read once per request."""
    if not has_request_context():
        return _vocabularies[name]()
    # Kept in the request's environ, not in g: g can outlive a request (an app context pushed around several).
    cache: dict[str, Mapping[str, str]] = request.environ.setdefault("licaiflow.label_vocabularies", {})
    if name not in cache:
        cache[name] = _vocabularies[name]()
    return cache[name]


def label(code: Any, name: str = "") -> str:
    """The Chinese label of ``code``: a labelled enum member's own label, else the vocabulary's entry."""
    if code is None or code == "":
        return ""
    if isinstance(code, LabelledStrEnum):
        return code.label
    if not name:
        return str(code)
    return vocabulary(name).get(str(code), str(code))


def codes_for(name: str, text: str) -> list[str]:
    """The codes whose label (or code) contains ``text``: a filter typed in Chinese finds the codes."""
    needle = text.strip().lower()
    return [code for code, title in vocabulary(name).items() if needle in title.lower() or needle in code.lower()]
