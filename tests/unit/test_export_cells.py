"""Export cells (app/exports.escape_cell): formulas neutralised, yes/no in Chinese, numbers and dates kept."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.exports import escape_cell


@pytest.mark.parametrize(("value", "cell"), [
    (True, "是"), (False, "否"), (None, ""), (3, 3), (Decimal("1.50"), Decimal("1.50")),
    (date(2026, 6, 17), date(2026, 6, 17)),
    ("=1+1", "'=1+1"), ("+86 138", "'+86 138"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"), ("张三", "张三"),
])
def test_a_cell_is_what_a_spreadsheet_user_should_see(value, cell):
    assert escape_cell(value) == cell
