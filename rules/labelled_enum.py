"""The enum that carries its own Chinese label (used by app.labels' code-to-label map); no Flask here."""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class LabelledStrEnum(StrEnum):
    """A StrEnum whose members carry their Chinese label: ``DRAFT = "draft", "草稿"``."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs in declaration order, for select boxes."""
        return [(member.value, member.label) for member in cls]

    @classmethod
    def labels(cls) -> dict[Self, str]:
        """member → label for every member (a StrEnum member also finds its entry by its plain value)."""
        return {member: member.label for member in cls}
