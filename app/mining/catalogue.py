"""What the condition editor offers (the field catalogue with choices in the editor's scope) and the Chinese
summary of a spec (e.g. "客户类型 属于 意向 且 最后有效跟进 早于 3 天前")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from app.admin.models import BaseDataItem
from app.auth.models import User, UserStatus
from app.customers.categories import category_labels
from app.database import DbSession
from app.mining.fields import CMP_LABELS, FIELDS, Field, Kind
from app.org import scope as data_scope
from app.org.models import Org
from app.org.scope import Scope
from rules import regions

Names = Callable[[Field, list[Any]], list[str]]


def _bound_text(bound: Any) -> str:
    if isinstance(bound, dict):
        return "当前时间" if bound["days_ago"] == 0 else f"{bound['days_ago']} 天前"
    return str(bound)


def _number_text(f: Field, value: Any) -> str:
    return f"{value:,}" if f.key == "trade_amount" else str(value)


def describe_item(item: dict[str, Any], names: Names) -> str:
    """Say one cleaned item in Chinese."""
    f, cmp, value = FIELDS[item["field"]], item["cmp"], item["value"]
    if cmp in ("empty", "not_empty"):
        return f"{f.label} {CMP_LABELS[cmp]}"
    if f.kind == Kind.BOOL:
        return f"{f.label} = {'是' if value else '否'}"
    if f.kind in (Kind.CHOICE, Kind.IDS, Kind.CODES):
        shown = names(f, value)
        if len(shown) == 1 and f.kind == Kind.CODES:
            return f"{f.label} {'=' if cmp == 'in' else '≠'} {shown[0]}"
        return f"{f.label} {CMP_LABELS[cmp]} {'、'.join(shown)}"
    unit = f" {f.unit}" if f.unit else ""
    if f.kind == Kind.RANGE:
        low, high = value["from"], value["to"]
        if low is not None and high is not None:
            return f"{f.label} 介于 {_number_text(f, low)} 至 {_number_text(f, high)}{unit}"
        if low is not None:
            return f"{f.label} ≥ {_number_text(f, low)}{unit}"
        return f"{f.label} ≤ {_number_text(f, high)}{unit}"
    if cmp == "between":
        start, end = value["from"], value["to"]
        if start is not None and end is not None:
            return f"{f.label} 介于 {_bound_text(start)} 至 {_bound_text(end)}"
        if start is not None:
            return f"{f.label} 自 {_bound_text(start)} 起"
        return f"{f.label} 截至 {_bound_text(end)}"
    return f"{f.label} {CMP_LABELS[cmp]} {_bound_text(value)}"


def collect_values(spec: dict[str, Any], wanted: dict[str, set[Any]] | None = None) -> dict[str, set[Any]]:
    """Gather, per field, every code and id a cleaned spec names."""
    wanted = {} if wanted is None else wanted
    for item in spec.get("items", []):
        if "items" in item:
            collect_values(item, wanted)
        elif isinstance(item["value"], list):
            wanted.setdefault(item["field"], set()).update(item["value"])
    return wanted


def value_names(session: DbSession, spec: dict[str, Any]) -> Names:
    """Look up, once per spec, the labels of every code and id the spec names."""
    wanted = collect_values(spec)
    labels: dict[str, dict[Any, str]] = {}
    for key, values in wanted.items():
        f = FIELDS[key]
        if f.options:
            labels[key] = dict(f.options)
        elif f.dictionary:
            labels[key] = dict(session.execute(select(BaseDataItem.code, BaseDataItem.label).where(
                BaseDataItem.dict_code == f.dictionary, BaseDataItem.code.in_(values))).all())
        elif key == "service_org":
            labels[key] = dict(session.execute(select(Org.id, Org.name).where(Org.id.in_(values))).all())
        elif key == "service_seat":
            labels[key] = dict(session.execute(select(User.id, User.name).where(User.id.in_(values))).all())
        elif key == "category":
            labels[key] = {k: v for k, v in category_labels(session).items() if k in values}
        elif key == "id_city":
            labels[key] = {v: regions.city_label(v) for v in values}
        elif key == "phone_area":
            labels[key] = {v: regions.area_label(v) for v in values}

    def names(f: Field, values: list[Any]) -> list[str]:
        known = labels.get(f.key)
        if known is None:
            return [str(v) for v in values]
        return [known.get(v, f"{v}（已删除）" if f.kind == Kind.IDS else str(v)) for v in values]

    return names


def _describe_group(group: dict[str, Any], names: Names, nested: bool) -> str:
    joiner = " 且 " if group["op"] == "and" else " 或 "
    parts = [_describe_group(item, names, True) if "items" in item else describe_item(item, names)
             for item in group["items"]]
    text = joiner.join(parts)
    return f"（{text}）" if nested and len(parts) > 1 else text


def describe_spec(session: DbSession, spec: dict[str, Any]) -> str:
    """Say a cleaned spec in Chinese."""
    return _describe_group(spec, value_names(session, spec), nested=False)


# --- the editor's catalogue -----------------------------------------------------------------------------


def _record_options(session: DbSession, f: Field, scope: Scope) -> list[tuple[Any, str]]:
    if f.key == "category":
        return list(category_labels(session).items())
    if f.key == "service_org":
        orgs = session.scalars(data_scope.apply(select(Org), scope, Org.id).order_by(Org.path))
        return [(org.id, "　" * max(0, org.depth) + org.name) for org in orgs]
    seats = session.scalars(data_scope.apply(select(User).where(User.status == UserStatus.ACTIVE), scope,
                                             User.org_id, User.id).order_by(User.org_id, User.name))
    return [(seat.id, seat.name) for seat in seats]


def catalogue(session: DbSession, scope: Scope) -> list[dict[str, Any]]:
    """Describe every field for the editor: label, group, comparisons and the choices it may offer."""
    fields = []
    for f in FIELDS.values():
        if f.options:
            options: list[tuple[Any, str]] = list(f.options)
        elif f.dictionary:
            options = list(session.execute(select(BaseDataItem.code, BaseDataItem.label).where(
                BaseDataItem.dict_code == f.dictionary).order_by(BaseDataItem.sort, BaseDataItem.id)).all())
        elif f.kind == Kind.IDS:
            options = _record_options(session, f, scope)
        else:
            options = []
        fields.append({"key": f.key, "label": f.label, "group": f.group, "kind": f.kind.value, "unit": f.unit,
                       "integer": f.integer, "hint": f.code_hint,
                       "cmps": [[cmp, CMP_LABELS[cmp]] for cmp in f.cmps],
                       "options": [[code, label] for code, label in options]})
    return fields
