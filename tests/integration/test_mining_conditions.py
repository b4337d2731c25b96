"""Condition engine (挖掘条件) on a database: the compiled WHERE against a Python evaluation of the same spec
(a test oracle only), data scope, relative dates on the pinned clock, and saved conditions."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select

from app import clock
from app.customers.models import Customer, CustomerCategory, CustomerPhone, PhoneBlacklistMark
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.mining import conditions
from app.mining.fields import LOST_TRADES, day_start
from app.org.models import Org
from app.org.scope import scope_of
from app.trades.models import Trade
from rules.identity import check_char
from tests.customer_helpers import make_customer, org, user

EXTRA = 40


def _id_number(region: str, birthday: date, serial: int) -> str:
    first17 = f"{region}{birthday:%Y%m%d}{serial:03d}"
    return first17 + check_char(first17)


@pytest.fixture
def varied_customers(app: Any) -> list[int]:
    """Customers spread over every field a condition reads: ages, regions, phones, dates, counts, batches."""
    rng = random.Random(12)  # noqa: S311
    now = clock.now()
    orgs = list(db.session.scalars(select(Org.id)))
    seats = [user(name).id for name in ("seat01", "seat02", "seat11")]
    cats = list(db.session.scalars(select(CustomerCategory.id)))
    rows = []
    for i in range(EXTRA):
        birthday = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 20000)) if i % 7 else None
        seat = rng.choice(seats + [None])
        rows.append({
            "number": f"MC{i:06d}", "name": f"条件客户{i}", "gender": rng.choice(["male", "female", "unknown"]),
            "birthday": birthday, "id_type": rng.choice(["id_card", "id_card", "passport"]),
            "id_number": _id_number(rng.choice(["310104", "110101", "440305", "330106"]), birthday or date(1980, 1, 1),
                                    i) if i % 5 else None,
            "category_id": rng.choice(cats + [None]) if cats else None,
            "type": rng.choice(["new", "intent", "valid", "invalid", "dealt"]), "grade": rng.choice(["A", "B", ""]),
            "source": rng.choice(["phone", "web", "import", ""]),
            "import_batch": rng.choice(["IMP-MC1", "IMP-MC2", ""]),
            "tags": "", "remark": "", "service_seat_id": seat, "service_org_id": rng.choice(orgs),
            "pool": "personal" if seat else rng.choice(["department", "public", "city", "head"]),
            "pool_reason": "", "pool_changed_at": now,
            "assigned_at": now - timedelta(days=rng.randrange(0, 60), hours=rng.randrange(0, 24)) if seat else None,
            "followup_count": rng.randrange(0, 8), "valid_call_count": rng.randrange(0, 4),
            "last_valid_call_at": now - timedelta(days=rng.randrange(0, 40), hours=rng.randrange(0, 24))
            if i % 3 else None,
            "recycle_count": 0, "red_flag_reason": "",
            "created_at": now - timedelta(days=rng.randrange(0, 400), minutes=rng.randrange(0, 1440)),
            "updated_at": now,
        })
    ids = list(db.session.scalars(insert(Customer).returning(Customer.id, sort_by_parameter_order=True), rows))
    phones = []
    for i, customer_id in enumerate(ids):
        phones.append({"customer_id": customer_id, "phone": f"139{i:08d}", "is_primary": True, "remark": ""})
        if i % 4 == 0:
            phones.append({"customer_id": customer_id, "phone": f"{rng.choice(['021', '010', '0571'])}6{i:07d}",
                           "is_primary": False, "remark": ""})
    db.session.execute(insert(CustomerPhone), phones)
    marker_ids = [user(name).id for name in ("seat01", "seat02", "seat11")]
    for phone, markers in ((f"139{0:08d}", marker_ids), (f"139{1:08d}", marker_ids[:1])):
        db.session.execute(insert(PhoneBlacklistMark), [{"phone": phone, "user_id": u, "reason": "骚扰", "at": now}
                                                         for u in markers])
    db.session.commit()
    return ids


# --- the oracle: the same spec evaluated in Python over loaded rows (tests only) -------------------------


def _age(birthday: date, today: date) -> int:
    return today.year - birthday.year - ((today.month, today.day) < (birthday.month, birthday.day))


def _bound(bound: Any, now: datetime, end: bool = False) -> datetime:
    if isinstance(bound, dict):
        return now - timedelta(days=bound["days_ago"])
    return day_start(date.fromisoformat(bound) + timedelta(days=1 if end else 0))


class Oracle:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.today = now.astimezone(clock.SHANGHAI).date()
        self.customers = list(db.session.scalars(select(Customer)))
        self.phones: dict[int, list[str]] = defaultdict(list)
        for customer_id, phone in db.session.execute(select(CustomerPhone.customer_id, CustomerPhone.phone)):
            self.phones[customer_id].append(phone)
        marks = dict(db.session.execute(select(PhoneBlacklistMark.phone, func.count())
                                        .group_by(PhoneBlacklistMark.phone)).all())
        self.flagged = {phone for phone, n in marks.items() if n >= 3}
        self.trades: dict[int, list[Trade]] = defaultdict(list)
        for trade in db.session.scalars(select(Trade)):
            self.trades[trade.customer_id].append(trade)
        self.org_paths = dict(db.session.execute(select(Org.id, Org.path)).all())
        self.cat_paths = dict(db.session.execute(select(CustomerCategory.id, CustomerCategory.path)).all())

    def ids(self, spec: dict[str, Any]) -> set[int]:
        return {c.id for c in self.customers if self.group(spec, c)}

    def group(self, group: dict[str, Any], c: Customer) -> bool:
        results = [self.group(i, c) if "items" in i else self.item(i, c) for i in group["items"]]
        return all(results) if group["op"] == "and" else any(results)

    def item(self, item: dict[str, Any], c: Customer) -> bool:  # noqa: C901, PLR0911, PLR0912
        key, cmp, value = item["field"], item["cmp"], item["value"]
        if cmp in ("empty", "not_empty"):
            return (c.service_seat_id is None) == (cmp == "empty")
        live = [t for t in self.trades[c.id] if t.status not in LOST_TRADES]
        if key == "dealt":
            return (c.type == "dealt" or bool(live)) == value
        if key == "blacklisted":
            return any(p in self.flagged for p in self.phones[c.id]) == value
        if key in ("age", "followup_count", "valid_call_count", "trade_amount"):
            if key == "age":
                if c.birthday is None:
                    return False
                number: Any = _age(c.birthday, self.today)
            elif key == "trade_amount":
                number = sum((t.arrival_amount for t in live), Decimal(0))
            else:
                number = getattr(c, key)
            return ((value["from"] is None or number >= Decimal(str(value["from"])))
                    and (value["to"] is None or number <= Decimal(str(value["to"]))))
        if key in ("created_at", "assigned_at", "last_valid_call_at"):
            moment = getattr(c, key)
            if cmp == "before":
                return (moment is None and key == "last_valid_call_at") or (
                    moment is not None and moment < _bound(value, self.now))
            if moment is None:
                return False
            if cmp == "after":
                return moment >= _bound(value, self.now)
            low, high = value["from"], value["to"]
            return ((low is None or moment >= _bound(low, self.now))
                    and (high is None or (moment <= _bound(high, self.now) if isinstance(high, dict)
                                          else moment < _bound(high, self.now, end=True))))
        if key == "category":
            path = self.cat_paths.get(c.category_id) if c.category_id else None
            hit = path is not None and any(path.startswith(self.cat_paths.get(v, "#")) for v in value)
        elif key == "service_org":
            hit = any(self.org_paths[c.service_org_id].startswith(self.org_paths.get(v, "#")) for v in value)
        elif key == "service_seat":
            hit = c.service_seat_id in value
        elif key == "birthday_month":
            hit = c.birthday is not None and str(c.birthday.month) in value
        elif key in ("id_province", "id_city"):
            width = 2 if key == "id_province" else 4
            hit = c.id_type == "id_card" and c.id_number is not None and c.id_number[:width] in value
        elif key == "phone_kind":
            hit = any(p.startswith("1" if v == "mobile" else "0") for p in self.phones[c.id] for v in value)
        elif key == "phone_area":
            hit = any(p.startswith(v) for p in self.phones[c.id] for v in value)
        else:
            hit = getattr(c, key) in value
        return hit if cmp == "in" else not hit


# --- strategies -----------------------------------------------------------------------------------------


def _items(org_ids: list[int], cat_ids: list[int], seat_ids: list[int]) -> st.SearchStrategy[dict[str, Any]]:
    def listed(field: str, pool: list[Any], cmps: tuple[str, ...] = ("in", "not_in")) -> Any:
        return st.builds(lambda cmp, v: {"field": field, "cmp": cmp, "value": v}, st.sampled_from(cmps),
                         st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))

    def ranged(field: str, top: int) -> Any:
        end = st.none() | st.integers(0, top)
        return st.builds(lambda a, b: {"field": field, "cmp": "between", "value": {"from": a, "to": b}}, end,
                         end).filter(lambda i: i["value"]["from"] is not None or i["value"]["to"] is not None)

    bound = st.builds(lambda d: {"days_ago": d}, st.integers(0, 60)) | st.dates(
        date(2025, 5, 1), date(2026, 6, 20)).map(date.isoformat)
    dated = st.builds(lambda f, cmp, b, b2: {"field": f, "cmp": cmp,
                                             "value": {"from": b, "to": b2} if cmp == "between" else b},
                      st.sampled_from(["created_at", "assigned_at", "last_valid_call_at"]),
                      st.sampled_from(["before", "after", "between"]), bound, bound)
    return st.one_of(
        listed("type", ["new", "intent", "valid", "invalid", "dealt"]),
        listed("pool", ["personal", "department", "public", "city", "head"]),
        listed("gender", ["male", "female", "unknown"]), listed("source", ["phone", "web", "import"]),
        listed("grade", ["A", "B", "C"]), listed("import_batch", ["IMP-MC1", "IMP-MC2"]),
        listed("category", cat_ids), listed("service_org", org_ids),
        listed("service_seat", seat_ids, ("in", "not_in")),
        st.sampled_from(["empty", "not_empty"]).map(lambda cmp: {"field": "service_seat", "cmp": cmp, "value": None}),
        listed("birthday_month", [str(m) for m in range(1, 13)]), listed("id_province", ["31", "11", "44", "33"]),
        listed("id_city", ["3101", "1101", "4403"]), listed("phone_kind", ["mobile", "landline"]),
        listed("phone_area", ["021", "010", "0571"]), ranged("age", 90), ranged("followup_count", 8),
        ranged("valid_call_count", 4), ranged("trade_amount", 3_000_000), dated,
        st.builds(lambda f, v: {"field": f, "cmp": "is", "value": v}, st.sampled_from(["dealt", "blacklisted"]),
                  st.booleans()),
    )


def _specs(items: Any) -> Any:
    groups = st.recursive(items, lambda inner: st.builds(
        lambda op, xs: {"op": op, "items": xs}, st.sampled_from(["and", "or"]), st.lists(inner, min_size=1,
                                                                                          max_size=3)),
        max_leaves=6)
    return st.builds(lambda op, xs: {"op": op, "items": xs}, st.sampled_from(["and", "or"]),
                     st.lists(groups, min_size=1, max_size=3))


@pytest.mark.db_sensitive
@pytest.mark.date_sensitive
def test_the_sql_count_equals_a_python_evaluation_of_the_same_spec(app, varied_customers):
    now = clock.now()
    oracle = Oracle(now)
    admin_scope = scope_of(db.session, user("admin"))
    org_ids = list(oracle.org_paths)
    cat_ids = list(oracle.cat_paths) or [1]
    seat_ids = [user(name).id for name in ("seat01", "seat02", "seat11")]

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(spec=_specs(_items(org_ids, cat_ids, seat_ids)))
    def check(spec: dict[str, Any]) -> None:
        try:
            cleaned = conditions.validate(db.session, spec)
        except ValidationFailed as exc:
            if exc.message.startswith("条件互相矛盾"):
                assume(False)
            raise
        found = set(db.session.scalars(conditions.customer_ids(db.session, cleaned, admin_scope, now)))
        assert found == oracle.ids(cleaned), conditions.describe(db.session, cleaned)

    check()


def test_a_customer_outside_the_scope_never_counts(app):
    inside = make_customer("范围内", org_code="SH-LC1")
    outside = make_customer("范围外", org_code="SH-LC2")
    for customer in (inside, outside):
        customer.import_batch = "IMP-SCOPE"
    db.session.commit()
    spec = {"op": "and", "items": [{"field": "import_batch", "cmp": "in", "value": ["IMP-SCOPE"]}]}
    head01 = scope_of(db.session, user("head01"), "customers.view")
    manager = scope_of(db.session, user("manager01"), "customers.view")
    assert conditions.count(db.session, spec, head01, clock.now()) == 1
    assert set(db.session.scalars(conditions.customer_ids(db.session, spec, head01, clock.now()))) == {inside.id}
    assert conditions.count(db.session, spec, manager, clock.now()) == 2


@pytest.mark.date_sensitive
def test_n_days_ago_counts_back_from_now_and_never_followed_counts_as_no_follow_up(app):
    now = clock.now()
    called = {days: make_customer(f"{days} 天前通话", org_code="SH-LC1") for days in (1, 5)}
    never = make_customer("从未通话", org_code="SH-LC1")
    for days, customer in called.items():
        customer.last_valid_call_at = now - timedelta(days=days)
    for customer in (*called.values(), never):
        customer.import_batch = "IMP-DAYS"
    db.session.commit()
    scope = scope_of(db.session, user("admin"))
    spec = {"op": "and", "items": [{"field": "import_batch", "cmp": "in", "value": ["IMP-DAYS"]},
                                   {"field": "last_valid_call_at", "cmp": "before", "value": {"days_ago": 3}}]}
    assert set(db.session.scalars(conditions.customer_ids(db.session, spec, scope, now))) == {called[5].id, never.id}
    # Three days later the customer called 1 day ago has gone 4 days without a valid follow-up too.
    later = set(db.session.scalars(conditions.customer_ids(db.session, spec, scope, now + timedelta(days=3))))
    assert later == {called[1].id, called[5].id, never.id}
    spec["items"][1] = {"field": "last_valid_call_at", "cmp": "after", "value": {"days_ago": 3}}
    assert conditions.count(db.session, spec, scope, now) == 1


def test_unknown_records_and_dictionary_codes_are_refused(app):
    for item, text in (({"field": "service_org", "cmp": "in", "value": [999999]}, "组织（含下级）”中的“999999”不存在"),
                       ({"field": "source", "cmp": "in", "value": ["tv"]}, "客户来源”中的“tv”不存在")):
        with pytest.raises(ValidationFailed, match=text):
            conditions.validate(db.session, {"op": "and", "items": [item]})


def test_describe_names_records_and_dictionary_labels(app):
    spec = {"op": "and", "items": [{"field": "service_org", "cmp": "in", "value": [org("SH-LC1").id]},
                                   {"field": "source", "cmp": "in", "value": ["web", "referral"]},
                                   {"field": "service_seat", "cmp": "in", "value": [user("seat01").id]}]}
    assert conditions.describe(db.session, spec) == (
        "服务组织（含下级） 属于 理财一部 且 客户来源 属于 网络推广、客户转介绍 且 服务坐席 属于 张坐席")


def test_saved_conditions_are_created_in_the_actors_org_and_404_out_of_scope(app):
    spec = {"op": "and", "items": [{"field": "type", "cmp": "in", "value": ["intent"]}]}
    head11 = user("head11")
    condition = conditions.create(db.session, head11, " 二部意向 ", spec, "说明")
    db.session.commit()
    assert (condition.name, condition.org_id, condition.created_by_id) == ("二部意向", head11.org_id, head11.id)
    assert conditions.saved(db.session, condition.id, scope_of(db.session, head11)).id == condition.id
    assert conditions.saved(db.session, condition.id, scope_of(db.session, user("manager01"))).id == condition.id
    with pytest.raises(NotFound):
        conditions.saved(db.session, condition.id, scope_of(db.session, user("head01")))
    with pytest.raises(ValidationFailed, match="请至少添加一个条件"):
        conditions.update(db.session, condition, "改名", {"op": "and", "items": []})
    db.session.rollback()
    assert db.session.get(type(condition), condition.id).name == "二部意向"
