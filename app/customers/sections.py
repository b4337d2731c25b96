"""Sections of the customer 360 page (客户 360) contributed by domains.

The page shows basic information, phones and addresses itself; every other block — follow-ups,
appointments, pool history, and later trades and process instances — is a section a domain adds::

    sections.add("trades", "交易记录", "trades/_customer_section.html", trades_for_customer,
                 permission=TRADES_VIEW, order=40)

``context(session, customer)`` returns the template variables; the template is included with
them plus ``customer``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.customers.models import Customer
from app.database import DbSession

SectionContext = Callable[[DbSession, Customer], dict[str, Any]]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    template: str
    context: SectionContext
    permission: str | None = None
    order: int = 100


SECTIONS: dict[str, Section] = {}


def add(key: str, title: str, template: str, context: SectionContext, permission: str | None = None,
        order: int = 100) -> None:
    """Declare a 客户 360 section (re-declaring a key replaces it)."""
    SECTIONS[key] = Section(key, title, template, context, permission, order)


def visible(held: frozenset[str]) -> list[Section]:
    """Return the sections a user holding these permission codes may see, in page order."""
    return sorted((s for s in SECTIONS.values() if s.permission is None or s.permission in held),
                  key=lambda s: (s.order, s.key))
