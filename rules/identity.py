"""Customer identity documents (证件): mainland resident ID numbers (居民身份证号) and other ID types.

A mainland ID number is 18 characters: 6-digit region code, 8-digit birth date, 3-digit sequence
(odd for men, even for women) and a check character (ISO 7064 MOD 11-2). Old 15-digit numbers
have a 2-digit year and no check character; they are normalised to 18 by inserting the century
"19" and computing the check character, so the same person never gets two customer records.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from rules.labelled_enum import LabelledStrEnum


class IdType(LabelledStrEnum):
    """Kinds of identity document (证件类型)."""

    ID_CARD = "id_card", "居民身份证"
    PASSPORT = "passport", "护照"
    HK_MACAO = "hk_macao", "港澳居民来往内地通行证"
    TAIWAN = "taiwan", "台湾居民来往大陆通行证"
    OFFICER = "officer", "军官证"
    OTHER = "other", "其他证件"


ID_TYPE_LABELS = IdType.labels()

# Province-level prefixes of the administrative division code, plus 81/82/83 (HK, Macao and
# Taiwan residents' residence permits use 810000/820000/830000).
PROVINCE_PREFIXES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
})
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
EARLIEST_BIRTHDAY = date(1900, 1, 1)

_SEPARATORS = re.compile(r"[\s\-_.·]+")
_OTHER_DOCUMENT = re.compile(r"^[A-Z0-9()（）]{5,30}$")


class InvalidIdNumber(ValueError):
    """An ID number that cannot be right; ``message`` says why in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class IdCardInfo:
    """What a valid mainland ID number tells: the 18-character number, birthday and gender."""

    number: str
    birthday: date
    gender: str  # "male" | "female"


def _clean(raw: str) -> str:
    # NFKC turns full-width digits and letters (１２３Ｘ) typed in Chinese input methods into ASCII.
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or "")).upper()


def check_char(first17: str) -> str:
    """Return the MOD 11-2 check character for the first 17 digits of an ID number."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def _birthday(digits: str) -> date:
    try:
        born = date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError as exc:
        raise InvalidIdNumber("身份证号中的出生日期无效") from exc
    if born < EARLIEST_BIRTHDAY:
        raise InvalidIdNumber("身份证号中的出生日期无效")
    return born


def parse_id_card(raw: str, today: date | None = None) -> IdCardInfo:
    """Validate a mainland ID number (15 or 18 characters) and return it normalised to 18."""
    number = _clean(raw)
    if not number:
        raise InvalidIdNumber("请填写身份证号")
    if len(number) == 15:
        if not number.isdigit():
            raise InvalidIdNumber("15 位身份证号只能由数字组成")
        number = number[:6] + "19" + number[6:]
        number += check_char(number)
    elif len(number) == 18:
        if not number[:17].isdigit() or number[17] not in "0123456789X":
            raise InvalidIdNumber("身份证号格式不正确：前 17 位应为数字，最后一位为数字或 X")
        if check_char(number[:17]) != number[17]:
            raise InvalidIdNumber("身份证号校验位不正确，请核对号码")
    else:
        raise InvalidIdNumber(f"身份证号应为 18 位（或旧版 15 位），当前为 {len(number)} 位")
    if number[:2] not in PROVINCE_PREFIXES:
        raise InvalidIdNumber("身份证号的地区码无效")
    born = _birthday(number[6:14])
    if today is not None and born > today:
        raise InvalidIdNumber("身份证号中的出生日期晚于今天")
    gender = "male" if int(number[16]) % 2 == 1 else "female"
    return IdCardInfo(number, born, gender)


def disagreements(info: IdCardInfo, birthday: date | None, gender: str) -> list[str]:
    """What was typed beside a mainland ID number and contradicts it: the one rule for the customer form and the
    import. ``gender`` is "male" / "female", anything else ("unknown", "") is not stated; the ID's own birthday
    and gender then fill what was left empty."""
    found = []
    if birthday is not None and birthday != info.birthday:
        found.append("出生日期与身份证号不一致")
    if gender in ("male", "female") and gender != info.gender:
        found.append("性别与身份证号不一致")
    return found


def normalize_id_number(id_type: IdType | str, raw: str, today: date | None = None) -> str:
    """Return the canonical form of an ID number of any type, or raise InvalidIdNumber."""
    kind = IdType(id_type)
    if kind == IdType.ID_CARD:
        return parse_id_card(raw, today).number
    number = _clean(raw)
    if not _OTHER_DOCUMENT.match(number):
        raise InvalidIdNumber(f"{kind.label}号码应为 5–30 位字母或数字")
    return number


def mask_id_number(number: str) -> str:
    """Hide an ID number in lists and exports, keeping the last four characters ("****1234") as customer exports do."""
    return "****" + number[-4:] if number else ""
