"""In Chromium: seat01 opens 生日关怀 from the menu, sees a customer whose birthday is today (demo data), opens the
care message rendered from the 生日祝福 template, switches to the 节日问候 template and back, marks the care done,
and finds it on the customer's 360 page; the list then shows 本次已关怀."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.care.models import CareRecord
from app.customers.models import Customer, Pool
from app.extensions import db
from tests.conftest import browser_login, screenshot
from tests.customer_helpers import user

pytestmark = pytest.mark.browser


def _birthday_today() -> Customer:
    today = clock.today()
    seat = user("seat01")
    found = next(c for c in db.session.scalars(select(Customer).where(
        Customer.service_seat_id == seat.id, Customer.pool == Pool.PERSONAL).order_by(Customer.id))
        if c.birthday and (c.birthday.month, c.birthday.day) == (today.month, today.day))
    db.session.commit()
    return found


def test_seat01_cares_for_a_birthday_from_the_list_and_sees_it_on_the_360_page(app, page):
    customer = _birthday_today()
    age = clock.today().year - customer.birthday.year
    browser_login(page, "seat01")
    page.locator("#main-menu").get_by_role("link", name="生日关怀", exact=True).click()
    row = page.locator(f"#care-table tr[data-customer='{customer.id}']")
    row.wait_for()
    assert "今天" in row.inner_text() and f"{age} 岁" in row.inner_text() and "张坐席" in row.inner_text()
    screenshot(page, "care-0-birthdays")

    row.get_by_role("link", name="关怀话术").click()
    message = page.get_by_label("关怀内容")
    message.wait_for()
    text = message.input_value()
    assert f"今天是您的 {age} 岁生日" in text and "张坐席" in text and "{" not in text
    page.get_by_label("关怀模板").select_option(label="节日问候（节日）")
    page.wait_for_url(re.compile(r".*template=\d+.*"))
    assert "值此佳节" in page.get_by_label("关怀内容").input_value()
    page.get_by_label("关怀模板").select_option(label="生日祝福")
    page.wait_for_url(re.compile(r".*template=\d+.*"))
    message = page.get_by_label("关怀内容")
    message.fill(message.input_value() + "（已电话祝福）")
    screenshot(page, "care-1-message")
    page.get_by_role("button", name="关怀已完成，登记").click()

    page.wait_for_url(re.compile(rf".*/customers/{customer.id}(#section-care)?$"))
    assert f"已登记对 {customer.name} 的关怀" in page.locator(".alert-success").inner_text()
    section = page.locator("#section-care")
    assert "（已电话祝福）" in section.inner_text() and "生日祝福" in section.inner_text()
    section.scroll_into_view_if_needed()
    screenshot(page, "care-2-customer-360")

    db.session.rollback()
    stored = db.session.scalars(select(CareRecord).where(CareRecord.customer_id == customer.id)
                                .order_by(CareRecord.id.desc())).first()
    assert stored is not None and stored.message.endswith("（已电话祝福）") and stored.occasion == clock.today()
    assert stored.cared_at > clock.now() - timedelta(minutes=5)

    page.locator("#main-menu").get_by_role("link", name="生日关怀", exact=True).click()
    assert "本次已关怀" in page.locator(f"#care-table tr[data-customer='{customer.id}']").inner_text()
