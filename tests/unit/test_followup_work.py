"""有效跟进 search: the phone tail a seat types to find a customer whose phone the list shows masked."""

import pytest

from app.errors import ValidationFailed
from app.followups.work import clean_phone_tail


@pytest.mark.parametrize("raw, tail", [("5678", "5678"), (" 56-78 ", "5678"), ("５６７８", "5678"), ("", ""),
                                       ("138 0013 8000 1234", "01380001234")])
def test_the_tail_keeps_the_digits_typed(raw, tail):
    assert clean_phone_tail(raw) == tail


@pytest.mark.parametrize("raw", ["78", "a1", "****"])
def test_fewer_than_three_digits_are_refused_in_chinese(raw):
    with pytest.raises(ValidationFailed, match="电话尾号至少输入 3 位数字"):
        clean_phone_tail(raw)
