"""Password policy: common, breached-style and patterned passwords are refused; strong ones pass."""

from __future__ import annotations

import pytest

from app.auth import password_policy
from app.auth.services import check_password_policy
from app.errors import ValidationFailed

GUESSABLE = [
    "Qwerty123456", "Aa1!Aa1!Aa1!", "P@ssw0rd2026!", "Password#2026", "1qaz2wsx#EDC", "Asdf!Ghjk1234",
    "Dragon@2026!!", "Abcd1234!Abcd", "Zxcvbnm,./12A", "Iloveyou1314!", "Monkey#Monkey1", "Woaini@5201314",
    "Qwerty123456a", "AAAaaa111!!!x", "Baseball#1987", "Football2024!",
]
DEMO_VARIANTS = ["Licai@demo20261", "Licai@demo2027", "XLicai@demo2026", "licai@Demo2026", "Licai@demo202",
                 "L1ca1#Pass2026"]
STRONG = ["Licai@demo2026", "correct horse Battery 9", "Zhang.San.2026", "Tv7#quiet-Lantern", "Hj8$wP2m!Lk5xQ",
          "Shan#Hu8-Qiao9Ren", "Nine.Cranes@Dusk4"]


@pytest.mark.parametrize("password", GUESSABLE)
def test_common_and_patterned_passwords_are_refused(password):
    with pytest.raises(ValidationFailed, match="密码过于常见或有规律"):
        check_password_policy(password, "seat01")


@pytest.mark.parametrize("password", DEMO_VARIANTS)
def test_variants_of_the_demo_password_are_refused(password):
    with pytest.raises(ValidationFailed, match="演示密码"):
        check_password_policy(password, "seat01")


@pytest.mark.parametrize("password", STRONG)
def test_strong_passwords_pass(password):
    check_password_policy(password, "seat01", "张坐席")


def test_the_name_may_not_be_inside():
    with pytest.raises(ValidationFailed, match="密码不能包含姓名"):
        check_password_policy("Ab#1张坐席Xy9Qz", "seat01", "张坐席")


def test_the_shipped_blocklist_has_thousands_of_lower_case_entries():
    words = password_policy.blocklist()
    assert len(words) > 4000
    assert {"123456", "password", "qwerty", "woaini1314"} <= words
    assert all(w == w.lower() for w in words)
