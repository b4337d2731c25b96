"""删除客户 in a real browser: a head's delete of a customer with trades is refused with the reason; a customer
without any is deleted and leaves the list; the administrator finds it on 已删除客户 and restores it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.customers.models import Customer, Pool
from app.extensions import db
from app.trades.models import Trade
from tests.conftest import browser_login, screenshot, user_named
from tests.customer_helpers import make_customer

pytestmark = pytest.mark.browser


def _context(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda dialog: dialog.accept())  # 删除 and 恢复 ask for confirmation
    return context, page


def _delete(page, reason: str) -> None:
    card = page.locator("#delete-customer")
    card.get_by_label("删除原因").fill(reason)
    card.get_by_role("button", name="删除客户").click()


def test_head_deletes_is_refused_for_a_traded_customer_and_admin_restores(app, browser, live_server):
    traded_id = db.session.scalar(select(Trade.customer_id).join(Customer, Customer.id == Trade.customer_id)
                                  .where(Customer.service_seat_id == user_named("seat01").id).limit(1))
    spare = make_customer("浏览器待删客户", org_code="SH-LC1-A", phones=["13917179901"], pool=Pool.DEPARTMENT)
    number = spare.number
    db.session.rollback()

    context, page = _context(browser, live_server)
    browser_login(page, "head01")
    page.goto(f"/customers/{traded_id}")
    _delete(page, "不再联系")
    page.wait_for_url(re.compile(rf".*/customers/{traded_id}$"))
    alert = page.locator(".alert").first.inner_text()
    assert "不能删除客户" in alert and "笔交易" in alert
    screenshot(page, "customer-delete-refused")

    page.goto(f"/customers/{spare.id}")
    _delete(page, "重复录入")
    page.wait_for_url(re.compile(r".*/customers/$"))
    assert f"已删除客户 浏览器待删客户（{number}）" in page.locator(".alert").first.inner_text()
    page.get_by_label("组合查询").fill("13917179901")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(r".*q=13917179901.*"))
    assert page.locator(f"tr[data-customer='{number}']").count() == 0
    assert page.get_by_role("link", name="已删除客户").count() == 0  # the admin's page only
    context.close()

    context, page = _context(browser, live_server)
    browser_login(page, "admin")
    page.get_by_role("link", name="已删除客户").click()
    page.wait_for_url(re.compile(r".*/customers/deleted$"))
    row = page.locator(f"#deleted-customers tr[data-customer='{number}']")
    assert "重复录入" in row.inner_text() and "李主管" in row.inner_text()
    screenshot(page, "customers-deleted")
    row.get_by_role("button", name="恢复").click()
    page.wait_for_url(re.compile(r".*/customers/deleted$"))
    assert f"已恢复客户 浏览器待删客户（{number}）" in page.locator(".alert").first.inner_text()
    assert page.locator(f"#deleted-customers tr[data-customer='{number}']").count() == 0
    page.goto(f"/customers/{spare.id}")
    assert "部门信息池" in page.locator("#customer-placement").inner_text()
    context.close()
