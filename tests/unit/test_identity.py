"""Mainland ID numbers: 15 → 18 normalisation, MOD 11-2 checksum, birthday and gender; other documents."""

from datetime import date

import pytest

from rules.identity import IdType, InvalidIdNumber, check_char, disagreements, normalize_id_number, parse_id_card


def test_check_char_matches_the_published_example():
    assert check_char("11010519491231002") == "X"


def test_valid_18_digit_number_gives_birthday_and_gender():
    info = parse_id_card("11010519491231002X")
    assert info.number == "11010519491231002X"
    assert info.birthday == date(1949, 12, 31)
    assert info.gender == "female"  # 17th digit 2 is even


def test_male_is_an_odd_sequence_digit():
    number = "31010119900307123"
    assert parse_id_card(number + check_char(number)).gender == "male"


def test_15_digit_number_is_normalised_to_18():
    info = parse_id_card("110105491231002")
    assert info.number == "11010519491231002X"
    assert info.birthday == date(1949, 12, 31)


def test_old_and_new_forms_of_one_person_normalise_to_the_same_number():
    assert normalize_id_number(IdType.ID_CARD, "110105491231002") == normalize_id_number(
        IdType.ID_CARD, "11010519491231002x")


@pytest.mark.parametrize("raw", ["１１０１０５１９４９１２３１００２Ｘ", " 110105 19491231 002x ",
                                 "110105-19491231-002X"])
def test_full_width_spaces_and_lower_case_x_are_accepted(raw):
    assert parse_id_card(raw).number == "11010519491231002X"


@pytest.mark.parametrize("raw, message", [
    ("110105194912310021", "校验位不正确"),
    ("11010519491231002", "应为 18 位"),
    ("1101051949123100", "应为 18 位"),
    ("99010519491231002X", None),  # unknown region (checksum also off)
    ("11010A19491231002X", "格式不正确"),
    ("11010549123100A", "只能由数字组成"),
    ("", "请填写身份证号"),
])
def test_invalid_numbers_are_refused_with_a_reason(raw, message):
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_card(raw)
    if message:
        assert message in caught.value.message


@pytest.mark.parametrize("first17", ["11010519491331002", "11010518991231002"])  # month 13; before 1900
def test_impossible_birthdays_are_refused(first17):
    with pytest.raises(InvalidIdNumber, match="出生日期无效"):
        parse_id_card(first17 + check_char(first17))


def test_unknown_region_with_a_correct_checksum_is_refused():
    first17 = "99010519491231002"
    with pytest.raises(InvalidIdNumber, match="地区码"):
        parse_id_card(first17 + check_char(first17))


def test_birthday_in_the_future_is_refused():
    first17 = "11010520300101002"
    with pytest.raises(InvalidIdNumber, match="晚于今天"):
        parse_id_card(first17 + check_char(first17), today=date(2026, 1, 1))


def test_other_documents_are_normalised_but_not_checksummed():
    assert normalize_id_number(IdType.PASSPORT, " e1234 5678 ") == "E12345678"
    with pytest.raises(InvalidIdNumber, match="护照"):
        normalize_id_number(IdType.PASSPORT, "E1")


def test_what_is_typed_beside_an_id_number_must_agree_with_it():
    info = parse_id_card("11010519491231002X")  # 1949-12-31, female
    assert disagreements(info, None, "unknown") == []
    assert disagreements(info, date(1949, 12, 31), "female") == []
    assert disagreements(info, date(1950, 1, 1), "") == ["出生日期与身份证号不一致"]
    assert disagreements(info, None, "male") == ["性别与身份证号不一致"]
    assert disagreements(info, date(1950, 1, 1), "male") == ["出生日期与身份证号不一致", "性别与身份证号不一致"]
