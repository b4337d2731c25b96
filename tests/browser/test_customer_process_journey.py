"""seat01 starts a 客户回访 from a customer's 360 page; the task page shows the customer card."""

from __future__ import annotations

import pytest

from rules import phones as phone_rules
from tests.conftest import browser_login, screenshot
from tests.integration.trading import customers_of

pytestmark = pytest.mark.browser


def test_seat_starts_a_visit_from_360_and_works_it_from_the_customer_card(app, deploy_fixture, page):
    deploy_fixture("customer_visit")
    customer = customers_of("seat01")[0]
    browser_login(page, "seat01")
    page.goto(f"/customers/{customer.id}")
    page.get_by_role("button", name="发起流程").click()
    page.get_by_role("link", name="客户回访").click()
    assert page.locator("#subject").get_by_text(customer.number).is_visible()
    screenshot(page, "customer-process-start")
    page.get_by_role("button", name="发起").click()
    page.wait_for_url(f"**/customers/{customer.id}")
    assert f"已发起“客户回访 · {customer.name}”" in page.content()
    row = page.locator("#process-table tr", has_text=f"客户回访 · {customer.name}")
    assert "回访客户" in row.inner_text()
    page.locator("#section-processes").scroll_into_view_if_needed()
    screenshot(page, "customer-process-360")
    row.get_by_role("link", name="客户回访", exact=True).click()

    page.wait_for_url("**/tasks/*")
    card = page.locator("#subject")
    assert card.locator(".card-header").inner_text().startswith(f"客户 · {customer.name}")
    text = card.inner_text()
    assert customer.number in text and phone_rules.mask(customer.primary_phone) in text
    assert customer.primary_phone not in text
    page.locator("#diagram[data-rendered='true']").wait_for()
    screenshot(page, "customer-process-task")
    card.get_by_role("link", name="客户 360").click()
    page.wait_for_url(f"**/customers/{customer.id}")
