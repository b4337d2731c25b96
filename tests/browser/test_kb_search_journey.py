"""seat01 on a call: on the customer 360 page types two characters from the middle of a word (赎回 in 提前赎回)
into the 知识库检索 box and sees the article with the hit highlighted, without leaving the page (htmx); the
full search page shows it too."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from tests.conftest import browser_login, screenshot, user_named
from tests.integration.test_kb_search import category, published

pytestmark = pytest.mark.browser


def test_seat_finds_an_article_from_the_360_page_by_two_characters(app, page):
    funds = category("基金业务")
    article_id = published(funds, "开放式基金赎回规则",
                           "客户可在开放日申请提前赎回，T+1 日确认，赎回款两个工作日内到账。")
    published(funds, "定投说明", "每月扣款日前请确保银行卡余额充足。")
    customer_id = db.session.execute(db.text("select id from customer where service_seat_id = :u order by id limit 1"),
                                     {"u": user_named("seat01").id}).scalar_one()
    db.session.commit()

    browser_login(page, "seat01")
    page.goto(f"/customers/{customer_id}")
    page.evaluate("window.stayedOnPage = true")  # gone if the search reloads or leaves the page
    box = page.locator("#kb-search-box")
    box.get_by_label("知识库检索").fill("赎回")
    hit = box.locator(".kb-hit", has_text="开放式基金赎回规则")  # beside the demo knowledge base's 赎回 articles
    hit.wait_for()
    assert hit.locator("mark").first.inner_text() == "赎回"
    assert "定投说明" not in box.inner_text()
    assert hit.get_attribute("href").endswith(f"/kb/articles/{article_id}")
    assert page.evaluate("window.stayedOnPage") is True
    screenshot(page, "kb_search_360_box")

    page.goto("/kb/search")
    page.get_by_label("搜索知识").fill("前赎")
    page.wait_for_url(re.compile(r".*q=.*"))
    result = page.locator("#kb-results .kb-hit", has_text="开放式基金赎回规则")
    result.wait_for()
    assert result.locator("mark").first.inner_text() == "前赎"
    assert "命中：正文" in result.inner_text()
    screenshot(page, "kb_search_page")
