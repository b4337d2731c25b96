"""Keyset pages (首页 / 上一页 / 下一页 / 末页 with a bounded count): the rows OFFSET pages would show, on both
databases, and links that keep the filters."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import event, insert, select, text

from app import clock, pagination
from app.customers.models import Customer, Pool
from app.database import is_postgres
from app.extensions import db
from app.pagination import keyset_page
from app.pools import services as pools
from tests.conftest import user_named

pytestmark = pytest.mark.db_sensitive

PER_PAGE = 50


def add_public_customers(count: int) -> None:
    """``count`` customers in seat01's public pool, seven to a moment (ties the id has to break)."""
    seat = user_named("seat01")
    start = clock.now() - timedelta(days=3)
    db.session.execute(insert(Customer), [
        {"number": f"KP{i:05d}", "name": f"分页客户{i}", "service_org_id": seat.org_id, "pool": Pool.PUBLIC,
         "pool_changed_at": start + timedelta(minutes=i % 7)} for i in range(count)])
    db.session.commit()


ORDERS = {"ascending": (Customer.pool_changed_at, Customer.id),
          "descending": (Customer.pool_changed_at.desc(), Customer.id.desc())}


def page_at(app, stmt, order, sort_few: bool = False, **args) -> pagination.KeysetPage:
    with app.test_request_context("/?" + urlencode(args)):
        return keyset_page(stmt, order, PER_PAGE, sort_few=sort_few)


def ids(page) -> list[int]:
    return [c.id for c in page.items]


@pytest.mark.parametrize("direction", ORDERS)
def test_next_and_previous_walk_the_offset_pages(app, direction):
    add_public_customers(130)
    order = ORDERS[direction]
    stmt = select(Customer).where(Customer.number.like("KP%"))
    offset_pages = [list(db.session.scalars(select(Customer.id).where(Customer.number.like("KP%"))
                                            .order_by(*order).limit(PER_PAGE).offset(n * PER_PAGE)))
                    for n in range(3)]

    forward, page = [], page_at(app, stmt, order)
    assert not page.has_prev and page.total_label == "共 130 条"
    forward.append(ids(page))
    while page.has_next:
        page = page_at(app, stmt, order, after=page.next_cursor)
        assert page.has_prev and page.total == 130
        forward.append(ids(page))
    assert forward == offset_pages

    page = page_at(app, stmt, order, last=1)  # the total is known: 末页 holds what forward paging leaves
    backward = [ids(page)]
    assert not page.has_next and page.has_prev
    while page.has_prev:
        page = page_at(app, stmt, order, before=page.prev_cursor)
        assert page.has_next
        backward.append(ids(page))
    assert backward[::-1] == offset_pages


def test_a_count_over_the_cap_says_so_and_the_last_page_is_the_last_rows(app, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 100)
    add_public_customers(130)
    order = ORDERS["descending"]
    stmt = select(Customer).where(Customer.number.like("KP%"))
    everything = list(db.session.scalars(select(Customer.id).where(Customer.number.like("KP%")).order_by(*order)))

    first = page_at(app, stmt, order)
    assert first.more_than_cap and first.total_label == "共 100+ 条"
    last = page_at(app, stmt, order, last=1)
    assert ids(last) == everything[-PER_PAGE:] and last.total_label == "共 100+ 条"
    before = page_at(app, stmt, order, before=last.prev_cursor)
    assert ids(before) == everything[30:80] and before.has_prev
    # 上一页 once more meets the start with a full first page, not the 30 rows left before the cursor
    start = page_at(app, stmt, order, before=before.prev_cursor)
    assert ids(start) == everything[:PER_PAGE] and not start.has_prev and start.has_next


def test_a_malformed_cursor_starts_over_and_one_past_the_end_shows_the_last_page(app):
    add_public_customers(60)
    order = ORDERS["ascending"]
    stmt = select(Customer).where(Customer.number.like("KP%"))
    first = page_at(app, stmt, order)
    for junk in ("x", "2026-01-01~", "2026-06-01T00:00:00~5", "1~2~3"):  # naive timestamp, wrong arity…
        assert ids(page_at(app, stmt, order, after=junk)) == ids(first)
    past = page_at(app, stmt, order, after=f"{(clock.now() + timedelta(days=1)).isoformat()}~1")
    assert len(past.items) == 10 and not past.has_next and past.has_prev


def test_a_small_first_page_counts_nothing_more(app):
    add_public_customers(7)
    page = page_at(app, select(Customer).where(Customer.number.like("KP%")), ORDERS["ascending"])
    assert page.total_label == "共 7 条" and not page.has_prev and not page.has_next


def test_an_uncounted_list_says_no_total_unless_one_page_holds_it(app):
    add_public_customers(60)
    stmt = select(Customer).where(Customer.number.like("KP%"))
    with app.test_request_context("/"):
        page = keyset_page(stmt, ORDERS["ascending"], PER_PAGE, counted=False)
        assert page.total is None and page.total_label == "" and page.has_next
    with app.test_request_context("/?last=1"):
        assert len(keyset_page(stmt, ORDERS["ascending"], PER_PAGE, counted=False).items) == PER_PAGE
    with app.test_request_context("/"):
        assert keyset_page(stmt, ORDERS["ascending"], 100, counted=False).total_label == "共 60 条"


@pytest.mark.parametrize("direction", ORDERS)
def test_a_few_rows_sorted_rather_than_walked_page_alike(app, direction):
    """``sort_few`` (the inbox): a counted list of at most COUNT_CAP rows is read by its filter and sorted (on
    SQLite ``ORDER BY +pool_changed_at``) — the same pages, forward and back, as walking the order."""
    add_public_customers(130)
    order = ORDERS[direction]
    stmt = select(Customer).where(Customer.number.like("KP%"))
    with app.app_context():
        engine = db.engine
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        walks = {}
        for sort_few in (False, True):
            page, pages = page_at(app, stmt, order, sort_few), []
            pages.append(ids(page))
            while page.has_next:
                page = page_at(app, stmt, order, sort_few, after=page.next_cursor)
                pages.append(ids(page))
            while page.has_prev:
                page = page_at(app, stmt, order, sort_few, before=page.prev_cursor)
                pages.append(ids(page))
            walks[sort_few] = pages
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert walks[True] == walks[False] and len(walks[True]) == 5
    if not is_postgres():
        assert any("ORDER BY +customer.pool_changed_at" in statement for statement in sent)


def test_a_large_list_walks_its_order_index_and_finds_the_same_rows(app, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 20)
    add_public_customers(130)
    stmt = select(Customer).where(Customer.number.like("KP%"), Customer.pool == Pool.PUBLIC)
    order = ORDERS["descending"]
    everything = list(db.session.scalars(stmt.with_only_columns(Customer.id).order_by(*order)))
    with app.test_request_context("/"):
        first = keyset_page(stmt, order, PER_PAGE, walk_index="ix_customer_pool_changed")
    with app.test_request_context("/?" + urlencode({"after": first.next_cursor})):
        second = keyset_page(stmt, order, PER_PAGE, walk_index="ix_customer_pool_changed")
    with app.test_request_context("/?last=1"):
        last = keyset_page(stmt, order, PER_PAGE, walk_index="rowid")
    assert ids(first) + ids(second) == everything[:100] and ids(last) == everything[-PER_PAGE:]
    assert first.total_label == "共 20+ 条"


def test_keyset_orders_refuse_mixed_directions_and_nulls_last(app):
    stmt = select(Customer)
    with pytest.raises(ValueError, match="one direction"):
        page_at(app, stmt, (Customer.pool_changed_at.desc(), Customer.id))
    with pytest.raises(ValueError, match="plain"):
        page_at(app, stmt, (Customer.assigned_at.desc().nullslast(), Customer.id.desc()))


# --- through the screens ------------------------------------------------------------------------------------

NEXT = re.compile(r'href="([^"]+)">下一页<')
PREV = re.compile(r'href="([^"]+)">上一页<')


def numbers(html: str) -> list[str]:
    return re.findall(r'data-customer="([^"]+)"', html)


@pytest.mark.parametrize("cap", [10_000, 100])  # 100: a "large" list, which SQLite reads along the pool index
def test_the_public_pool_pages_through_every_customer_in_order(app, login_as, monkeypatch, cap):
    monkeypatch.setattr(pagination, "COUNT_CAP", cap)
    add_public_customers(130)
    seat = user_named("seat01")
    expected = list(db.session.scalars(pools.public_pool(db.session, seat).with_only_columns(Customer.number)
                                       .order_by(Customer.pool_changed_at, Customer.id)))
    client = login_as("seat01")
    html = client.get("/pools/public").get_data(as_text=True)
    assert (f"共 {len(expected)} 条" if cap > len(expected) else f"共 {cap}+ 条") in html
    assert "上一页" not in html and "末页" in html
    seen = numbers(html)
    while found := NEXT.search(html):
        html = client.get(found.group(1).replace("&amp;", "&")).get_data(as_text=True)
        seen += numbers(html)
        assert "首页" in html
    assert seen == expected
    # and back again from the last page
    html = client.get("/pools/public?last=1").get_data(as_text=True)
    back = numbers(html)
    while found := PREV.search(html):
        html = client.get(found.group(1).replace("&amp;", "&")).get_data(as_text=True)
        back = numbers(html) + back
    if cap > len(expected):  # a known total: 末页 holds what forward paging leaves, the pages meet exactly
        assert back == expected
    else:  # 末页 is the last 50 rows; back at the start, 上一页 shows a full first page that overlaps the next
        assert list(dict.fromkeys(back)) == expected and len(back) < len(expected) + PER_PAGE


def test_the_pager_keeps_repeated_filters_and_drops_the_old_cursor(app, login_as):
    add_public_customers(130)
    client = login_as("manager01")
    html = client.get("/customers/?type=new&type=intent&after=999999999").get_data(as_text=True)
    link = NEXT.search(html).group(1).replace("&amp;", "&")
    assert "type=new" in link and "type=intent" in link and link.count("after=") == 1
    assert "after=999999999" not in link
    following = client.get(link).get_data(as_text=True)
    assert set(numbers(following)).isdisjoint(numbers(html))


def test_the_audit_log_shows_a_bounded_count(app, login_as, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 20)
    html = login_as("admin").get("/admin/audit/").get_data(as_text=True)
    assert "共 20+ 条" in html and "下一页" in html and "末页" in html


def test_postgresql_connections_plan_without_jit(app):
    if not is_postgres():
        pytest.skip("JIT is a PostgreSQL setting")
    assert db.session.scalar(text("SHOW jit")) == "off"
