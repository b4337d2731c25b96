"""Demo customers spread over every pool, with follow-ups, appointments and pool history.

"full" (make run) makes about 3,000 customers so lists, pools and the recycle preview are alive;
"small" (tests) a few dozen. Everything is inserted in bulk and is deterministic (fixed seed).
Some personal-pool customers are deliberately overdue or nearly due for recycling.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from app import clock
from app.auth.models import User
from app.customers import services
from app.customers.categories import create_category
from app.customers.models import (
    AddressKind,
    Customer,
    CustomerAddress,
    CustomerPhone,
    CustomerType,
    Gender,
    PhoneBlacklistMark,
    Pool,
)
from app.database import DbSession, table_of
from app.demo import DemoContext, loader
from app.followups.models import Appointment, AppointmentStatus, FollowUp, FollowUpKind
from app.pools.models import MoveReason, PoolHistory
from rules.identity import IdType, check_char

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "秀兰", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "志强", "晓东", "海燕", "建国", "丹",
         "欣怡", "子涵"]
DISTRICTS = ["上海市浦东新区世纪大道", "上海市徐汇区漕溪北路", "上海市静安区南京西路", "上海市闵行区七莘路",
             "上海市长宁区延安西路", "上海市杨浦区国定路"]
SOURCES = ["phone", "web", "referral", "salon", "walk_in"]
ANSWERED = ["interested", "considering", "not_interested", "callback"]  # results of a call someone picked up
TALKS = ["介绍新发行的稳健型产品", "客户考虑中，下周回访", "邀请参加周末理财沙龙", "客户要求发送产品资料"]
CATEGORIES = [("个人客户", ["高净值", "普通"]), ("企业客户", []), ("渠道客户", [])]


@dataclass
class Plan:
    """How many customers go where (full size; small divides)."""

    seat_customers: int
    public: int
    department: int
    city: int
    head: int
    duplicates: int
    invalid: int


FULL = Plan(seat_customers=130, public=1200, department=600, city=150, head=8, duplicates=12, invalid=40)
SMALL = Plan(seat_customers=8, public=12, department=6, city=2, head=1, duplicates=1, invalid=4)
# 无效客户池 demo: (reason code of the invalid_reason dictionary, label, remark)
INVALID_MARKS = [
    ("empty_number", "空号/停机", "连续三天拨打均提示空号"),
    ("refused", "明确拒绝", "客户表示不需要理财服务"),
    ("wrong_number", "号码错误", ""),
    ("not_owner", "非本人", "接听者称不认识此人"),
    ("other", "其他", "客户已移居外地"),
]


class _Maker:
    def __init__(self, session: DbSession, rng: random.Random, categories: list[int | None]) -> None:
        self.session, self.rng, self.categories = session, rng, categories
        self.now = clock.now()
        self.serial = 0
        self.phone_serial = 0
        self.customers: list[dict[str, Any]] = []
        self.phones: list[list[str]] = []
        self.addresses: list[str] = []
        self.follow_ups: list[list[dict[str, Any]]] = []
        self.moves: list[dict[str, Any]] = []

    def person(self) -> tuple[str, Gender, Any, str]:
        self.serial += 1
        gender = self.rng.choice([Gender.MALE, Gender.FEMALE])
        born = datetime(1955, 1, 1) + timedelta(days=self.rng.randrange(0, 365 * 45))
        sequence = self.serial % 500 * 2 + (1 if gender == Gender.MALE else 0)
        first17 = f"310{self.rng.randrange(101, 120):03d}{born:%Y%m%d}{sequence:03d}"
        return (self.rng.choice(SURNAMES) + self.rng.choice(GIVEN), gender, born.date(), first17 + check_char(first17))

    def phone(self) -> str:
        self.phone_serial += 1
        return f"13{self.rng.randrange(0, 10)}{5000_0000 + self.phone_serial * 7 + self.rng.randrange(0, 7):08d}"

    def add(self, pool: Pool, org: int, seat: User | None, type_: CustomerType, *, assigned_days: float | None = None,
            batch: str = "", reason: MoveReason = MoveReason.CREATE, recycle_count: int = 0,
            red_flag_days: float | None = None, prev_seat: User | None = None, same_as: int | None = None,
            invalid: tuple[str, str, str] | None = None) -> int:
        name, gender, born, person_id = self.person()
        id_number: str | None = person_id
        phones = [self.phone()] + ([self.phone()] if self.rng.random() < 0.3 else [])
        if same_as is not None:  # a duplicate record of an earlier customer (合并 demo)
            original = self.customers[same_as]
            name, gender, born = original["name"], original["gender"], original["birthday"]
            id_number = original["id_number"] if self.rng.random() < 0.5 else None
            phones = [self.phones[same_as][0]]
        created = self.now - timedelta(days=self.rng.uniform(40, 400))
        assigned = self.now - timedelta(days=assigned_days) if assigned_days is not None else None
        flagged = self.now - timedelta(days=red_flag_days) if red_flag_days is not None else None
        if assigned is not None:
            changed = assigned
        elif pool == Pool.HEAD and flagged is not None:
            changed = flagged + timedelta(days=3)  # moved when the 3-day red-flag limit ran out
        else:
            changed = self.now - timedelta(days=self.rng.uniform(0.5, 30))
        category = self.rng.choice(self.categories + [None])
        self.customers.append({
            "name": name, "gender": gender, "birthday": born, "id_type": IdType.ID_CARD,
            "id_number": id_number if self.rng.random() < 0.8 or same_as is not None else None,
            "category_id": category, "type": type_, "grade": self.rng.choice(["A", "B", "B", "C", "C", ""]),
            "source": "import" if batch else self.rng.choice(SOURCES), "import_batch": batch,
            "tags": self.rng.choice(["", "", "高净值", "老客户", "高净值,老客户", "沙龙意向"]), "remark": "",
            "service_seat_id": seat.id if seat else None, "service_org_id": seat.org_id if seat else org,
            "pool": pool, "pool_reason": reason.value, "pool_changed_at": changed, "assigned_at": assigned,
            "prev_seat_id": prev_seat.id if prev_seat else None, "followup_count": 0, "valid_call_count": 0,
            "last_followup_at": None, "last_valid_call_at": None, "recycle_count": recycle_count,
            "red_flag_at": flagged,
            "red_flag_reason": "高意向客户，请尽快回访" if red_flag_days is not None else "",
            "red_flag_by_id": None, "created_by_id": None, "created_at": created, "updated_at": created,
            "invalid_reason": invalid[0] if invalid else "", "invalid_note": invalid[2] if invalid else "",
            "invalid_at": changed if invalid else None,
            "invalid_by_id": prev_seat.id if invalid and prev_seat else None,
        })
        self.phones.append(phones)
        self.addresses.append(f"{self.rng.choice(DISTRICTS)}{self.rng.randrange(1, 999)}号"
                              if self.rng.random() < 0.6 else "")
        self.follow_ups.append([])
        index = len(self.customers) - 1
        self.moves.append({"index": index, "at": self.customers[index]["pool_changed_at"],
                           "from_pool": Pool.PERSONAL if prev_seat else None,
                           "to_pool": pool, "from_seat_id": prev_seat.id if prev_seat else None,
                           "to_seat_id": seat.id if seat else None, "org_id": self.customers[index]["service_org_id"],
                           "reason": reason, "actor_id": seat.id if seat and reason == MoveReason.EXTRACT else (
                               prev_seat.id if invalid and prev_seat else None),
                           "note": f"导入编号 {batch}" if batch else (
                               invalid[1] + (f"：{invalid[2]}" if invalid[2] else "") if invalid else "")})
        return index

    def follow(self, index: int, seat: User, count: int, valid_calls: int, within_days: float) -> None:
        row = self.customers[index]
        start = row["assigned_at"] or row["created_at"]
        end = min(self.now, start + timedelta(days=within_days))
        for n in range(count):
            at = start + (end - start) * (n + 1) / (count + 1)
            valid = n < valid_calls
            kind = FollowUpKind.CALL if valid or self.rng.random() < 0.8 else self.rng.choice(
                [FollowUpKind.VISIT, FollowUpKind.INVITATION, FollowUpKind.SALON])
            connected = valid or (kind == FollowUpKind.CALL and self.rng.random() < 0.4)
            self.follow_ups[index].append({
                "user_id": seat.id, "kind": kind, "at": at, "phone": self.phones[index][0] if kind == "call" else "",
                "connected": connected, "valid": valid or kind != FollowUpKind.CALL,
                "duration_seconds": self.rng.randrange(60, 900) if valid else (self.rng.randrange(5, 50)
                                                                                 if connected else 0),
                "result": self.rng.choice(ANSWERED) if connected or kind != FollowUpKind.CALL else "no_answer",
                "content": self.rng.choice(TALKS) if connected or kind != FollowUpKind.CALL else "未接通",
                "created_at": at})
        calls = [f for f in self.follow_ups[index]
                 if row["assigned_at"] is None or f["at"] >= row["assigned_at"]]
        row["followup_count"] = len(calls)
        row["valid_call_count"] = sum(1 for f in calls if f["kind"] == FollowUpKind.CALL and f["valid"])
        if self.follow_ups[index]:
            row["last_followup_at"] = max(f["at"] for f in self.follow_ups[index])
            valid_ats = [f["at"] for f in self.follow_ups[index] if f["kind"] == FollowUpKind.CALL and f["valid"]]
            row["last_valid_call_at"] = max(valid_ats) if valid_ats else None

    def flush(self) -> list[int]:
        numbers = services.allocate_numbers(self.session, len(self.customers))
        for number, row in zip(numbers, self.customers, strict=True):
            row["number"] = number
        table = table_of(Customer)
        ids = list(self.session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                        self.customers))
        self.session.execute(insert(table_of(CustomerPhone)), [
            {"customer_id": cid, "phone": phone, "is_primary": i == 0, "remark": ""}
            for cid, phones in zip(ids, self.phones, strict=True) for i, phone in enumerate(phones)])
        addresses = [{"customer_id": cid, "kind": AddressKind.HOME, "address": text, "postcode": "", "is_primary": True}
                     for cid, text in zip(ids, self.addresses, strict=True) if text]
        if addresses:
            self.session.execute(insert(table_of(CustomerAddress)), addresses)
        follow_ups = [{"customer_id": cid, **f} for cid, rows in zip(ids, self.follow_ups, strict=True) for f in rows]
        if follow_ups:
            self.session.execute(insert(table_of(FollowUp)), follow_ups)
        self.session.execute(insert(table_of(PoolHistory)), [
            {**{k: v for k, v in move.items() if k != "index"}, "customer_id": ids[move["index"]]}
            for move in self.moves])
        return ids


@loader("customers")
def load_demo_customers(session: DbSession, ctx: DemoContext) -> None:
    """Categories, customers in every pool, follow-ups, appointments, a blacklisted phone."""
    rng = random.Random(20261122)  # noqa: S311  (repeatable demo data, not security)
    plan = FULL if ctx.size == "full" else SMALL
    categories: list[int | None] = []
    for name, children in CATEGORIES:
        parent = create_category(session, name, None)
        categories.append(parent.id)
        categories.extend(create_category(session, child, parent.id).id for child in children)
    maker = _Maker(session, rng, categories)
    lc1, lc2 = ctx.orgs["SH-LC1"].id, ctx.orgs["SH-LC2"].id
    seats = [ctx.users["seat01"], ctx.users["seat02"], ctx.users["seat11"]]
    for seat in seats:
        for i in range(plan.seat_customers):
            kind = rng.choice([CustomerType.NEW, CustomerType.INTENT, CustomerType.INTENT, CustomerType.VALID,
                               CustomerType.VALID, CustomerType.DEALT])
            profile = i % 8
            if profile == 0:  # overdue: no valid call 10 days after extraction (rule 1)
                index = maker.add(Pool.PERSONAL, seat.org_id, seat, kind, assigned_days=10,
                                  reason=MoveReason.EXTRACT)
                maker.follow(index, seat, 1, 0, 10)
            elif profile == 1:  # due soon: extracted 5 days ago, no valid call yet
                index = maker.add(Pool.PERSONAL, seat.org_id, seat, CustomerType.INTENT, assigned_days=5,
                                  reason=MoveReason.EXTRACT)
            elif profile == 2 and i % 16 == 2:  # followed the maximum times (rule 2)
                index = maker.add(Pool.PERSONAL, seat.org_id, seat, CustomerType.INTENT, assigned_days=25,
                                  reason=MoveReason.ASSIGN)
                maker.follow(index, seat, 12, 3, 25)
            elif profile == 3:  # too few follow-ups in 30 days (rule 3)
                index = maker.add(Pool.PERSONAL, seat.org_id, seat, kind, assigned_days=33, reason=MoveReason.ASSIGN)
                maker.follow(index, seat, 2, 1, 30)
            else:  # healthy customers
                index = maker.add(Pool.PERSONAL, seat.org_id, seat, kind, assigned_days=rng.uniform(1, 28),
                                  reason=rng.choice([MoveReason.EXTRACT, MoveReason.ASSIGN, MoveReason.CREATE]))
                maker.follow(index, seat, rng.randrange(1, 7), rng.randrange(1, 3), 28)
        flagged = maker.add(Pool.PERSONAL, seat.org_id, seat, CustomerType.VALID, assigned_days=12,
                            reason=MoveReason.ASSIGN, red_flag_days=1)
        maker.follow(flagged, seat, 3, 1, 9)
    for i in range(plan.public):
        maker.add(Pool.PUBLIC, lc1 if i % 3 else lc2, None, CustomerType.INTENT, reason=MoveReason.RECYCLE_NO_CALL,
                  recycle_count=1, prev_seat=rng.choice(seats))
    for i in range(plan.department):
        maker.add(Pool.DEPARTMENT, lc1, None, CustomerType.NEW, batch="IMP-DEMO-01", reason=MoveReason.IMPORT)
        if i < plan.department * 2 // 3:
            maker.add(Pool.DEPARTMENT, lc2, None, CustomerType.NEW, batch="IMP-DEMO-02", reason=MoveReason.IMPORT)
    for i in range(plan.city):
        maker.add(Pool.CITY, lc1 if i % 2 else lc2, None, CustomerType.INTENT, reason=MoveReason.RECYCLE_FEW_FOLLOWUPS,
                  recycle_count=3, prev_seat=rng.choice(seats))
    for _ in range(plan.head):
        maker.add(Pool.HEAD, lc1, None, CustomerType.VALID, reason=MoveReason.RED_FLAG, red_flag_days=5,
                  prev_seat=ctx.users["seat02"])
    for i in range(plan.invalid):  # marked 无效 by head01's seats: the 无效客户池 screen is not empty
        maker.add(Pool.INVALID, lc1, None, CustomerType.INVALID, reason=MoveReason.INVALID,
                  prev_seat=seats[i % 2], invalid=INVALID_MARKS[i % len(INVALID_MARKS)])
    originals = [i for i, row in enumerate(maker.customers) if row["pool"] == Pool.PERSONAL][: plan.duplicates]
    for index in originals:
        maker.add(Pool.DEPARTMENT, lc1, None, CustomerType.NEW, batch="IMP-DEMO-01", reason=MoveReason.IMPORT,
                  same_as=index)
    ids = maker.flush()
    _appointments(session, ctx, maker, ids)
    _blacklist(session, ctx, maker)


def _appointments(session: DbSession, ctx: DemoContext, maker: _Maker, ids: list[int]) -> None:
    seat01 = ctx.users["seat01"]
    mine = [cid for cid, row in zip(ids, maker.customers, strict=True) if row["service_seat_id"] == seat01.id]
    today = clock.local(maker.now)
    assert today is not None
    base = today.replace(hour=10, minute=0, second=0, microsecond=0)
    rows = []
    for n, (day, slot) in enumerate((d, s) for d in range(-1, 6) for s in range(2 if d in (0, 1) else 1)):
        if mine:
            rows.append({"customer_id": mine[n % len(mine)], "user_id": seat01.id,
                         "at": base + timedelta(days=day, hours=slot * 4), "content": "回访：确认产品意向",
                         "status": AppointmentStatus.PENDING, "created_at": maker.now - timedelta(days=2)})
    if rows:
        session.execute(insert(Appointment), rows)


def _blacklist(session: DbSession, ctx: DemoContext, maker: _Maker) -> None:
    harassing = maker.phones[len(maker.phones) // 2][0]
    watched = maker.phones[len(maker.phones) // 3][0]
    session.execute(insert(PhoneBlacklistMark), [
        {"phone": harassing, "user_id": ctx.users[name].id, "reason": "恶意骚扰", "at": maker.now - timedelta(days=d)}
        for d, name in enumerate(("seat01", "seat02", "seat11"))
    ] + [{"phone": watched, "user_id": ctx.users["seat01"].id, "reason": "辱骂坐席", "at": maker.now}])
