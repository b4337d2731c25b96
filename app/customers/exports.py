"""Customer list exports (客户信息 and the pool and work-platform lists): the rows of an .xlsx, read set-based.

The list's own query (scope and filters already applied) is narrowed to the columns the sheet shows and
read 1,000 rows at a time (a server-side cursor on PostgreSQL); each batch then costs one query for its
phones with their blacklist flags and one for its addresses — no ORM objects and nothing per customer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Select, select

from app.admin import dictionaries
from app.auth.models import User
from app.customers import blacklist, visibility
from app.customers.access import CUSTOMER_SOURCE
from app.customers.categories import category_labels
from app.customers.models import Customer, CustomerAddress, CustomerPhone, Pool
from app.database import DbSession
from app.exports import EXPORT_CAP, capped
from app.org.models import Org

EXPORT_HEADERS = ["客户编号", "姓名", "性别", "出生日期", "证件类型", "证件号码", "电话", "地址", "客户分类",
                  "客户类型", "客户等级", "客户来源", "服务坐席", "服务组织", "所在信息池", "导入编号", "标签", "备注",
                  "最近跟进", "创建时间"]
BATCH = 1_000

EXPORT_COLUMNS = (Customer.id, Customer.number, Customer.name, Customer.gender, Customer.birthday, Customer.id_type,
            Customer.id_number, Customer.category_id, Customer.type, Customer.grade, Customer.source,
            Customer.service_seat_id, Customer.service_org_id, Customer.pool, Customer.import_batch, Customer.tags,
            Customer.remark, Customer.last_followup_at, Customer.created_at)


def export_rows(session: DbSession, customers: Select[Any], limit: int = EXPORT_CAP) -> Iterator[Sequence[Any]]:
    """Stream the rows of ``customers`` (a scoped, filtered, ordered ``select(Customer)``) for an export.

    A customer of a masked pool (公共信息池, app.customers.visibility) shows the middle of phones and ID numbers
    hidden and no addresses, whichever list exports it. Past ``limit`` rows the sheet ends with
    ``app.exports.capped_note``.
    """
    categories = category_labels(session)
    users = dict(session.execute(select(User.id, User.name)).all())
    orgs = dict(session.execute(select(Org.id, Org.name)).all())
    sources = dict(dictionaries.choices(session, CUSTOMER_SOURCE))
    stmt = customers.with_only_columns(*EXPORT_COLUMNS).limit(limit + 1).execution_options(yield_per=BATCH)

    def rows() -> Iterator[list[Any]]:
        for batch in session.execute(stmt).partitions():
            yield from _rows(session, batch, categories, users, orgs, sources)

    return capped(rows(), limit)


def _rows(session: DbSession, batch: Sequence[Any], categories: dict[int, str], users: dict[int, str],
          orgs: dict[int, str], sources: dict[str, str]) -> Iterator[list[Any]]:
    pools = {c.id: c.pool for c in batch}
    phones = _phones(session, pools)
    addresses: dict[int, list[str]] = defaultdict(list)
    shown = [c.id for c in batch if not visibility.masked(c.pool)]
    if shown:
        for customer_id, address in session.execute(
                select(CustomerAddress.customer_id, CustomerAddress.address)
                .where(CustomerAddress.customer_id.in_(shown))
                .order_by(CustomerAddress.customer_id, CustomerAddress.is_primary.desc(), CustomerAddress.id)):
            addresses[customer_id].append(address)
    for c in batch:
        yield [c.number, c.name, c.gender.label, c.birthday, c.id_type.label,
               visibility.id_number_shown(c.pool, c.id_number), phones.get(c.id, ""),
               "；".join(addresses.get(c.id, ())), categories.get(c.category_id or 0, ""), c.type.label, c.grade,
               sources.get(c.source, c.source), users.get(c.service_seat_id or 0, ""), orgs.get(c.service_org_id, ""),
               c.pool.label, c.import_batch, c.tags, c.remark, c.last_followup_at, c.created_at]


def _phones(session: DbSession, pools: dict[int, Pool]) -> dict[int, str]:
    """Each customer's phones, primary first, as one cell: "138…，139…（黑名单）", masked as its pool says."""
    rows = session.execute(
        select(CustomerPhone.customer_id, CustomerPhone.phone).where(CustomerPhone.customer_id.in_(pools))
        .order_by(CustomerPhone.customer_id, CustomerPhone.is_primary.desc(), CustomerPhone.id)).all()
    flagged = blacklist.blacklisted(session, (phone for _id, phone in rows))
    cells: dict[int, list[str]] = defaultdict(list)
    for customer_id, phone in rows:
        cells[customer_id].append(visibility.phone_shown(pools[customer_id], phone)
                                  + ("（黑名单）" if phone in flagged else ""))
    return {customer_id: "，".join(shown) for customer_id, shown in cells.items()}
