"""The customer fields a mining condition (挖掘条件) can test: labels, comparisons, value checks and SQL.

Every comparison compiles to an expression over ``customer`` that is never NULL where it is negated
("不属于", "否"), so AND/OR of them in a WHERE behaves as the Chinese summary reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, extract, false, func, not_, or_, select

from app import clock
from app.customers import blacklist
from app.customers.models import (
    CUSTOMER_TYPE_LABELS,
    POOL_LABELS,
    Customer,
    CustomerCategory,
    CustomerPhone,
    CustomerType,
    Gender,
    PhoneBlacklistMark,
)
from app.database import DbSession
from app.errors import ValidationFailed
from app.grading.models import CustomerGrading
from app.org.models import Org
from app.trades.models import Trade, TradeStatus
from rules import regions
from rules.identity import IdType

MAX_DAYS_AGO = 36_500
MAX_NUMBER = 10**12
# Trades that never became money: neither "dealt" nor the trade amount counts them.
LOST_TRADES = (TradeStatus.FAILED, TradeStatus.REFUNDED)


class Kind(StrEnum):
    """How a field's value is written and compared."""

    CHOICE = "choice"  # a list of codes from a fixed or dictionary list
    IDS = "ids"  # a list of record ids (orgs, categories, seats)
    CODES = "codes"  # a list of typed codes (import batch, city code, area code)
    RANGE = "range"  # {"from": n, "to": n}
    DATE = "date"  # a bound "YYYY-MM-DD" or {"days_ago": n}, or {"from": bound, "to": bound}
    BOOL = "bool"


CMP_LABELS = {"in": "属于", "not_in": "不属于", "eq": "=", "before": "早于", "after": "晚于", "between": "介于",
              "is": "=", "empty": "为空", "not_empty": "不为空"}
KIND_CMPS = {Kind.CHOICE: ("in", "not_in"), Kind.IDS: ("in", "not_in"), Kind.CODES: ("in", "not_in"),
             Kind.RANGE: ("between",), Kind.DATE: ("before", "after", "between"), Kind.BOOL: ("is",)}


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: Kind
    group: str
    unit: str = ""
    options: tuple[tuple[str, str], ...] = ()  # fixed choices; dictionary and record choices come from the db
    dictionary: str = ""
    extra_cmps: tuple[str, ...] = ()
    integer: bool = True  # RANGE: whole numbers only
    code_pattern: Any = None  # CODES: a compiled regex each code must match
    code_hint: str = ""

    @property
    def cmps(self) -> tuple[str, ...]:
        return KIND_CMPS[self.kind] + self.extra_cmps


FIELDS: dict[str, Field] = {f.key: f for f in (
    Field("type", "客户类型", Kind.CHOICE, "基本信息",
          options=tuple((k.value, v) for k, v in CUSTOMER_TYPE_LABELS.items())),
    Field("category", "客户分类（含下级）", Kind.IDS, "基本信息"),
    Field("source", "客户来源", Kind.CHOICE, "基本信息", dictionary="customer_source"),
    Field("grade", "客户等级", Kind.CHOICE, "基本信息", dictionary="customer_grade"),
    Field("import_batch", "导入编号", Kind.CODES, "基本信息", code_hint="导入编号"),
    Field("gender", "性别", Kind.CHOICE, "基本信息", options=tuple((g.value, g.label) for g in Gender)),
    Field("age", "年龄", Kind.RANGE, "基本信息", unit="岁"),
    Field("birthday_month", "生日月份", Kind.CHOICE, "基本信息",
          options=tuple((str(m), f"{m} 月") for m in range(1, 13))),
    Field("id_province", "身份证所属省份", Kind.CHOICE, "地区", options=tuple(regions.PROVINCES.items())),
    Field("id_city", "身份证所属城市（地区码前 4 位）", Kind.CODES, "地区", code_pattern=regions.CITY_CODE,
          code_hint="4 位数字地区码，如 3101"),
    Field("phone_kind", "电话类型", Kind.CHOICE, "地区", options=(("mobile", "手机"), ("landline", "固话"))),
    Field("phone_area", "固话区号", Kind.CODES, "地区", code_pattern=regions.AREA_CODE,
          code_hint="固话区号，如 010、021、0571"),
    Field("pool", "所在信息池", Kind.CHOICE, "归属", options=tuple((k.value, v) for k, v in POOL_LABELS.items())),
    Field("service_org", "服务组织（含下级）", Kind.IDS, "归属"),
    Field("service_seat", "服务坐席", Kind.IDS, "归属", extra_cmps=("empty", "not_empty")),
    Field("created_at", "创建时间", Kind.DATE, "时间"),
    Field("assigned_at", "分配时间", Kind.DATE, "时间"),
    Field("last_valid_call_at", "最后有效跟进", Kind.DATE, "时间"),
    Field("followup_count", "跟进次数", Kind.RANGE, "跟进与交易", unit="次"),
    Field("valid_call_count", "有效通话次数", Kind.RANGE, "跟进与交易", unit="次"),
    Field("dealt", "是否成交", Kind.BOOL, "跟进与交易"),
    Field("trade_amount", "交易金额合计", Kind.RANGE, "跟进与交易", unit="元", integer=False),
    Field("blacklisted", "电话在黑名单", Kind.BOOL, "跟进与交易"),
    Field("value_score", "价值评分", Kind.RANGE, "跟进与交易", unit="分"),  # the latest grading (app.grading)
)}


# --- values -------------------------------------------------------------------------------------------


def refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message)


def _number(f: Field, raw: Any, end: str) -> int | float | None:
    if raw is None or raw == "":
        return None
    wrong = refuse(f"条件“{f.label}”的{end}应为数字")
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise wrong
    try:
        number = Decimal(raw.strip() if isinstance(raw, str) else str(raw))
    except InvalidOperation as exc:
        raise wrong from exc
    if not number.is_finite() or abs(number) > MAX_NUMBER:
        raise wrong
    if number < 0:
        raise refuse(f"条件“{f.label}”的{end}不能为负数")
    if number == number.to_integral_value():
        return int(number)
    if f.integer:
        raise refuse(f"条件“{f.label}”的{end}应为整数")
    return float(number)


def _bound(f: Field, raw: Any, end: str) -> str | dict[str, int] | None:
    """Clean a date bound: "YYYY-MM-DD" or {"days_ago": n}."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip()).isoformat()
        except ValueError as exc:
            raise refuse(f"条件“{f.label}”的{end}应为日期（YYYY-MM-DD）或“N 天前”") from exc
    if isinstance(raw, dict) and set(raw) == {"days_ago"}:
        days = raw["days_ago"]
        if isinstance(days, str) and days.strip().isdigit():
            days = int(days)
        if isinstance(days, int) and not isinstance(days, bool) and 0 <= days <= MAX_DAYS_AGO:
            return {"days_ago": days}
        raise refuse(f"条件“{f.label}”的天数应为 0–{MAX_DAYS_AGO} 的整数")
    raise refuse(f"条件“{f.label}”的{end}应为日期（YYYY-MM-DD）或“N 天前”")


def clean_value(f: Field, cmp: str, raw: Any) -> Any:
    """Check one item's value for its field and comparison; return it in canonical form."""
    if cmp in ("empty", "not_empty"):
        return None
    if f.kind == Kind.BOOL:
        if not isinstance(raw, bool):
            raise refuse(f"条件“{f.label}”的值应为“是”或“否”")
        return raw
    if f.kind in (Kind.CHOICE, Kind.IDS, Kind.CODES):
        values = raw if isinstance(raw, list) else [raw]
        if f.kind == Kind.IDS:
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                raise refuse(f"条件“{f.label}”的值应为编号列表")
        elif not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
            raise refuse(f"条件“{f.label}”的值应为文字列表")
        cleaned = list(dict.fromkeys(v if f.kind == Kind.IDS else str(v).strip() for v in values))
        cleaned = [v for v in cleaned if v != ""]
        if not cleaned:
            raise refuse(f"请为条件“{f.label}”选择或填写至少一个值")
        if len(cleaned) > 500:
            raise refuse(f"条件“{f.label}”的值太多（最多 500 个）")
        if f.options and (unknown := [v for v in cleaned if v not in dict(f.options)]):
            raise refuse(f"条件“{f.label}”没有选项“{unknown[0]}”")
        if f.code_pattern is not None and (bad := [v for v in cleaned if not f.code_pattern.match(v)]):
            raise refuse(f"条件“{f.label}”的值“{bad[0]}”格式不正确，应为{f.code_hint}")
        return cleaned
    if f.kind == Kind.DATE and cmp != "between":
        bound = _bound(f, raw.get("date") if isinstance(raw, dict) and "date" in raw else raw, "时间")
        if bound is None:
            raise refuse(f"请为条件“{f.label}”填写时间")
        return bound
    if not isinstance(raw, dict):
        raise refuse(f"条件“{f.label}”的值应包含起止（from / to）")
    if f.kind == Kind.RANGE:
        low, high = _number(f, raw.get("from"), "起始值"), _number(f, raw.get("to"), "结束值")
        if low is None and high is None:
            raise refuse(f"请为条件“{f.label}”填写起始值或结束值")
        return {"from": low, "to": high}
    start, end = _bound(f, raw.get("from"), "起始时间"), _bound(f, raw.get("to"), "结束时间")
    if start is None and end is None:
        raise refuse(f"请为条件“{f.label}”填写起始时间或结束时间")
    return {"from": start, "to": end}


# --- dates ----------------------------------------------------------------------------------------------


def day_start(day: date) -> datetime:
    """The UTC moment an Asia/Shanghai business day starts."""
    return datetime(day.year, day.month, day.day, tzinfo=clock.SHANGHAI).astimezone(UTC)


def moment(bound: str | dict[str, int], now: datetime, *, end_of_day: bool = False) -> datetime:
    """The moment a date bound stands for: a day's start (the next day's for an inclusive end), or now − N days."""
    if isinstance(bound, dict):
        return now - timedelta(days=bound["days_ago"])
    day = date.fromisoformat(bound)
    return day_start(day + timedelta(days=1) if end_of_day else day)


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February becomes the 28th)."""
    year = max(1, day.year - years)
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


# --- SQL ------------------------------------------------------------------------------------------------


@dataclass
class Compiler:
    """What compiling needs besides the spec: the session (org/category paths, the blacklist threshold) and now."""

    session: DbSession
    now: datetime
    _threshold: int | None = field(default=None, init=False)

    @property
    def today(self) -> date:
        return self.now.astimezone(clock.SHANGHAI).date()

    def threshold(self) -> int:
        if self._threshold is None:
            self._threshold = blacklist.threshold(self.session)
        return self._threshold


def member(column: Any, values: list[Any]) -> ColumnElement[bool]:
    """``column IN values`` that is false, not NULL, when the column is NULL (so "不属于" may negate it)."""
    return and_(column.is_not(None), column.in_(values))


def _subtree(model: Any, ids: list[int], session: DbSession) -> Any:
    paths = list(session.scalars(select(model.path).where(model.id.in_(ids))))
    if not paths:
        return select(model.id).where(false())
    return select(model.id).where(or_(*[model.path.startswith(p) for p in paths]))


def _phone_exists(*conditions: Any) -> ColumnElement[bool]:
    return exists().where(CustomerPhone.customer_id == Customer.id, or_(*conditions))


def trade_total() -> Any:
    """The customer's trade amount (到账金额) summed over trades that did not fail or get refunded; 0 without."""
    total = (select(func.coalesce(func.sum(Trade.arrival_amount), 0))
             .where(Trade.customer_id == Customer.id, Trade.status.not_in(LOST_TRADES)).scalar_subquery())
    return total


def value_score() -> Any:
    """The customer's 价值评分 from the latest grading run; NULL (matching no range) when not graded yet."""
    return select(CustomerGrading.score).where(CustomerGrading.customer_id == Customer.id).scalar_subquery()


def dealt() -> ColumnElement[bool]:
    """成交: typed 成交, or holding a trade that did not fail or get refunded."""
    return or_(Customer.type == CustomerType.DEALT,
               exists().where(Trade.customer_id == Customer.id, Trade.status.not_in(LOST_TRADES)))


def _in(f: Field, values: list[Any], c: Compiler) -> ColumnElement[bool]:
    """The positive form of a list comparison ("属于")."""
    key = f.key
    if key in ("type", "pool", "gender", "source", "grade", "import_batch"):
        return member(getattr(Customer, key), values)
    if key == "category":
        return member(Customer.category_id, _subtree(CustomerCategory, values, c.session))
    if key == "service_org":
        return Customer.service_org_id.in_(_subtree(Org, values, c.session))
    if key == "service_seat":
        return member(Customer.service_seat_id, values)
    if key == "birthday_month":
        return member(extract("month", Customer.birthday), [int(v) for v in values])
    if key in ("id_province", "id_city"):
        width = 2 if key == "id_province" else 4
        return and_(Customer.id_type == IdType.ID_CARD, member(func.substr(Customer.id_number, 1, width), values))
    if key == "phone_kind":
        return _phone_exists(*[CustomerPhone.phone.startswith("1" if v == "mobile" else "0") for v in values])
    if key == "phone_area":
        return _phone_exists(*[CustomerPhone.phone.startswith(v, autoescape=True) for v in values])
    raise refuse(f"条件“{f.label}”不支持该比较")  # pragma: no cover  (the catalogue is closed)


def _range(f: Field, low: Any, high: Any, c: Compiler) -> ColumnElement[bool]:
    if f.key == "age":
        parts = []
        if low is not None:
            parts.append(Customer.birthday <= years_before(c.today, low))
        if high is not None:
            parts.append(Customer.birthday > years_before(c.today, high + 1))
        return and_(Customer.birthday.is_not(None), *parts)
    column = {"trade_amount": trade_total, "value_score": value_score}.get(f.key, lambda: getattr(Customer, f.key))()
    parts = []
    if low is not None:
        parts.append(column >= (Decimal(str(low)) if f.key == "trade_amount" else low))
    if high is not None:
        parts.append(column <= (Decimal(str(high)) if f.key == "trade_amount" else high))
    return and_(*parts)


def _dates(f: Field, cmp: str, value: Any, c: Compiler) -> ColumnElement[bool]:
    column = getattr(Customer, f.key)
    if cmp == "before":
        early = column < moment(value, c.now)
        # Never validly followed up counts as "no valid follow-up since" any moment.
        return or_(column.is_(None), early) if f.key == "last_valid_call_at" else and_(column.is_not(None), early)
    if cmp == "after":
        return and_(column.is_not(None), column >= moment(value, c.now))
    parts = [column.is_not(None)]
    if value["from"] is not None:
        parts.append(column >= moment(value["from"], c.now))
    if value["to"] is not None:
        end = value["to"]
        parts.append(column <= moment(end, c.now) if isinstance(end, dict)
                     else column < moment(end, c.now, end_of_day=True))
    return and_(*parts)


def blacklisted() -> Callable[[Compiler], ColumnElement[bool]]:
    def build(c: Compiler) -> ColumnElement[bool]:
        flagged = (select(PhoneBlacklistMark.phone).group_by(PhoneBlacklistMark.phone)
                   .having(func.count() >= c.threshold()))
        return exists().where(CustomerPhone.customer_id == Customer.id, CustomerPhone.phone.in_(flagged))
    return build


def compile_item(item: dict[str, Any], c: Compiler) -> ColumnElement[bool]:
    """Compile one cleaned item to a WHERE expression over Customer."""
    f, cmp, value = FIELDS[item["field"]], item["cmp"], item["value"]
    if cmp == "empty":
        return Customer.service_seat_id.is_(None)
    if cmp == "not_empty":
        return Customer.service_seat_id.is_not(None)
    if f.kind == Kind.BOOL:
        positive = dealt() if f.key == "dealt" else blacklisted()(c)
        return positive if value else not_(positive)
    if f.kind in (Kind.CHOICE, Kind.IDS, Kind.CODES):
        positive = _in(f, value, c)
        return positive if cmp == "in" else not_(positive)
    if f.kind == Kind.RANGE:
        return _range(f, value["from"], value["to"], c)
    return _dates(f, cmp, value, c)
