"""Account rules that need no database: password policy and the shapes of codes and contact details."""

from __future__ import annotations

import pytest

from app.admin.dictionaries import DICTIONARY_CODE
from app.auth.role_services import PERMISSION_CODE, ROLE_CODE
from app.auth.services import check_password_policy
from app.errors import ValidationFailed
from app.org.services import EMAIL_PATTERN, PHONE_PATTERN, USERNAME_PATTERN
from forms.base import fixed_choices


@pytest.mark.parametrize(("password", "message"), [
    ("Short#1a", "密码至少需要 12 个字符"),
    ("alllowercaseletters", "密码需包含大写字母、小写字母、数字、符号中的至少三类"),
    ("ALLUPPER1234567", "密码需包含大写字母、小写字母、数字、符号中的至少三类"),
    ("MySeat01#Password", "密码不能包含用户名"),
])
def test_weak_passwords_are_refused_with_the_reason(password, message):
    with pytest.raises(ValidationFailed, match=message):
        check_password_policy(password, "seat01")


@pytest.mark.parametrize("password", ["Licai@demo2026", "correct horse Battery 9", "Zhang.San.2026"])
def test_strong_passwords_pass(password):
    check_password_policy(password, "seat01")


@pytest.mark.parametrize(("pattern", "good", "bad"), [
    (USERNAME_PATTERN, ["seat01", "zhang.san", "Li-Si_2"], ["1seat", "a", "张三", "has space", "x" * 51]),
    (PHONE_PATTERN, ["13800000000", "021-12345678", "+86 138 0000 0000"], ["1234", "电话", "138abc00000"]),
    (EMAIL_PATTERN, ["a@b.cn", "zhang.san@licai.example.com"], ["a@b", "no-at.cn", "a b@c.cn"]),
    (ROLE_CODE, ["team_lead", "auditor2"], ["Team", "t", "team-lead", "_x", "2x"]),
    (PERMISSION_CODE, ["reports.daily", "oa.leave.approve"], ["reports", "Reports.daily", "reports.", ".x", "a..b"]),
    (DICTIONARY_CODE, ["visit_type", "vt"], ["Visit", "v", "visit-type"]),
])
def test_code_and_contact_shapes(pattern, good, bad):
    assert all(pattern.match(value) for value in good), good
    assert not any(pattern.match(value) for value in bad), bad


def test_fixed_choices_hands_out_fresh_lists():
    choices = fixed_choices((str(n), f"第{n}项") for n in range(3))
    first = choices()
    first.append(("x", "x"))
    assert choices() == [("0", "第0项"), ("1", "第1项"), ("2", "第2项")]
