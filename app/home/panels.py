"""Home-page panels contributed by domains (待办, 预约提醒, 公告 …), each shown if the user may see it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Panel:
    title: str
    template: str
    context: Callable[[], dict[str, Any]]
    permission: str | None = None
    order: int = 100


PANELS: list[Panel] = []


def add(title: str, template: str, context: Callable[[], dict[str, Any]],
        permission: str | None = None, order: int = 100) -> None:
    """Declare a home-page panel rendered from ``template`` with ``context()``."""
    PANELS.append(Panel(title, template, context, permission, order))
