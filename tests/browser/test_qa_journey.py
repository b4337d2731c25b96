"""In Chromium: seat01 asks a question, head01 answers it, seat01 accepts the answer, head01 turns the accepted
answer into a knowledge draft; then 问答汇总 draws its chart."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.kb.models import KbArticleVersion, KbCategory
from app.qa.models import QaAnswer, QaQuestion, QuestionStatus
from tests.conftest import browser_login, screenshot, type_rich_text

pytestmark = pytest.mark.browser

TITLE = "客户想提前赎回稳盈 2 号怎么办？"


def _as(browser, live_server, username: str):
    context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1400, "height": 900},
                                  reduced_motion="reduce")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda dialog: dialog.accept())
    browser_login(page, username)
    return context, page


def test_ask_answer_accept_and_promote_to_a_knowledge_draft(app, page, browser, live_server):
    db.session.add(KbCategory(name="产品知识", sort_order=1))
    db.session.commit()

    browser_login(page, "seat01")
    page.locator("#main-menu").get_by_role("link", name="业务问答", exact=True).click()
    page.locator("#qa-ask").click()
    page.get_by_label("问题分类").select_option(label="产品咨询")
    page.get_by_role("button", name="提交问题").click()  # no title yet
    assert "请填写问题标题" in page.locator(".alert-danger").inner_text()
    page.get_by_label("问题标题").fill(TITLE)
    type_rich_text(page, "问题描述", intro="客户持有 3 个月，", bold="急需用钱",
                   bullets=["已查过产品说明书", "客户不接受亏损"], after="<script>alert('x')</script>能否提前赎回？")
    screenshot(page, "qa-0-ask-form")
    page.get_by_role("button", name="提交问题").click()
    page.locator("#qa-title").wait_for()
    assert page.locator("#qa-title").inner_text() == TITLE
    assert "<script>alert('x')</script>能否提前赎回？" in page.locator("#qa-body").inner_text()
    assert page.locator("#qa-body script").count() == 0
    assert page.locator("#qa-body strong").inner_text() == "急需用钱"
    assert page.locator("#qa-body ul > li").all_inner_texts() == ["已查过产品说明书", "客户不接受亏损"]
    screenshot(page, "qa-1-asked")

    head_context, head = _as(browser, live_server, "head01")
    head.locator("#main-menu").get_by_role("link", name="业务问答", exact=True).click()
    head.locator("#qa-tabs").get_by_role("link", name="待解答").click()
    head.locator("#qa-tabs .active", has_text="待解答").wait_for()
    screenshot(head, "qa-2-open-list")
    head.locator("#qa-table").get_by_role("link", name=TITLE).click()
    type_rich_text(head, "回答内容", intro="封闭期内", bold="不能赎回",
                   bullets=["可以在份额转让平台挂单转让", "手续费 0.5%"])
    screenshot(head, "qa-2-answer-form")
    head.get_by_role("button", name="提交回答").click()
    head.locator("[data-answer]").first.wait_for()
    assert "份额转让平台" in head.locator("[data-answer]").first.inner_text()
    screenshot(head, "qa-2-answered-by-head")

    page.reload()
    assert "1 个回答" in page.locator("#qa-answer-count").inner_text()
    page.get_by_role("button", name="采纳此回答").click()
    page.locator("[data-answer] .badge", has_text="已采纳").wait_for()
    assert page.get_by_role("button", name="采纳此回答").count() == 0
    assert page.locator("#qa-answer-form").count() == 0
    screenshot(page, "qa-3-accepted")

    head.reload()
    head.get_by_role("link", name="转为知识草稿").click()
    head.get_by_label("知识分类").select_option(label="产品知识")
    screenshot(head, "qa-4-promote-form")
    head.get_by_role("button", name="生成知识草稿").click()
    head.wait_for_url(re.compile(r".*/(qa|kb)/.*"))
    assert "已转为知识草稿" in head.content()
    screenshot(head, "qa-5-promoted")

    db.session.commit()
    question = db.session.scalar(select(QaQuestion).where(QaQuestion.title == TITLE))
    reply = db.session.scalar(select(QaAnswer).where(QaAnswer.question_id == question.id))
    assert question.status == QuestionStatus.ACCEPTED and "<script" not in question.body
    assert "<strong>急需用钱</strong>" in question.body and "&lt;script&gt;" in question.body
    assert "<ul><li>已查过产品说明书</li><li>客户不接受亏损</li></ul>" in question.body
    assert "<strong>不能赎回</strong>" in reply.body
    assert "<ul><li>可以在份额转让平台挂单转让</li><li>手续费 0.5%</li></ul>" in reply.body
    version = db.session.scalar(select(KbArticleVersion).where(KbArticleVersion.source == f"qa_answer:{reply.id}"))
    assert version is not None and version.article_id == reply.promoted_article_id and version.title == TITLE

    head.locator("#main-menu").get_by_role("link", name="问答汇总", exact=True).click()
    head.locator("#qa-by-month canvas").first.wait_for()
    assert "产品咨询" in head.locator("#qa-summary-categories").inner_text()
    screenshot(head, "qa-6-summary")
    head_context.close()
