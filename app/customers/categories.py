"""The customer classification tree (客户分类): categories by materialised path, their labels, counts that
include the sub-classes, and keeping the tree consistent (unique names per level, moves without cycles, only
empty categories deleted)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal, select, update

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
    _check_unique(session, name, parent)
    category = CustomerCategory(name=name[:50], parent=parent, sort=sort)
    session.add(category)
    session.flush()
    category.path = f"{parent.path if parent else '/'}{category.id}/"
    session.flush()
    return category


def _check_unique(session: DbSession, name: str, parent: CustomerCategory | None, exclude_id: int = 0) -> None:
    siblings = select(CustomerCategory.id).where(CustomerCategory.name == name, CustomerCategory.id != exclude_id,
                                                 CustomerCategory.parent_id.is_(None) if parent is None
                                                 else CustomerCategory.parent_id == parent.id)
    if session.scalar(siblings):
        raise Conflict(f"同一级下已有分类“{name}”")


def move_category(session: DbSession, category: CustomerCategory, parent_id: int | None) -> None:
    """Move a category (with everything below it) under another parent, or to the top level; no cycles."""
    parent = session.get(CustomerCategory, parent_id) if parent_id else None
    if parent_id and parent is None:
        raise ValidationFailed("上级分类不存在")
    if parent is not None and parent.path.startswith(category.path):
        raise ValidationFailed(f"不能把分类“{category.name}”移到它自己或它的下级分类“{parent.name}”之下")
    if (parent.id if parent else None) == category.parent_id:
        return
    _check_unique(session, category.name, parent, exclude_id=category.id)
    old_path = category.path
    new_path = f"{parent.path if parent else '/'}{category.id}/"
    session.execute(
        update(CustomerCategory).where(CustomerCategory.path.startswith(old_path))
        .values(path=literal(new_path) + func.substr(CustomerCategory.path, len(old_path) + 1)),
        execution_options={"synchronize_session": False})
    category.parent_id = parent.id if parent else None
    session.flush()
    session.expire_all()


def subtree_counts(direct: dict[int | None, int], tree: list[CustomerCategory]) -> dict[int, int]:
    """Customers per category counting every sub-class's too, from the customers per category itself."""
    totals = {c.id: 0 for c in tree}
    for category in tree:
        for ancestor in category.path.strip("/").split("/"):
            if ancestor and int(ancestor) in totals:
                totals[int(ancestor)] += direct.get(category.id, 0)
    return totals


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
