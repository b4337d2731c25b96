"""Password policy (密码策略): long enough, several character classes, and not guessable.

Guessable means most of the password is made of pieces an attacker tries first: words of the shipped
blocklist (common_passwords.txt, read with l33t spellings undone: ``P@ssw0rd`` is ``password``), keyboard
walks and alphabet or digit runs (``qwerty``, ``1qaz``, ``abcd``, ``6543``), repeated characters or
repeated blocks (``Aa1!Aa1!Aa1!``) and years. Whatever is left outside those pieces must be at least
``MIN_OWN_CHARACTERS`` long. The published demo password and its near variants are refused too (the demo
password itself stays usable for the seeded demo accounts).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from app.errors import ValidationFailed

MIN_PASSWORD_LENGTH = 12
MIN_OWN_CHARACTERS = 4
MIN_WORD = 4
BLOCKLIST = Path(__file__).with_name("common_passwords.txt")
DEMO_PASSWORD = "Licai@demo2026"  # noqa: S105  (the documented demo password, see app.demo)
KEYBOARD_ROWS = ("`1234567890-=", "~!@#$%^&*()_+", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./",
                 "abcdefghijklmnopqrstuvwxyz",
                 # keyboard columns, walked top to bottom (1qaz, 2wsx, #edc …), digits or their shifted symbols
                 "1qaz", "2wsx", "3edc", "4rfv", "5tgb", "6yhn", "7ujm", "8ik,", "9ol.", "0p;/",
                 "!qaz", "@wsx", "#edc", "$rfv", "%tgb", "^yhn", "&ujm", "*ik,", "(ol.", ")p;/")
LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s", "7": "t",
                      "+": "t", "8": "b", "9": "g"})
YEAR = re.compile(r"(19[5-9]\d|20[0-4]\d)")
GUESSABLE = "密码过于常见或有规律（常见密码、键盘连续键、重复片段、年份等），请换一个更难猜的密码"


@cache
def blocklist() -> frozenset[str]:
    """The shipped common passwords, lower-case, comments skipped."""
    lines = BLOCKLIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _mark(covered: list[bool], start: int, end: int) -> None:
    for i in range(start, end):
        covered[i] = True


def _mark_walks(text: str, covered: list[bool]) -> None:
    """Cover runs of 4+ neighbouring keys or letters/digits in order, either direction, or 3+ equal chars."""
    neighbours: set[tuple[str, str]] = set()
    for row in KEYBOARD_ROWS:
        for a, b in zip(row, row[1:], strict=False):
            neighbours.update({(a, b), (b, a)})
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or (text[i - 1], text[i]) not in neighbours:
            if i - start >= MIN_WORD:
                _mark(covered, start, i)
            start = i
    for match in re.finditer(r"(.)\1{2,}", text):
        _mark(covered, match.start(), match.end())


def _mark_repeats(text: str, covered: list[bool]) -> None:
    """Cover a block of 2+ characters that repeats right after itself (``Aa1!Aa1!``, ``abab``)."""
    for match in re.finditer(r"(.{2,}?)\1+", text):
        _mark(covered, match.start(), match.end())


def _mark_words(text: str, covered: list[bool]) -> None:
    """Cover every substring of 4+ characters that is a blocklisted password, as typed or l33t-decoded."""
    words = blocklist()
    for candidate in {text, text.translate(LEET)}:
        for start in range(len(candidate)):
            for end in range(start + MIN_WORD, len(candidate) + 1):
                if candidate[start:end] in words:
                    _mark(covered, start, end)
    for match in YEAR.finditer(text):
        _mark(covered, match.start(), match.end())


def _near(a: str, b: str) -> bool:
    """Tell whether ``a`` is within two edits (insert, delete, replace) of ``b``."""
    if abs(len(a) - len(b)) > 2:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1] <= 2


def own_characters(password: str) -> int:
    """How many characters of ``password`` are not covered by a guessable piece."""
    text = password.lower()
    covered = [False] * len(text)
    _mark_walks(text, covered)
    _mark_repeats(text, covered)
    _mark_words(text, covered)
    return covered.count(False)


def check(password: str, username: str = "", name: str = "") -> None:
    """Refuse a password that is too short, too simple or guessable, with the reason in Chinese."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符")
    lowered = password.lower()
    if username and username.lower() in lowered:
        raise ValidationFailed("密码不能包含用户名")
    if len(name) >= 2 and name.lower() in lowered:
        raise ValidationFailed("密码不能包含姓名")
    classes = sum((any(c.islower() for c in password), any(c.isupper() for c in password),
                   any(c.isdigit() for c in password), any(not c.isalnum() for c in password)))
    if classes < 3:
        raise ValidationFailed("密码需包含大写字母、小写字母、数字、符号中的至少三类")
    if password == DEMO_PASSWORD:
        return  # published, but the seeded demo accounts and the test suite log in with it
    if _near(lowered, DEMO_PASSWORD.lower()) or "licai" in lowered.translate(LEET):
        raise ValidationFailed("密码不能使用演示密码或其变体")
    if own_characters(password) < MIN_OWN_CHARACTERS:
        raise ValidationFailed(GUESSABLE)
