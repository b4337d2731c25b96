"""Helpers for customer, pool and follow-up tests: users by name, customers made through the services,
extra seats made in bulk, and small .xlsx files."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import count
from typing import Any

from openpyxl import Workbook
from sqlalchemy import insert, select

from app import clock
from app.auth.models import Role, User, user_roles
from app.customers import services
from app.customers.models import Customer, Pool
from app.extensions import db
from app.org.models import Org
from app.pools.models import PoolHistory
from rules.identity import check_char

_serial = count(1)


def fresh() -> None:
    """End the test session's transaction so the next read sees what requests committed.

    Also needed before the test itself writes after requests: SQLite refuses to upgrade a read
    snapshot older than the last commit ("database is locked").
    """
    db.session.rollback()


def reloaded(customer_id: int) -> Customer:
    """The customer as requests committed it."""
    fresh()
    found = db.session.get(Customer, customer_id)
    assert found is not None
    return found


def pool_history(customer_id: int) -> list[PoolHistory]:
    """The customer's pool moves (流转记录) as requests committed them, oldest first."""
    fresh()
    return list(db.session.scalars(select(PoolHistory).where(PoolHistory.customer_id == customer_id)
                                   .order_by(PoolHistory.id)))


def user(username: str) -> User:
    found = db.session.scalar(select(User).where(User.username == username))
    assert found is not None, username
    return found


def org(code: str) -> Org:
    found = db.session.scalar(select(Org).where(Org.code == code))
    assert found is not None, code
    return found


def new_phone() -> str:
    return f"186{next(_serial) + 40_000_000:08d}"


def new_id_number(birthday: str = "19850601") -> str:
    first17 = f"310104{birthday}{next(_serial) % 1000:03d}"
    return first17 + check_char(first17)


def make_customer(name: str = "测试客户", *, seat: str | None = None, org_code: str = "SH-LC1",
                  phones: Sequence[str] | None = None, id_number: str = "", type_: str = "intent",
                  pool: Pool | None = None, assigned_days_ago: float | None = None, commit: bool = True) -> Customer:
    """Create a customer through the service; optionally move it to another pool or backdate its assignment."""
    seat_user = user(seat) if seat else None
    customer = services.create_customer(
        db.session, services.CustomerInput(name=name, phones=list(phones or [new_phone()]), id_number=id_number,
                                           type=type_),
        org_id=seat_user.org_id if seat_user else org(org_code).id, seat_id=seat_user.id if seat_user else None,
        actor_id=seat_user.id if seat_user else None)
    if pool is not None and pool != customer.pool:
        customer.pool = pool
    if assigned_days_ago is not None:
        customer.assigned_at = clock.now() - timedelta(days=assigned_days_ago)
        customer.pool_changed_at = customer.assigned_at
    db.session.flush()
    if commit:
        db.session.commit()
    return customer


def make_seats(n: int, org_code: str = "SH-LC1", prefix: str = "load") -> list[int]:
    """Insert ``n`` extra active seats in bulk (no KDF per user) and return their ids."""
    template = user("seat01")
    now = clock.now()
    rows = [{"username": f"{prefix}{i:03d}", "work_no": f"{prefix.upper()}{i:04d}", "name": f"压测坐席{i}",
             "org_id": org(org_code).id, "level": "", "tier": "", "weight": 1, "status": "active", "phone": "",
             "email": "", "password_hash": template.password_hash, "failed_logins": 0, "created_at": now}
            for i in range(n)]
    ids = list(db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), rows))
    seat_role = db.session.scalar(select(Role.id).where(Role.code == "seat"))
    db.session.execute(insert(user_roles), [{"user_id": uid, "role_id": seat_role} for uid in ids])
    db.session.commit()
    return ids


def public_customers(n: int, org_code: str = "SH-LC1") -> list[int]:
    """Insert ``n`` customers straight into the public pool, in bulk; return their ids."""
    now = clock.now()
    numbers = services.allocate_numbers(db.session, n)
    rows = [{"number": number, "name": f"公共客户{i}", "type": "intent", "service_org_id": org(org_code).id,
             "pool": Pool.PUBLIC, "pool_reason": "release", "pool_changed_at": now - timedelta(minutes=n - i),
             "created_at": now, "updated_at": now} for i, number in enumerate(numbers)]
    ids = list(db.session.scalars(insert(Customer).returning(Customer.id, sort_by_parameter_order=True), rows))
    db.session.commit()
    return ids


TEMPLATE_HEADER = ["客户姓名*", "性别", "出生日期", "证件类型", "证件号码", "手机号码*", "其他电话", "地址",
                   "所属组织*", "客户分类", "客户来源", "客户等级", "标签", "备注"]


def xlsx_bytes(rows: Sequence[Sequence[Any]], header: Sequence[str] | None = None) -> bytes:
    """An .xlsx whose first sheet has the template header (or ``header``) and ``rows``."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(header or TEMPLATE_HEADER))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def row(name: str, phone: str, org_code: str = "SH-LC1", id_number: str = "", **extra: Any) -> list[Any]:
    """One template row; keyword arguments fill the optional columns by key."""
    values = {"name": name, "gender": "", "birthday": "", "id_type": "", "id_number": id_number, "phone": phone,
              "phone2": "", "address": "", "org": org_code, "category": "", "source": "", "grade": "", "tags": "",
              "remark": ""}
    values.update(extra)
    return list(values.values())


def at(days: float = 0, hours: float = 0) -> datetime:
    return clock.now() + timedelta(days=days, hours=hours)
