"""Filters several reports share: an org (and its subtree), a seat, a project, a code from a label map."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, func, select

from app.admin import dictionaries
from app.admin.models import BaseDataItem
from app.org.models import Org
from app.performance import seats as visible
from app.products.models import Project
from app.reports.framework import Context, Filter


def org_filter(column: Any, label: str = "部门") -> Filter:
    """Rows whose ``column`` is the chosen org or below it; only orgs in the viewer's scope are offered."""
    def options(ctx: Context) -> list[tuple[str, str]]:
        return [(str(org.id), org.name) for org in visible.orgs(ctx.session, ctx.viewer, ctx.permission)]

    def apply(stmt: Select[Any], value: str, ctx: Context) -> Select[Any]:
        path = ctx.session.scalar(select(Org.path).where(Org.id == int(value)))
        return stmt.where(column.in_(select(Org.id).where(Org.path.startswith(path or "-"))))

    return Filter("org", label, options, apply, scoped=True)


def seat_filter(column: Any, label: str = "坐席") -> Filter:
    """Rows of one seat among the active seats in the viewer's scope."""
    def options(ctx: Context) -> list[tuple[str, str]]:
        return [(str(seat.id), f"{seat.name}（{seat.work_no}）")
                for seat in visible.seats(ctx.session, ctx.viewer, ctx.permission)]

    return Filter("seat", label, options, lambda stmt, value, _ctx: stmt.where(column == int(value)), scoped=True)


def project_filter(column: Any) -> Filter:
    def options(ctx: Context) -> list[tuple[str, str]]:
        return [(str(row.id), row.name) for row in ctx.session.execute(select(Project.id, Project.name)
                                                                        .order_by(Project.name))]

    return Filter("project", "项目", options, lambda stmt, value, _ctx: stmt.where(column == int(value)))


def code_filter(name: str, label: str, labels: Mapping[Any, str], column: Any) -> Filter:
    """Rows whose ``column`` holds one code of a label map (an enum's labels, a dictionary)."""
    choices = [(str(code), text) for code, text in labels.items()]
    return Filter(name, label, lambda _ctx: choices, lambda stmt, value, _ctx: stmt.where(column == value))


def dictionary_filter(name: str, label: str, dictionary: str, column: Any) -> Filter:
    """Rows whose ``column`` holds one entry of a base-data dictionary (客户来源, 跟进结果, 收益类型)."""
    return Filter(name, label, lambda ctx: dictionaries.choices(ctx.session, dictionary),
                  lambda stmt, value, _ctx: stmt.where(column == value))


def dictionary_names(dictionary: str) -> Any:
    """Group names from a base-data dictionary (codes no longer in it show as they are)."""
    def names(ctx: Context, keys: list[tuple[Any, ...]]) -> list[str]:
        labels = {item.code: item.label for item in dictionaries.items(ctx.session, dictionary, include_inactive=True)}
        return [labels.get(key[0], str(key[0])) if key[0] else "（未填）" for key in keys]
    return names


def dictionary_label(dictionary: str, column: Any) -> Any:
    """SQL: the dictionary label of the code in ``column`` (the code itself when unknown), for detail columns."""
    found = (select(BaseDataItem.label).where(BaseDataItem.dict_code == dictionary, BaseDataItem.code == column)
             .scalar_subquery())
    return func.coalesce(found, column)
