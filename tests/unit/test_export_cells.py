"""Export cells (app/exports.escape_cell): formulas neutralised, yes/no in Chinese, numbers and dates kept."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.exports import capped, capped_note, escape_cell


@pytest.mark.parametrize(("value", "cell"), [
    (True, "是"), (False, "否"), (None, ""), (3, 3), (Decimal("1.50"), Decimal("1.50")),
    (date(2026, 6, 17), date(2026, 6, 17)),
    ("=1+1", "'=1+1"), ("+86 138", "'+86 138"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"), ("张三", "张三"),
])
def test_a_cell_is_what_a_spreadsheet_user_should_see(value, cell):
    assert escape_cell(value) == cell


def test_an_export_cut_at_the_cap_ends_with_a_line_saying_rows_were_left_out():
    note = "仅导出前 2 行：符合条件的记录更多，请增加筛选条件后分批导出"
    assert list(capped(iter([[1], [2], [3]]), limit=2)) == [[1], [2], [note]]
    assert list(capped([[1], [2]], limit=2)) == [[1], [2]]
    assert capped_note() == "仅导出前 100,000 行：符合条件的记录更多，请增加筛选条件后分批导出"
