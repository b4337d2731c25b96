"""Phone numbers (电话号码): normalisation, format checks and masking for pool lists.

Numbers are stored as digits only, without the +86 country code, so "138 0013 8000",
"+86-13800138000" and "１３８００１３８０００" are the same phone for duplicate checks and the blacklist.
"""

from __future__ import annotations

import re
import unicodedata

MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Landlines keep their area code: 0 + 2–3 digit area + 7–8 digit number (010-12345678, 0571-1234567).
LANDLINE = re.compile(r"^0[1-9]\d{8,10}$")
MOBILE_PREFIX = re.compile(r"^1[3-9]")
SERVICE = re.compile(r"^[48]00\d{7}$")  # 400/800 company numbers
_NOISE = re.compile(r"[\s\-()（）.·/]+")


class InvalidPhone(ValueError):
    """A phone number in a format no Chinese phone has; ``message`` says why in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def clean(raw: str) -> str:
    """Strip separators and the country code; the result may still be invalid."""
    text = _NOISE.sub("", unicodedata.normalize("NFKC", str(raw or "")))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif text.startswith("86") and len(text) == 13 and text[2] == "1":
        text = text[2:]
    return text


def normalize(raw: str) -> str:
    """Return the stored form of a phone number, or raise InvalidPhone with a Chinese message."""
    text = clean(raw)
    if not text:
        raise InvalidPhone("请填写电话号码")
    if not text.isdigit():
        raise InvalidPhone(f"电话号码“{raw}”含有非数字字符")
    if MOBILE.match(text) or LANDLINE.match(text) or SERVICE.match(text):
        return text
    if text.startswith("1") and (len(text) == 11 or MOBILE_PREFIX.match(text)):
        raise InvalidPhone(f"手机号码“{raw}”格式不正确，应为 11 位且以 13–19 开头")
    raise InvalidPhone(f"电话号码“{raw}”格式不正确（手机 11 位，固话需带区号）")


def is_mobile(phone: str) -> bool:
    """Tell whether a normalised number is a mainland mobile number."""
    return bool(MOBILE.match(phone))


def mask(phone: str) -> str:
    """Hide the middle digits, as pool lists show phones before a seat extracts the customer."""
    if len(phone) <= 4:
        return "*" * len(phone)
    keep_head = 3 if len(phone) >= 11 else 2
    return phone[:keep_head] + "*" * (len(phone) - keep_head - 4) + phone[-4:]
