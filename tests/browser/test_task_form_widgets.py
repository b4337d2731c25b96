"""A seat fills a browser-built task form in a real browser: picks a customer with the search box, uploads a
file, and sees the customer's name (never the id) on the page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.workflow import views
from app.workflow.models import ProcessInstance
from tests.conftest import browser_login, screenshot
from tests.customer_helpers import make_customer
from tests.integration.test_task_form_fields import CUSTOMER, RECORD, RESULT, design, start_task

pytestmark = pytest.mark.browser


def test_seat_picks_a_customer_and_uploads_a_file(app, login_as, page, tmp_path):
    mine = make_customer("回访甲", seat="seat01")
    make_customer("别人的客户", seat="seat02")
    assert design(login_as, CUSTOMER, RESULT, RECORD).status_code == 201
    task = start_task()
    record = tmp_path / "回访单.pdf"
    record.write_bytes(b"%PDF-1.4\n%browser\n")

    browser_login(page, "seat01")
    page.goto(f"/tasks/{task.id}")
    search = page.locator("#customer_id-search")
    search.fill("别人的客户")
    page.get_by_text("没有找到，请换个关键词").wait_for()  # outside the seat's scope: not offered
    search.fill("回访甲")
    found = page.get_by_role("button", name=f"回访甲（{mine.number}）")
    found.wait_for()
    screenshot(page, "task-form-customer-search")
    found.click()
    assert page.locator("#customer_id").input_value() == str(mine.id)
    assert page.locator("[data-reference-chosen]").inner_text() == f"已选：回访甲（{mine.number}）"
    page.get_by_label("回访结果").select_option("ok")
    page.locator("#record_file-upload").set_input_files(str(record))
    screenshot(page, "task-form-customer-and-file")
    page.get_by_role("button", name="已回访").click()
    page.wait_for_url("**/tasks/")
    assert "已办理“回访客户”" in page.content()

    db.session.rollback()
    instance = db.session.scalars(select(ProcessInstance).where(ProcessInstance.id == task.instance_id)).one()
    data = views.instance_data(instance)
    assert data["customer_id"] == mine.id and isinstance(data["record_file"], int)
