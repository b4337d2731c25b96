"""Base-data dictionaries (基础数据): dropdown values declared by domains, editable by admins."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.admin.models import BaseDataItem, BaseDictionary
from app.database import DbSession


@dataclass(frozen=True)
class DictionarySpec:
    code: str
    name: str
    items: tuple[tuple[str, str], ...]
    description: str = ""


CATALOGUE: dict[str, DictionarySpec] = {}


def define(code: str, name: str, items: list[tuple[str, str]], description: str = "") -> str:
    """Declare a dictionary and its initial (code, label) items; returns the dictionary code."""
    CATALOGUE[code] = DictionarySpec(code, name, tuple(items), description)
    return code


USER_LEVEL = define("user_level", "员工层级", [("初级", "初级"), ("中级", "中级"), ("高级", "高级"), ("管理", "管理")])
USER_TIER = define("user_tier", "员工级别", [(f"P{i}", f"P{i}") for i in range(1, 6)] + [("M1", "M1"), ("M2", "M2")])


def items(session: DbSession, dict_code: str, include_inactive: bool = False) -> list[BaseDataItem]:
    """Return a dictionary's items in display order."""
    stmt = select(BaseDataItem).where(BaseDataItem.dict_code == dict_code)
    if not include_inactive:
        stmt = stmt.where(BaseDataItem.active.is_(True))
    return list(session.scalars(stmt.order_by(BaseDataItem.sort, BaseDataItem.id)))


def choices(session: DbSession, dict_code: str, blank: str | None = None) -> list[tuple[str, str]]:
    """Return (code, label) pairs for a WTForms SelectField."""
    pairs = [(item.code, item.label) for item in items(session, dict_code)]
    return ([("", blank)] if blank is not None else []) + pairs


def label(session: DbSession, dict_code: str, code: str) -> str:
    """Return an item's label, or the code itself when unknown."""
    item = session.scalar(select(BaseDataItem).where(BaseDataItem.dict_code == dict_code, BaseDataItem.code == code))
    return item.label if item else code


def sync_catalogue(session: DbSession) -> int:
    """Create dictionaries declared in code that are missing, with their initial items."""
    existing = set(session.scalars(select(BaseDictionary.code)))
    added = 0
    for spec in CATALOGUE.values():
        if spec.code in existing:
            continue
        dictionary = BaseDictionary(code=spec.code, name=spec.name, description=spec.description, builtin=True)
        dictionary.items = [BaseDataItem(code=c, label=lbl, sort=i) for i, (c, lbl) in enumerate(spec.items)]
        session.add(dictionary)
        added += 1
    session.flush()
    return added
