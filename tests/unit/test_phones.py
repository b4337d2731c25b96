"""Phone numbers: one stored form for duplicates and the blacklist, Chinese messages, masking."""

import pytest

from rules.phones import InvalidPhone, is_mobile, mask, normalize


@pytest.mark.parametrize("raw", ["13800138000", "138 0013 8000", "+86 138-0013-8000", "008613800138000",
                                 "8613800138000", "１３８００１３８０００"])
def test_mobile_spellings_share_one_form(raw):
    assert normalize(raw) == "13800138000"


@pytest.mark.parametrize("raw, stored", [("010-12345678", "01012345678"), ("(0571) 1234567", "05711234567"),
                                         ("400-820-8820", "4008208820")])
def test_landlines_keep_their_area_code(raw, stored):
    assert normalize(raw) == stored
    assert not is_mobile(stored)


@pytest.mark.parametrize("raw, message", [
    ("1380013800", "手机号码"),  # 10 digits
    ("12800138000", "手机号码"),  # 12x is not a mobile prefix
    ("12345678", "需带区号"),
    ("1380013800a", "非数字"),
    ("", "请填写"),
])
def test_bad_numbers_get_a_chinese_reason(raw, message):
    with pytest.raises(InvalidPhone) as caught:
        normalize(raw)
    assert message in caught.value.message


def test_mask_hides_the_middle_digits():
    assert mask("13800138000") == "138****8000"
    assert mask("01012345678") == "010****5678"
    assert mask("123") == "***"
