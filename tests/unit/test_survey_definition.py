"""Questionnaire definitions (问卷题目): validation with Chinese messages, and the skip logic (跳题)."""

from __future__ import annotations

import pytest

from app.errors import ValidationFailed
from app.surveys import definition


def _single(key: str, jumps: tuple[str, str] = ("", ""), required: bool = True) -> dict:
    return {"key": key, "kind": "single", "text": f"题{key}", "required": required,
            "options": [{"key": "o1", "text": "是", "jump": jumps[0]}, {"key": "o2", "text": "否", "jump": jumps[1]}]}


QUESTIONS = [
    _single("q1", ("", "q3")),
    {"key": "q2", "kind": "multiple", "text": "多选", "required": True,
     "options": [{"key": "o1", "text": "甲"}, {"key": "o2", "text": "乙"}]},
    _single("q3", ("end", "")),
    {"key": "q4", "kind": "rating", "text": "评分", "required": True, "max": 5},
    {"key": "q5", "kind": "text", "text": "意见", "required": False},
]


def test_a_valid_definition_is_kept_and_html_in_texts_is_removed():
    raw = [dict(QUESTIONS[0], text='<b>满意</b><script>alert(1)</script><img src=x onerror="x()">吗')] + QUESTIONS[1:]
    cleaned = definition.validate(raw)
    assert cleaned[0]["text"] == "满意吗" and "<" not in cleaned[0]["text"]
    assert [q["key"] for q in cleaned] == ["q1", "q2", "q3", "q4", "q5"]
    assert cleaned[1]["options"][0]["jump"] == ""  # a jump only lives on single-choice options
    assert cleaned[3]["max"] == 5


@pytest.mark.parametrize(("change", "message"), [
    ({"kind": "matrix"}, "题型无效"),
    ({"text": "   "}, "没有题目内容"),
    ({"options": []}, "至少需要两个选项"),
    ({"options": [{"key": "o1", "text": "是"}, {"key": "o2", "text": ""}]}, "第 2 个选项没有内容"),
    ({"options": [{"key": "o1", "text": "是"}, {"key": "o2", "text": "是"}]}, "重复的选项"),
    ({"key": "Q 1"}, "标识无效"),
])
def test_bad_questions_are_refused_in_chinese(change, message):
    with pytest.raises(ValidationFailed, match=message):
        definition.validate([dict(QUESTIONS[0], **change)] + QUESTIONS[1:])


@pytest.mark.parametrize(("jump", "message"), [("q1", "只能跳转到后面的题目"), ("q0", "跳转到的题目不存在")])
def test_a_skip_to_an_earlier_or_missing_question_is_refused(jump, message):
    with pytest.raises(ValidationFailed, match=message):
        definition.validate(QUESTIONS[:2] + [_single("q3", (jump, ""))] + QUESTIONS[3:])


@pytest.mark.parametrize("top", [1, 11, "5", True])
def test_rating_max_must_be_a_small_whole_number(top):
    with pytest.raises(ValidationFailed, match="评分上限"):
        definition.validate([dict(QUESTIONS[3], max=top)])


def test_empty_and_duplicate_keys_are_refused():
    with pytest.raises(ValidationFailed, match="至少需要一道题"):
        definition.validate([])
    with pytest.raises(ValidationFailed, match="标识重复"):
        definition.validate([QUESTIONS[3], QUESTIONS[3]])


def test_skip_logic_path():
    path = lambda chosen: [q["key"] for q in definition.reached(QUESTIONS, chosen)]  # noqa: E731
    assert path({}) == ["q1", "q2", "q3", "q4", "q5"]
    assert path({"q1": ["o2"]}) == ["q1", "q3", "q4", "q5"]
    assert path({"q1": ["o2"], "q3": ["o1"]}) == ["q1", "q3"]


def test_required_questions_are_checked_unless_skipped():
    with pytest.raises(ValidationFailed, match="请回答必答题“多选”"):
        definition.parse_answers(QUESTIONS, {"q1": ["o1"], "q3": ["o2"], "q4": ["3"]})
    # q1 → q3 skips the required q2; q3 → end skips the required rating; q2's stray value is dropped
    answers = definition.parse_answers(QUESTIONS, {"q1": ["o2"], "q2": ["o1"], "q3": ["o1"], "q4": [""]})
    assert answers == {"q1": ["o2"], "q3": ["o1"]}


@pytest.mark.parametrize(("form", "message"), [
    ({"q1": ["o9"]}, "选项无效"),
    ({"q1": ["o1", "o2"]}, "选项无效"),
    ({"q1": ["o2"], "q3": ["o2"], "q4": ["6"]}, "评分须在 1–5 之间"),
    ({"q1": ["o2"], "q3": ["o2"], "q4": ["abc"]}, "评分须在 1–5 之间"),
])
def test_invalid_answers_are_refused(form, message):
    with pytest.raises(ValidationFailed, match=message):
        definition.parse_answers(QUESTIONS, form)


def test_answers_are_converted():
    answers = definition.parse_answers(QUESTIONS, {"q1": ["o1"], "q2": ["o2", "o1", "o2"], "q3": ["o2"],
                                                   "q4": ["4"], "q5": ["  很好  "]})
    assert answers == {"q1": ["o1"], "q2": ["o2", "o1"], "q3": ["o2"], "q4": [4], "q5": ["很好"]}
