"""A seat clicks through the public pool with 首页 / 上一页 / 下一页 / 末页; every link is a bookmarkable URL."""

from __future__ import annotations

import pytest

from app.customers.models import Customer
from app.extensions import db
from app.pools import services as pools
from tests.conftest import browser_login, screenshot, user_named
from tests.integration.test_keyset_pages import add_public_customers

pytestmark = pytest.mark.browser


def shown(page) -> list[str]:
    return page.locator("tr[data-customer]").evaluate_all("rows => rows.map(r => r.dataset.customer)")


def test_a_seat_pages_the_public_pool_forward_back_and_to_the_end(app, page):
    add_public_customers(120)
    expected = list(db.session.scalars(pools.public_pool(db.session, user_named("seat01"))
                                       .with_only_columns(Customer.number)
                                       .order_by(Customer.pool_changed_at, Customer.id)))
    browser_login(page, "seat01")
    page.goto("/pools/public")
    pager = page.get_by_role("navigation", name="分页")
    assert f"共 {len(expected)} 条" in pager.inner_text() and shown(page) == expected[:50]

    pager.get_by_role("link", name="下一页").click()
    page.wait_for_url("**after=*")
    assert shown(page) == expected[50:100]
    bookmarked = page.url

    pager.get_by_role("link", name="末页").click()
    page.wait_for_url("**last=1*")
    tail = len(expected) % 50 or 50
    assert shown(page) == expected[-tail:] and pager.get_by_role("link", name="下一页").count() == 0
    screenshot(page, "keyset-pager-last")

    pager.get_by_role("link", name="上一页").click()
    page.wait_for_url("**before=*")
    assert shown(page) == expected[-tail - 50:-tail]

    pager.get_by_role("link", name="首页").click()
    page.wait_for_url("**/pools/public")
    assert shown(page) == expected[:50] and pager.get_by_role("link", name="上一页").count() == 0

    page.goto(bookmarked)
    assert shown(page) == expected[50:100]
