"""The customer classification tree (客户分类): categories by materialised path, their labels, and keeping
the tree consistent (unique names per level, only empty categories deleted)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from app.customers.models import Customer, CustomerCategory
from app.database import DbSession
from app.errors import Conflict, ValidationFailed


def category_subtree(category_id: int) -> Select[Any]:
    """Select the ids of a category and everything below it."""
    path = select(CustomerCategory.path).where(CustomerCategory.id == category_id).scalar_subquery()
    return select(CustomerCategory.id).where(CustomerCategory.path.startswith(path))


def category_tree(session: DbSession) -> list[CustomerCategory]:
    """Return every category ordered depth-first for rendering as a tree."""
    return list(session.scalars(select(CustomerCategory).order_by(CustomerCategory.path)))


def create_category(session: DbSession, name: str, parent_id: int | None, sort: int = 0) -> CustomerCategory:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写分类名称")
    parent = session.get(CustomerCategory, parent_id) if parent_id else None
    if parent_id and parent is None:
        raise ValidationFailed("上级分类不存在")
    siblings = select(CustomerCategory.id).where(CustomerCategory.name == name,
                                                 CustomerCategory.parent_id.is_(None) if parent is None
                                                 else CustomerCategory.parent_id == parent.id)
    if session.scalar(siblings):
        raise Conflict(f"同一级下已有分类“{name}”")
    category = CustomerCategory(name=name[:50], parent=parent, sort=sort)
    session.add(category)
    session.flush()
    category.path = f"{parent.path if parent else '/'}{category.id}/"
    session.flush()
    return category


def rename_category(session: DbSession, category: CustomerCategory, name: str) -> None:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写分类名称")
    category.name = name[:50]
    session.flush()


def delete_category(session: DbSession, category: CustomerCategory) -> None:
    """Delete an empty category: no sub-categories and no customers in it."""
    if session.scalar(select(func.count()).where(CustomerCategory.parent_id == category.id)):
        raise Conflict("请先删除或移走下级分类")
    used = session.scalar(select(func.count()).where(Customer.category_id == category.id))
    if used:
        raise Conflict(f"该分类下还有 {used} 个客户，请先移动到其他分类")
    session.delete(category)
    session.flush()


def category_label(session: DbSession, category: CustomerCategory) -> str:
    """Return the full path label of a category, e.g. 个人客户 / 高净值."""
    ids = [int(part) for part in category.path.strip("/").split("/") if part]
    names = dict(session.execute(select(CustomerCategory.id, CustomerCategory.name)
                                 .where(CustomerCategory.id.in_(ids))).all())
    return " / ".join(names.get(i, "?") for i in ids)


def category_labels(session: DbSession) -> dict[int, str]:
    """Return id → full path label for every category (dropdowns, import template)."""
    rows = list(session.execute(select(CustomerCategory.id, CustomerCategory.name, CustomerCategory.path)))
    names = {row.id: row.name for row in rows}
    labels = {}
    for row in rows:
        ids = [int(part) for part in row.path.strip("/").split("/") if part]
        labels[row.id] = " / ".join(names.get(i, "?") for i in ids)
    return dict(sorted(labels.items(), key=lambda item: item[1]))
