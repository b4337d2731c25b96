"""In Chromium: the admin creates a knowledge category and an article with a Word attachment and submits it;
the 知识审核员 kb01 returns it with a comment from the task page, the admin edits and resubmits, kb01 approves,
and seat01 reads the published article and its attachment list."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.kb.models import KbArticleVersion
from tests import kb_documents as docs
from tests.conftest import browser_login, rich_text_editor, screenshot, type_rich_text

pytestmark = pytest.mark.browser


def _context(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1400, "height": 900},
                                  reduced_motion="reduce")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda dialog: dialog.accept())
    return context, page


def _review(browser, live_server, outcome: str, comment: str, shot: str) -> None:
    context, reviewer = _context(browser, live_server)
    browser_login(reviewer, "kb01")
    reviewer.locator("#main-menu").get_by_role("link", name="知识库审核", exact=True).click()
    reviewer.locator("#kb-reviews").get_by_role("link", name="审核").click()
    reviewer.get_by_text("稳盈理财赎回规则").first.wait_for()  # the version beside the form
    if comment:
        reviewer.get_by_label("审核意见").fill(comment)
    screenshot(reviewer, shot)
    reviewer.get_by_role("button", name=outcome, exact=True).click()
    reviewer.get_by_text("已办理“知识审核”").first.wait_for()
    context.close()


def test_article_written_returned_resubmitted_approved_and_read(app, page, browser, live_server, tmp_path):
    page.on("dialog", lambda dialog: dialog.accept())
    browser_login(page, "admin")
    page.locator("#main-menu").get_by_role("link", name="知识分类维护", exact=True).click()
    page.get_by_label("分类名称", exact=True).first.fill("理财培训")
    page.locator("#category-new").get_by_role("button", name="新增").click()
    assert "已新增分类“理财培训”" in page.content()
    screenshot(page, "kb-categories")

    page.locator("#main-menu").get_by_role("link", name="知识库维护", exact=True).click()
    page.get_by_role("link", name="编写知识").click()
    page.get_by_label("知识分类").select_option(label="理财培训")
    page.get_by_label("知识标题").fill("稳盈理财赎回规则培训")
    type_rich_text(page, "正文", intro="开放日可申请赎回，", bold="T+2 到账",
                   bullets=["持有不满 30 天收取赎回费", "节假日顺延"], after="<script>alert(1)</script>")
    word = tmp_path / "赎回规则.docx"
    word.write_bytes(docs.docx("稳盈理财赎回规则", "持有不满 30 天收取赎回费"))
    page.get_by_label("附件", exact=True).set_input_files(str(word))
    screenshot(page, "kb-article-form")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_url(re.compile(r".*/kb/articles/\d+$"))
    article_url = page.url
    assert page.get_by_role("link", name="赎回规则.docx").is_visible()
    body = page.locator("#kb-body")
    assert body.locator("strong").inner_text() == "T+2 到账"
    assert body.locator("ul > li").all_inner_texts() == ["持有不满 30 天收取赎回费", "节假日顺延"]
    assert "<script>alert(1)</script>" in body.inner_text() and body.locator("script").count() == 0
    db.session.commit()
    stored = db.session.scalar(select(KbArticleVersion).where(KbArticleVersion.title == "稳盈理财赎回规则培训"))
    assert "<strong>T+2 到账</strong>" in stored.body_html
    assert "<ul><li>持有不满 30 天收取赎回费</li><li>节假日顺延</li></ul>" in stored.body_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in stored.body_html and "<script" not in stored.body_html
    page.get_by_role("button", name="提交审核").click()
    page.get_by_text("已提交知识审核").first.wait_for()

    _review(browser, live_server, "退回修改", "请补充风险提示：理财非存款，投资须谨慎。", "kb-review-return")

    page.goto(article_url)
    assert "请补充风险提示" in page.locator("#kb-versions").inner_text()
    page.get_by_role("link", name="修改", exact=True).click()
    editor = rich_text_editor(page, "正文")
    assert editor.locator("strong").inner_text() == "T+2 到账"  # the editor starts from the saved body
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("理财非存款，投资须谨慎。")
    screenshot(page, "kb-article-form-edit")
    page.get_by_role("button", name="保存", exact=True).click()
    page.get_by_text("已保存为第 1 版").first.wait_for()
    page.get_by_role("button", name="提交审核").click()
    page.get_by_text("已提交知识审核").first.wait_for()

    _review(browser, live_server, "通过", "", "kb-review-approve")

    context, seat = _context(browser, live_server)
    browser_login(seat, "seat01")
    seat.locator("#main-menu").get_by_role("link", name="知识库", exact=True).click()
    seat.locator("#kb-tree").get_by_role("link", name="理财培训").click()
    seat.locator("#kb-articles").get_by_role("link", name="稳盈理财赎回规则培训").click()
    assert "理财非存款，投资须谨慎。" in seat.locator("#kb-body").inner_text()
    assert seat.locator("#kb-body strong").inner_text() == "T+2 到账"
    assert seat.locator("#kb-body ul > li").count() == 2
    assert seat.locator("#kb-attachments").get_by_role("link", name="赎回规则.docx").is_visible()
    assert seat.locator("#kb-versions").count() == 0  # readers see the live version only
    screenshot(seat, "kb-article-read")

    # On a call: from a customer's 360 page, two characters from the middle of a body word (放日 in 开放日).
    seat.locator("#main-menu").get_by_role("link", name="客户信息管理", exact=True).click()
    seat.locator("table tbody tr a[href*='/customers/']").first.click()
    seat.wait_for_url(re.compile(r".*/customers/\d+$"))
    seat.wait_for_load_state("load")  # htmx binds the box once its script has run
    box = seat.locator("#kb-search-box")
    box.get_by_label("知识库检索").fill("放日")
    hit = box.locator(".kb-hit", has_text="稳盈理财赎回规则培训")
    hit.wait_for()
    assert hit.locator("mark").first.inner_text() == "放日"
    screenshot(seat, "kb-article-found-from-360")
    context.close()
