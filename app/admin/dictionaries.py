"""Base-data dictionaries (基础数据): dropdown values declared by domains, editable by admins."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from app.admin import params
from app.admin.models import BaseDataItem, BaseDictionary
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed

DICTIONARY_CODE = re.compile(r"^[a-z][a-z0-9_]{1,49}$")


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


# --- maintenance (基础数据维护) ---------------------------------------------------------------------------
# Every change bumps the cache generation, exactly like 刷新系统缓存, so every process reloads.


def get_dictionary(session: DbSession, code: str) -> BaseDictionary:
    dictionary = session.get(BaseDictionary, code)
    if dictionary is None:
        raise NotFound("基础数据字典不存在")
    return dictionary


def get_item(session: DbSession, dictionary: BaseDictionary, item_id: int) -> BaseDataItem:
    item = session.get(BaseDataItem, item_id)
    if item is None or item.dict_code != dictionary.code:
        raise NotFound("基础数据项不存在")
    return item


def _clean(text: str, what: str, limit: int) -> str:
    text = text.strip()
    if not text:
        raise ValidationFailed(f"请填写{what}")
    if len(text) > limit:
        raise ValidationFailed(f"{what}不能超过 {limit} 个字符")
    return text


def create_dictionary(session: DbSession, code: str, name: str, description: str = "") -> BaseDictionary:
    """Add a custom dictionary (admins may define their own dropdown lists)."""
    code = code.strip()
    if not DICTIONARY_CODE.match(code):
        raise ValidationFailed("字典编码须以小写字母开头，只含小写字母、数字和下划线，2 到 50 个字符")
    if code in CATALOGUE or session.get(BaseDictionary, code) is not None:
        raise Conflict(f"字典编码 {code} 已存在")
    dictionary = BaseDictionary(code=code, name=_clean(name, "字典名称", 100), description=description.strip(),
                                builtin=False)
    session.add(dictionary)
    session.flush()
    params.bump_generation(session)
    return dictionary


def add_item(session: DbSession, dictionary: BaseDictionary, code: str, label: str) -> BaseDataItem:
    """Append an item at the end of a dictionary."""
    code = _clean(code, "数据项编码", 50)
    label = _clean(label, "显示名称", 100)
    if session.scalar(select(BaseDataItem.id).where(BaseDataItem.dict_code == dictionary.code,
                                                    BaseDataItem.code == code)):
        raise Conflict(f"编码 {code} 在“{dictionary.name}”中已存在")
    last = session.scalar(select(func.max(BaseDataItem.sort)).where(BaseDataItem.dict_code == dictionary.code))
    item = BaseDataItem(dict_code=dictionary.code, code=code, label=label, sort=(last if last is not None else -1) + 1)
    session.add(item)
    session.flush()
    params.bump_generation(session)
    return item


def update_item(session: DbSession, item: BaseDataItem, label: str) -> None:
    """Change an item's label; its code stays, because stored records refer to it."""
    item.label = _clean(label, "显示名称", 100)
    session.flush()
    params.bump_generation(session)


def move_item(session: DbSession, item: BaseDataItem, offset: int) -> None:
    """Move an item one place up (-1) or down (+1) in its dictionary's display order."""
    siblings = items(session, item.dict_code, include_inactive=True)
    index = siblings.index(item)
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(siblings):
        raise ValidationFailed("已经在最前面了" if offset < 0 else "已经在最后面了")
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings):
        if sibling.sort != position:
            sibling.sort = position
    session.flush()
    params.bump_generation(session)


def set_item_active(session: DbSession, item: BaseDataItem, active: bool) -> None:
    """Disable an item (it leaves dropdowns; stored records keep it) or enable it again."""
    if item.active == active:
        raise Conflict("该数据项已是" + ("启用" if active else "停用") + "状态")
    item.active = active
    session.flush()
    params.bump_generation(session)
