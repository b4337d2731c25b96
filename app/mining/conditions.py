"""The one condition engine (挖掘条件) of data mining: mining tasks, distribution rules, recovery and work
tasks all select customers through it.

A spec is JSON: ``{"op": "and"|"or", "items": [item | group, ...]}`` where an item is
``{"field": "type", "cmp": "in", "value": ["intent"]}`` (fields and values: app.mining.fields).
:func:`validate` cleans it or refuses in Chinese; :func:`matches` compiles it to ONE WHERE over
``customer``; :func:`customer_ids` adds the data scope. Nothing loops over customers in Python.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from app import clock
from app.admin.models import BaseDataItem
from app.auth.models import User
from app.customers.models import Customer, CustomerCategory
from app.database import DbSession
from app.errors import Conflict, ValidationFailed
from app.mining.catalogue import collect_values, describe_item, describe_spec
from app.mining.fields import FIELDS, Compiler, Field, Kind, clean_value, compile_item, moment
from app.mining.models import MiningCondition
from app.mining.rule_models import DistributionRule
from app.mining.task_models import MiningTask
from app.org import scope as data_scope
from app.org.models import Org
from app.org.scope import Scope
from rules import phones as phone_rules

MAX_DEPTH = 5
MAX_ITEMS = 100
EMPTY = "请至少添加一个条件"


# --- validate -------------------------------------------------------------------------------------------


def _clean_group(raw: Any, depth: int, counter: list[int]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValidationFailed("条件格式不正确：条件组应为对象")
    op = raw.get("op", "and")
    if op not in ("and", "or"):
        raise ValidationFailed("条件组的关系应为“且”（and）或“或”（or）")
    items = raw.get("items")
    if not isinstance(items, list):
        raise ValidationFailed("条件格式不正确：条件组缺少 items 列表")
    if not items:
        raise ValidationFailed(EMPTY if depth == 0 else "条件组不能为空：请在组内添加条件，或删除该组")
    if depth >= MAX_DEPTH:
        raise ValidationFailed(f"条件组最多嵌套 {MAX_DEPTH} 层")
    cleaned = []
    for item in items:
        if isinstance(item, dict) and "items" in item:
            cleaned.append(_clean_group(item, depth + 1, counter))
        else:
            cleaned.append(_clean_item(item))
            counter[0] += 1
            if counter[0] > MAX_ITEMS:
                raise ValidationFailed(f"条件太多（最多 {MAX_ITEMS} 个）")
    group = {"op": op, "items": cleaned}
    _refuse_contradictions(group)
    return group


def _clean_item(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValidationFailed("条件格式不正确：每个条件应为对象")
    key = raw.get("field")
    f = FIELDS.get(key) if isinstance(key, str) else None
    if f is None:
        raise ValidationFailed(f"未知的条件字段：{key}")
    cmp = raw.get("cmp", f.cmps[0])
    if cmp not in f.cmps:
        raise ValidationFailed(f"条件“{f.label}”不支持比较方式“{cmp}”")
    return {"field": f.key, "cmp": cmp, "value": clean_value(f, cmp, raw.get("value"))}


def _no_names(f: Field, values: list[Any]) -> list[str]:
    return [str(v) for v in values]


def _contradiction(*items: dict[str, Any]) -> ValidationFailed:
    return ValidationFailed("条件互相矛盾：" + " 与 ".join(describe_item(i, _no_names) for i in items))


def _refuse_contradictions(group: dict[str, Any]) -> None:
    """Refuse ranges that cannot both hold: 年龄 60 至 30, or created after X and before an earlier Y."""
    now = clock.now()
    leaves = [item for item in group["items"] if "items" not in item]
    for item in leaves:
        value, f = item["value"], FIELDS[item["field"]]
        if f.kind == Kind.RANGE and None not in (value["from"], value["to"]) and value["from"] > value["to"]:
            raise _contradiction(item)
        if f.kind == Kind.DATE and item["cmp"] == "between" and None not in (value["from"], value["to"]):
            if _dates_clash(item, item, now):
                raise _contradiction(item)
    if group["op"] != "and":
        return
    by_field: dict[str, list[dict[str, Any]]] = {}
    for item in leaves:
        by_field.setdefault(item["field"], []).append(item)
    for key, items in by_field.items():
        kind = FIELDS[key].kind
        for first, second in ((a, b) for i, a in enumerate(items) for b in items[i + 1:]):
            if kind == Kind.RANGE and _ranges_clash(first["value"], second["value"]):
                raise _contradiction(first, second)
            if kind == Kind.DATE and _dates_clash(first, second, now):
                raise _contradiction(first, second)
            if kind == Kind.BOOL and first["value"] != second["value"]:
                raise _contradiction(first, second)
            if {first["cmp"], second["cmp"]} == {"empty", "not_empty"}:
                raise _contradiction(first, second)
            if (kind == Kind.CHOICE and first["cmp"] == second["cmp"] == "in"
                    and not set(first["value"]) & set(second["value"])):
                raise _contradiction(first, second)


def _ranges_clash(a: dict[str, Any], b: dict[str, Any]) -> bool:
    lows = [v for v in (a["from"], b["from"]) if v is not None]
    highs = [v for v in (a["to"], b["to"]) if v is not None]
    return bool(lows and highs) and max(lows) > min(highs)


def _lower(item: dict[str, Any], now: datetime) -> datetime | None:
    value = item["value"]
    if item["cmp"] == "after":
        return moment(value, now)
    if item["cmp"] == "between" and value["from"] is not None:
        return moment(value["from"], now)
    return None


def _upper(item: dict[str, Any], now: datetime) -> tuple[datetime, bool] | tuple[None, bool]:
    """The latest moment an item allows and whether that moment itself is allowed."""
    value = item["value"]
    if item["cmp"] == "before":
        return moment(value, now), False
    if item["cmp"] == "between" and value["to"] is not None:
        end = value["to"]
        return (moment(end, now), True) if isinstance(end, dict) else (moment(end, now, end_of_day=True), False)
    return None, False


def _dates_clash(a: dict[str, Any], b: dict[str, Any], now: datetime) -> bool:
    for low_item, high_item in ((a, b), (b, a)):
        low, (high, inclusive) = _lower(low_item, now), _upper(high_item, now)
        if low is not None and high is not None and (low > high or (low == high and not inclusive)):
            return True
    return False


def _refuse_unknown_records(session: DbSession, spec: dict[str, Any]) -> None:
    wanted = collect_values(spec)
    lookups = {"category": CustomerCategory.id, "service_org": Org.id, "service_seat": User.id}
    for key, values in wanted.items():
        f = FIELDS[key]
        if key in lookups:
            column = lookups[key]
            found = set(session.scalars(select(column).where(column.in_(values))))
        elif f.dictionary:
            found = set(session.scalars(select(BaseDataItem.code).where(BaseDataItem.dict_code == f.dictionary,
                                                                        BaseDataItem.code.in_(values))))
        else:
            continue
        missing = sorted(values - found, key=str)
        if missing:
            raise ValidationFailed(f"条件“{f.label}”中的“{missing[0]}”不存在")


def validate(session: DbSession, spec: Any) -> dict[str, Any]:
    """Return the cleaned spec, or raise ValidationFailed with a Chinese message saying what is wrong."""
    if spec is None or spec == {} or spec == "":
        raise ValidationFailed(EMPTY)
    cleaned = _clean_group(spec, 0, [0])
    _refuse_unknown_records(session, cleaned)
    return cleaned


# --- compile and count ----------------------------------------------------------------------------------


def _compile(group: dict[str, Any], c: Compiler) -> ColumnElement[bool]:
    parts = [_compile(item, c) if "items" in item else compile_item(item, c) for item in group["items"]]
    return and_(*parts) if group["op"] == "and" else or_(*parts)


def matches(session: DbSession, spec: dict[str, Any], now: datetime) -> ColumnElement[bool]:
    """Compile a spec (validated here) to one WHERE expression over Customer; "N 天前" counts back from ``now``."""
    return _compile(validate(session, spec), Compiler(session, now))


def in_scope(scope: Scope) -> ColumnElement[bool]:
    """The customers a data scope covers: by service org, and the seat's own customers."""
    return data_scope.org_condition(scope, Customer.service_org_id, Customer.service_seat_id)


def customer_ids(session: DbSession, spec: dict[str, Any], scope: Scope, now: datetime) -> Select[Any]:
    """SELECT the ids of the customers in ``scope`` that match the spec."""
    return select(Customer.id).where(matches(session, spec, now), in_scope(scope))


def count(session: DbSession, spec: dict[str, Any], scope: Scope, now: datetime) -> int:
    """Count the customers in scope matching the spec (one SQL statement)."""
    stmt = select(func.count()).select_from(Customer).where(matches(session, spec, now), in_scope(scope))
    return int(session.scalar(stmt) or 0)


def preview(session: DbSession, spec: dict[str, Any], scope: Scope, now: datetime, limit: int = 20) -> list[Customer]:
    """The first customers (by number) that match, for the editor's preview."""
    stmt = (select(Customer).options(selectinload(Customer.phones))
            .where(Customer.id.in_(customer_ids(session, spec, scope, now))).order_by(Customer.number).limit(limit))
    return list(session.scalars(stmt))


def describe(session: DbSession, spec: dict[str, Any]) -> str:
    """Say a spec in Chinese, e.g. "客户类型 属于 意向 且 最后有效跟进 早于 3 天前"."""
    try:
        cleaned = validate(session, spec)
    except ValidationFailed as exc:
        return f"（条件无效：{exc.message}）"
    return describe_spec(session, cleaned)


# --- saved conditions -----------------------------------------------------------------------------------


def saved_query(scope: Scope) -> Select[Any]:
    """SELECT the saved conditions a scope covers (by org, and the user's own), newest first."""
    stmt = select(MiningCondition).order_by(MiningCondition.updated_at.desc(), MiningCondition.id.desc())
    return data_scope.apply(stmt, scope, MiningCondition.org_id, MiningCondition.created_by_id)


def saved(session: DbSession, condition_id: int, scope: Scope) -> MiningCondition:
    """Load a saved condition if the scope covers it; out of scope looks exactly like missing (404)."""
    return data_scope.get_or_404(session, MiningCondition, condition_id, scope, owner_attr="created_by_id")


def _name(session: DbSession, name: Any, org_id: int, exclude_id: int | None = None) -> str:
    text = name.strip() if isinstance(name, str) else ""
    if not text:
        raise ValidationFailed("请填写条件名称")
    if len(text) > 100:
        raise ValidationFailed("条件名称最多 100 个字")
    same = select(MiningCondition.id).where(MiningCondition.org_id == org_id, MiningCondition.name == text)
    if exclude_id is not None:
        same = same.where(MiningCondition.id != exclude_id)
    if session.scalar(same):
        raise Conflict(f"本组织已有名为“{text}”的挖掘条件")
    return text


def _description(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationFailed("条件说明应为文字")
    return value.strip()[:2000]


def create(session: DbSession, actor: User, name: Any, spec: Any, description: Any = "") -> MiningCondition:
    """Save a new condition in the actor's org; nothing is saved when the spec is refused."""
    cleaned = validate(session, spec)
    condition = MiningCondition(name=_name(session, name, actor.org_id), description=_description(description),
                                spec=cleaned, org_id=actor.org_id, created_by_id=actor.id)
    session.add(condition)
    session.flush()
    return condition


def update(session: DbSession, condition: MiningCondition, name: Any, spec: Any,
           description: Any = "") -> MiningCondition:
    """Replace a saved condition's name, description and spec."""
    cleaned = validate(session, spec)
    condition.name = _name(session, name, condition.org_id, condition.id)
    condition.description = _description(description)
    condition.spec = cleaned
    session.flush()
    return condition


def delete(session: DbSession, condition: MiningCondition) -> None:
    """Delete a saved condition that no distribution rule or mining task uses."""
    rule = session.scalar(select(DistributionRule.name).where(DistributionRule.condition_id == condition.id).limit(1))
    if rule is not None:
        raise Conflict(f"分配规则“{rule}”正在使用该挖掘条件，不能删除")
    task = session.scalar(select(MiningTask.name).where(MiningTask.condition_id == condition.id).limit(1))
    if task is not None:
        raise Conflict(f"数据挖掘任务“{task}”正在使用该挖掘条件，不能删除")
    session.delete(condition)
    session.flush()


def summaries(session: DbSession, conditions: list[MiningCondition]) -> dict[int, str]:
    """Chinese summaries of several saved conditions (lists)."""
    return {c.id: describe(session, c.spec) for c in conditions}



def preview_rows(session: DbSession, spec: dict[str, Any], scope: Scope, now: datetime,
                 limit: int = 20) -> list[dict[str, Any]]:
    """The first matching customers as the editor and the API show them: phones masked, codes as labels."""
    customers = preview(session, spec, scope, now, limit)
    seat_ids = {c.service_seat_id for c in customers if c.service_seat_id}
    seats = dict(session.execute(select(User.id, User.name).where(User.id.in_(seat_ids))).all()) if seat_ids else {}
    orgs = dict(session.execute(select(Org.id, Org.name).where(
        Org.id.in_({c.service_org_id for c in customers}))).all()) if customers else {}
    return [{"id": c.id, "number": c.number, "name": c.name, "phone": phone_rules.mask(c.primary_phone),
             "type": c.type.value, "type_label": c.type.label, "pool": c.pool.value, "pool_label": c.pool.label,
             "seat": seats.get(c.service_seat_id, "") if c.service_seat_id else "",
             "org": orgs.get(c.service_org_id, "")} for c in customers]
