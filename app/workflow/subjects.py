"""What a task is about: each domain registers how to summarise its business objects by key prefix.

``register("trade", summarise)`` where ``summarise(session, "42")`` returns a :class:`Subject` (or
None) for business key ``trade:42``. The task page shows it above the form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from app.database import DbSession


@dataclass(frozen=True)
class Subject:
    title: str
    url: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)


Summariser = Callable[[DbSession, str], Subject | None]
_summarisers: dict[str, Summariser] = {}


def register(prefix: str, summariser: Summariser) -> None:
    _summarisers[prefix] = summariser


def summarise(session: DbSession, business_key: str) -> Subject | None:
    prefix, _, ident = business_key.partition(":")
    summariser = _summarisers.get(prefix)
    return summariser(session, ident) if summariser and ident else None


def names_domain_object(business_key: str) -> bool:
    """Tell whether a business key names a domain object (``trade:42``) whose summary the task page shows."""
    prefix, _, ident = business_key.partition(":")
    return bool(ident) and prefix in _summarisers
