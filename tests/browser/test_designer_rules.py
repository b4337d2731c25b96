"""规则表 in the browser: a designer creates a decision table in dmn-js, sees an unsafe cell outlined,
fixes it and publishes version 1."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.workflow.models import DecisionTable
from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser


def edit_cell(page, cell_id: str, text: str) -> None:
    cell = page.locator(f'td[data-element-id="{cell_id}"]')
    cell.click()
    editable = cell.locator("[contenteditable]").first
    editable.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)  # as pasted: the cell editor's auto-closing brackets stay out of it
    page.locator("h1").click()  # leave the cell


def test_designer_edits_validates_and_publishes_a_decision_table(app, page):
    browser_login(page, "designer01")
    page.get_by_role("link", name="流程设计", exact=True).click()
    page.get_by_role("link", name="新建规则表").click()
    page.get_by_label("规则表标识").fill("vip_grade")
    page.get_by_label("规则表名称").fill("客户等级")
    page.get_by_role("button", name="创建并打开编辑器").click()
    page.locator("#dmn-container[data-loaded='true']").wait_for()

    edit_cell(page, "OutputEntry_2", "().__class__")
    page.get_by_role("button", name="校验").click()
    page.locator("#designer-status.alert-danger").wait_for()
    assert "不能通过安全检查" in page.locator('#problems li[data-element="OutputEntry_2"]').inner_text()
    assert "designer-error-cell" in (page.locator('td[data-element-id="OutputEntry_2"]').get_attribute("class") or "")
    screenshot(page, "designer-dmn-problem")

    edit_cell(page, "OutputEntry_2", '"silver"')
    page.get_by_role("button", name="校验").click()
    page.locator("#designer-status.alert-success").wait_for()
    page.get_by_role("button", name="发布…").click()
    page.get_by_label("发布说明").fill("新建客户等级规则")
    page.get_by_label("我确认发布规则表第 1 版").check()
    page.get_by_role("button", name="确认发布").click()
    page.locator("#designer-status.alert-success", has_text="已发布为第 1 版").wait_for()

    db.session.rollback()
    table = db.session.scalars(select(DecisionTable).where(DecisionTable.key == "vip_grade")).one()
    assert table.version == 1 and '"silver"' in table.xml and table.decision_ids == ["vip_grade"]
    db.session.commit()
