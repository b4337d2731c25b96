"""The knowledge category tree (知识分类维护): create, rename, move, reorder, deactivate, delete when empty."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.kb.models import KbArticle, KbCategory

NAME_MAX = 100


@dataclass(frozen=True)
class TreeRow:
    category: KbCategory
    depth: int
    path: str  # 产品知识 / 固收类
    articles: int


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写分类名称")
    if len(name) > NAME_MAX:
        raise ValidationFailed(f"分类名称不能超过 {NAME_MAX} 个字")
    return name


def get(session: DbSession, category_id: int) -> KbCategory:
    category = session.get(KbCategory, category_id)
    if category is None:
        raise NotFound("知识分类不存在")
    return category


def _check_parent(session: DbSession, category: KbCategory | None, parent_id: int | None) -> None:
    if parent_id is None:
        return
    parent: KbCategory | None = get(session, parent_id)
    while parent is not None:
        if category is not None and parent.id == category.id:
            raise ValidationFailed("不能把分类移到它自己或它的下级分类之下")
        parent = parent.parent


def _check_unique(session: DbSession, name: str, parent_id: int | None, own_id: int | None) -> None:
    same_parent = KbCategory.parent_id.is_(None) if parent_id is None else KbCategory.parent_id == parent_id
    clash = session.scalar(select(KbCategory.id).where(KbCategory.name == name, same_parent))
    if clash is not None and clash != own_id:
        raise ValidationFailed(f"同一上级分类下已有名为“{name}”的分类")


def create(session: DbSession, *, name: str, parent_id: int | None, sort_order: int = 0) -> KbCategory:
    """A new active category under ``parent_id`` (None: a top-level one)."""
    name = _name(name)
    _check_parent(session, None, parent_id)
    _check_unique(session, name, parent_id, None)
    category = KbCategory(name=name, parent_id=parent_id, sort_order=sort_order, active=True)
    session.add(category)
    session.flush()
    return category


def update(session: DbSession, category: KbCategory, *, name: str, parent_id: int | None, sort_order: int,
           active: bool) -> None:
    """Rename, move, reorder or (de)activate a category; an inactive one takes no new articles."""
    name = _name(name)
    _check_parent(session, category, parent_id)
    _check_unique(session, name, parent_id, category.id)
    category.name, category.parent_id, category.sort_order, category.active = name, parent_id, sort_order, active
    session.flush()


def delete(session: DbSession, category: KbCategory) -> None:
    """Delete an empty category; one with articles or sub-categories is refused (deactivate it instead)."""
    if session.scalar(select(func.count()).select_from(KbArticle).where(KbArticle.category_id == category.id)):
        raise Conflict(f"分类“{category.name}”下还有知识，不能删除；可改为停用", code="category_in_use")
    if session.scalar(select(func.count()).select_from(KbCategory).where(KbCategory.parent_id == category.id)):
        raise Conflict(f"分类“{category.name}”下还有子分类，不能删除", code="category_in_use")
    session.delete(category)
    session.flush()


def tree(session: DbSession, active_only: bool = False) -> list[TreeRow]:
    """Every category depth-first in display order, with its full path and its number of articles."""
    rows = list(session.scalars(select(KbCategory).order_by(KbCategory.sort_order, KbCategory.name)))
    counts = dict(session.execute(select(KbArticle.category_id, func.count()).group_by(KbArticle.category_id)).all())
    children: dict[int | None, list[KbCategory]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    result: list[TreeRow] = []

    def walk(parent_id: int | None, depth: int, prefix: str) -> None:
        for category in children.get(parent_id, []):
            if active_only and not category.active:
                continue
            path = f"{prefix} / {category.name}" if prefix else category.name
            result.append(TreeRow(category, depth, path, int(counts.get(category.id, 0))))
            walk(category.id, depth + 1, path)

    walk(None, 0, "")
    return result


def choices(session: DbSession) -> list[tuple[int, str]]:
    """(id, full path) of the active categories, for a select."""
    return [(row.category.id, row.path) for row in tree(session, active_only=True)]


def subtree_ids(rows: list[TreeRow], category_id: int) -> list[int]:
    """The category and all its descendants, from a :func:`tree` listing (depth-first, so descendants follow)."""
    ids: list[int] = []
    depth = None
    for row in rows:
        if depth is not None and row.depth <= depth:
            break
        if row.category.id == category_id:
            depth = row.depth
        if depth is not None:
            ids.append(row.category.id)
    return ids
