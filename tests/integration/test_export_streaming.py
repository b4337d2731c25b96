"""Customer exports stream: the .xlsx holds exactly what the list shows (escaped, Chinese, dates), masked in the
public pool, kept to the user's scope, cut with a note at the cap — and its bytes leave while rows are still read."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, insert, select

from app import clock
from app.customers import exports, services
from app.customers.models import Customer, CustomerPhone, PhoneBlacklistMark, Pool
from app.exports import capped_note
from app.extensions import db
from tests.customer_helpers import make_customer, new_id_number, public_customers, user

pytestmark = pytest.mark.db_sensitive


def sheet_rows(data: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def blacklist(phone: str) -> None:
    db.session.execute(insert(PhoneBlacklistMark), [
        {"phone": phone, "user_id": user(name).id, "reason": "骚扰", "at": clock.now()}
        for name in ("seat01", "seat02", "seat11")])
    db.session.commit()


def near(moment: datetime | None) -> datetime | None:
    """A stored moment as the sheet shows it: local time, no zone (compared to the second)."""
    return clock.local(moment).replace(tzinfo=None) if moment else None


def test_the_export_holds_the_listed_rows_with_every_value_as_the_user_sees_it(login_as):
    seat = user("seat01")
    customer = services.create_customer(db.session, services.CustomerInput(
        name="王小明", birthday=date(1985, 6, 1), id_number=new_id_number("19850601"),
        phones=["13611112222", "021-61234567"], address="上海市浦东新区世纪大道1号", grade="A",
        tags="沙龙意向", remark="=HYPERLINK(\"http://x\")"), org_id=seat.org_id, seat_id=seat.id, actor_id=seat.id)
    customer.last_followup_at = clock.now() - timedelta(days=2, minutes=7)
    db.session.commit()
    other = make_customer("李四", seat="seat01", phones=["13611113333"])
    blacklist("02161234567")
    client = login_as("seat01")

    listing = client.get("/customers/", query_string={"q": "136111"}).get_data(as_text=True)
    rows = sheet_rows(client.get("/customers/export", query_string={"q": "136111"}).data)

    assert rows[0] == tuple(exports.EXPORT_HEADERS)
    assert [r[0] for r in rows[1:]] == [customer.number, other.number]
    assert customer.number in listing and other.number in listing
    first = rows[1]
    assert first[:3] == (customer.number, "王小明", customer.gender.label)
    assert first[3] == datetime(1985, 6, 1)
    assert first[4:7] == ("居民身份证", customer.id_number, "13611112222，02161234567（黑名单）")
    assert first[7] == "上海市浦东新区世纪大道1号"
    assert first[9:16] == (customer.type.label, "A", None, seat.name, seat.org.name, "个人信息池", None)
    assert first[16:18] == ("沙龙意向", "'=HYPERLINK(\"http://x\")")
    for shown, stored in ((first[18], customer.last_followup_at), (first[19], customer.created_at)):
        assert abs(shown - near(stored)) < timedelta(seconds=1)
    assert rows[2][6] == "13611113333" and rows[2][18] is None


def test_the_public_pool_export_masks_phones_and_id_numbers_and_leaves_addresses_out(login_as):
    [customer_id] = public_customers(1)
    customer = db.session.get(Customer, customer_id)
    customer.id_number = new_id_number()
    db.session.execute(insert(CustomerPhone), [{"customer_id": customer_id, "phone": "13699998888",
                                                "is_primary": True, "remark": ""}])
    db.session.commit()
    rows = sheet_rows(login_as("seat01").get("/pools/public/export").data)
    [row] = [r for r in rows if r[0] == customer.number]
    assert row[5] == "****" + customer.id_number[-4:]
    assert row[6] == "136****8888" and row[7] is None


@pytest.mark.parametrize(("username", "url"), [
    ("seat11", "/customers/export"), ("seat11", "/customers/workbench/current/export"),
    ("seat11", "/pools/personal/export"), ("head11", "/customers/export"), ("head11", "/pools/department/export"),
])
def test_a_user_exports_nothing_outside_their_scope(login_as, username, url):
    theirs = make_customer("一部客户", seat="seat01", phones=["13611110001"])
    department = make_customer("一部部门池", pool=Pool.DEPARTMENT, phones=["13611110003"])
    ours = make_customer("二部客户", seat="seat11", phones=["13611110002"])
    numbers = {r[0] for r in sheet_rows(login_as(username).get(url).data)[1:]}
    assert theirs.number not in numbers and department.number not in numbers
    assert ours.number in numbers or url.endswith("department/export")


def test_an_export_past_the_cap_ends_with_a_note_saying_rows_were_left_out(app):
    stmt = select(Customer).where(Customer.id.in_(public_customers(3)))
    rows = list(exports.export_rows(db.session, stmt.order_by(Customer.id), limit=2))
    assert len(rows) == 3 and rows[-1] == [capped_note(2)] and "仅导出前 2 行" in rows[-1][0]
    assert len(list(exports.export_rows(db.session, stmt.order_by(Customer.id), limit=3))) == 3


def test_the_file_leaves_while_the_rows_are_still_being_read(app, login_as):
    ids = public_customers(2_500)
    db.session.execute(insert(CustomerPhone), [{"customer_id": i, "phone": f"1370000{n:04d}", "is_primary": True,
                                                "remark": ""} for n, i in enumerate(ids)])
    db.session.commit()
    client = login_as("seat01")
    batches_read = 0

    def count(_conn, _cursor, statement, *_args) -> None:
        nonlocal batches_read
        batches_read += "FROM customer_phone" in statement

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get("/pools/public/export", buffered=False)
        assert response.is_streamed and "Content-Length" not in response.headers
        seen, body = [], bytearray()
        for chunk in response.response:
            seen.append(batches_read)
            body += chunk
        response.close()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # Three batches of 1,000 customers: bytes went out before the first was read and between the batches.
    assert seen[0] == 0 and 1 in seen and 2 in seen and seen[-1] == 3
    numbers = set(db.session.scalars(select(Customer.number).where(Customer.id.in_(ids))))
    assert numbers <= {row[0] for row in sheet_rows(bytes(body))}
