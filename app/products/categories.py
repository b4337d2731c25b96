"""Project category tree (项目分类维护): create a child, rename, delete when empty."""

from __future__ import annotations

from sqlalchemy import func, select

from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.products.models import Project, ProjectCategory

MAX_DEPTH = 5


def get_category(session: DbSession, category_id: int) -> ProjectCategory:
    category = session.get(ProjectCategory, category_id)
    if category is None:
        raise NotFound("项目分类不存在")
    return category


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationFailed("请填写分类名称")
    if len(name) > 100:
        raise ValidationFailed("分类名称不能超过 100 字")
    return name


def _check_unique(session: DbSession, parent_id: int | None, name: str, exclude: int | None = None) -> None:
    stmt = select(ProjectCategory.id).where(ProjectCategory.name == name)
    stmt = stmt.where(ProjectCategory.parent_id == parent_id if parent_id else ProjectCategory.parent_id.is_(None))
    if exclude is not None:
        stmt = stmt.where(ProjectCategory.id != exclude)
    if session.scalar(stmt) is not None:
        raise Conflict(f"同一上级下已有名为“{name}”的分类")


def create_category(session: DbSession, name: str, parent_id: int | None = None) -> ProjectCategory:
    """Create a category at the top or under ``parent_id``."""
    name = _clean_name(name)
    parent = get_category(session, parent_id) if parent_id else None
    if parent is not None and parent.depth + 1 >= MAX_DEPTH:
        raise ValidationFailed(f"分类最多 {MAX_DEPTH} 级")
    _check_unique(session, parent_id, name)
    sort = (session.scalar(select(func.max(ProjectCategory.sort)).where(
        ProjectCategory.parent_id == parent_id if parent_id else ProjectCategory.parent_id.is_(None))) or 0) + 1
    category = ProjectCategory(name=name, parent=parent, sort=sort)
    session.add(category)
    session.flush()
    category.path = f"{parent.path if parent else '/'}{category.id}/"
    session.flush()
    return category


def rename_category(session: DbSession, category: ProjectCategory, name: str) -> None:
    name = _clean_name(name)
    _check_unique(session, category.parent_id, name, exclude=category.id)
    category.name = name
    session.flush()


def delete_category(session: DbSession, category: ProjectCategory) -> None:
    """Delete a category that has no child categories and no projects."""
    if session.scalar(select(func.count()).select_from(ProjectCategory)
                      .where(ProjectCategory.parent_id == category.id)):
        raise Conflict(f"分类“{category.name}”下还有子分类，不能删除")
    projects = session.scalar(select(func.count()).select_from(Project).where(Project.category_id == category.id))
    if projects:
        raise Conflict(f"分类“{category.name}”下还有 {projects} 个项目，不能删除")
    session.delete(category)
    session.flush()


def category_tree(session: DbSession) -> list[ProjectCategory]:
    """Every category ordered depth-first, for rendering as an indented tree."""
    rows = list(session.scalars(select(ProjectCategory)))
    by_parent: dict[int | None, list[ProjectCategory]] = {}
    for row in rows:
        by_parent.setdefault(row.parent_id, []).append(row)
    ordered: list[ProjectCategory] = []

    def walk(parent_id: int | None) -> None:
        for node in sorted(by_parent.get(parent_id, []), key=lambda c: (c.sort, c.id)):
            ordered.append(node)
            walk(node.id)

    walk(None)
    return ordered


def subtree_ids(session: DbSession, category: ProjectCategory) -> list[int]:
    """Ids of a category and everything below it (searching projects by category)."""
    return list(session.scalars(select(ProjectCategory.id).where(ProjectCategory.path.startswith(category.path))))


def project_counts(session: DbSession) -> dict[int, int]:
    return dict(session.execute(select(Project.category_id, func.count()).group_by(Project.category_id)).all())
