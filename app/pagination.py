"""A page of rows shaped like Flask-SQLAlchemy's pagination, for queries it cannot page well: multi-entity
selects (its paginate keeps only the first entity) and lists whose total is already known."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any

from flask import request


@dataclass
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def page_number() -> int:
    """The ``?page=`` argument, 1 when missing or malformed."""
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1
