"""A head imports a customer file: upload, progress polled by htmx, the refused rows, import of the valid rows."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login, screenshot
from tests.customer_helpers import row, xlsx_bytes

pytestmark = pytest.mark.browser


def test_head_imports_valid_rows_into_the_department_pool(page, tmp_path):
    upload = tmp_path / "客户名单.xlsx"
    upload.write_bytes(xlsx_bytes([row(f"导入客户{i}", f"1377777{i:04d}") for i in range(40)]
                                  + [row("电话有误", "1377777"), row("重复电话", "13777770001")]))
    browser_login(page, "head01")
    page.get_by_role("link", name="客户信息导入").click()
    page.get_by_label("导入文件（.xlsx）").set_input_files(str(upload))
    page.get_by_label("导入编号").fill("BROWSER-01")
    page.get_by_role("button", name="上传并校验").click()
    page.wait_for_url(re.compile(r".*/customers/imports/\d+$"))
    # htmx polls the progress and reloads the page when validation ends.
    decision = page.locator("#import-decision")
    decision.wait_for(timeout=30_000)
    assert "40 行可导入" in decision.inner_text() and "2 行有问题" in decision.inner_text()
    errors = page.locator("#import-errors").inner_text()
    assert "手机号码" in errors and "与第 3 行重复" in errors
    screenshot(page, "import-validated")

    page.get_by_role("button", name="导入 40 条有效行").click()
    page.locator("#import-message", has_text="导入完成").wait_for(timeout=30_000)
    assert "40 个客户进入部门信息池" in page.locator("#import-message").inner_text()
    page.get_by_role("link", name="查看本次导入的客户").click()
    expect(page.locator("#customer-table tbody tr")).to_have_count(40)  # waits for the list to load
    screenshot(page, "import-done-customers")
