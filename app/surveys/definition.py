"""The questions of a survey as JSON, checked before they are stored, and the skip logic (跳题) both the fill
page's script and the server follow.

A definition is a list of questions::

    {"key": "q1", "kind": "single", "text": "满意吗？", "required": true, "max": 5,
     "options": [{"key": "o1", "text": "满意", "jump": ""}, {"key": "o2", "text": "不满意", "jump": "q3"}]}

``jump`` on an option of a 单选 question is "" (next question), the key of a later question, or "end"
(结束问卷). Keys are kept as the designer made them, so answers stay attached when a draft is edited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from app import richtext
from app.errors import ValidationFailed

KINDS = {"single": "单选", "multiple": "多选", "text": "文本", "rating": "评分"}
CHOICE_KINDS = ("single", "multiple")
END = "end"
MAX_QUESTIONS = 100
MAX_OPTIONS = 30
RATING_MAX = (2, 10)
TEXT_MAX = 2000  # characters a 文本 answer keeps
_KEY = re.compile(r"[a-z][a-z0-9_]{0,19}")


def _plain(value: Any, limit: int) -> str:
    """Text the user wrote, markup removed (question and option texts are shown as plain text)."""
    return richtext.to_text(richtext.clean(str(value or "")))[:limit].strip()


def _key(value: Any, where: str) -> str:
    key = str(value or "")
    if not _KEY.fullmatch(key):
        raise ValidationFailed(f"{where}的标识无效")
    return key


def _options(raw: Any, where: str, single: bool) -> list[dict[str, str]]:
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed(f"{where}至少需要两个选项")
    if len(raw) > MAX_OPTIONS:
        raise ValidationFailed(f"{where}的选项不能超过 {MAX_OPTIONS} 个")
    options: list[dict[str, str]] = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            raise ValidationFailed(f"{where}的第 {number} 个选项无效")
        text = _plain(item.get("text"), 200)
        if not text:
            raise ValidationFailed(f"{where}的第 {number} 个选项没有内容")
        jump = str(item.get("jump") or "") if single else ""
        options.append({"key": _key(item.get("key"), f"{where}的第 {number} 个选项"), "text": text, "jump": jump})
    if len(options) < 2:
        raise ValidationFailed(f"{where}至少需要两个选项")
    if len({o["key"] for o in options}) != len(options) or len({o["text"] for o in options}) != len(options):
        raise ValidationFailed(f"{where}有重复的选项")
    return options


def _question(raw: Any, number: int) -> dict[str, Any]:
    where = f"第 {number} 题"
    if not isinstance(raw, Mapping):
        raise ValidationFailed(f"{where}无效")
    kind = str(raw.get("kind") or "")
    if kind not in KINDS:
        raise ValidationFailed(f"{where}的题型无效（只能是单选、多选、文本或评分）")
    text = _plain(raw.get("text"), 500)
    if not text:
        raise ValidationFailed(f"{where}没有题目内容")
    question: dict[str, Any] = {"key": _key(raw.get("key"), where), "kind": kind, "text": text,
                                "required": bool(raw.get("required"))}
    if kind in CHOICE_KINDS:
        question["options"] = _options(raw.get("options"), where, kind == "single")
    if kind == "rating":
        top = raw.get("max", 5)
        if not isinstance(top, int) or isinstance(top, bool) or not RATING_MAX[0] <= top <= RATING_MAX[1]:
            raise ValidationFailed(f"{where}的评分上限须在 {RATING_MAX[0]}–{RATING_MAX[1]} 之间")
        question["max"] = top
    return question


def validate(raw: Any) -> list[dict[str, Any]]:
    """Return the cleaned definition, or raise ValidationFailed with a Chinese message."""
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed("问卷至少需要一道题")
    if len(raw) > MAX_QUESTIONS:
        raise ValidationFailed(f"问卷最多 {MAX_QUESTIONS} 道题")
    questions = [_question(item, number) for number, item in enumerate(raw, start=1)]
    position = {q["key"]: index for index, q in enumerate(questions)}
    if len(position) != len(questions):
        raise ValidationFailed("题目标识重复")
    for index, question in enumerate(questions):
        for option in question.get("options", []):
            jump = option["jump"]
            if not jump or jump == END:
                continue
            if jump not in position:
                raise ValidationFailed(f"第 {index + 1} 题选项“{option['text']}”跳转到的题目不存在")
            if position[jump] <= index:
                raise ValidationFailed(f"第 {index + 1} 题选项“{option['text']}”只能跳转到后面的题目")
    return questions


def reached(questions: list[dict[str, Any]], chosen: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    """The questions a respondent reaches following the skip logic with these single-choice answers."""
    position = {q["key"]: index for index, q in enumerate(questions)}
    path: list[dict[str, Any]] = []
    index = 0
    while index < len(questions):
        question = questions[index]
        path.append(question)
        index += 1
        if question["kind"] != "single":
            continue
        picked = chosen.get(question["key"]) or []
        jump = next((o["jump"] for o in question["options"] if picked and o["key"] == picked[0]), "")
        if jump == END:
            break
        if jump:
            index = position[jump]
    return path


def parse_answers(questions: list[dict[str, Any]], form: Mapping[str, list[str]]) -> dict[str, list[Any]]:
    """Check a filled-in form (question key → submitted values) against the definition and the skip logic.

    Returns question key → values to store (option keys, one text or one rating); questions skipped by the
    logic are dropped; raises ValidationFailed naming the first problem.
    """
    values = {key: [v.strip() for v in vals if v and v.strip()] for key, vals in form.items()}
    answers: dict[str, list[Any]] = {}
    for question in reached(questions, values):
        given = values.get(question["key"], [])
        label = f"“{question['text']}”"
        if not given:
            if question["required"]:
                raise ValidationFailed(f"请回答必答题{label}")
            continue
        kind = question["kind"]
        if kind in CHOICE_KINDS:
            allowed = {o["key"] for o in question["options"]}
            if any(v not in allowed for v in given) or (kind == "single" and len(given) > 1):
                raise ValidationFailed(f"题目{label}的选项无效")
            answers[question["key"]] = list(dict.fromkeys(given))
        elif kind == "rating":
            if len(given) > 1 or not given[0].isdigit() or not 1 <= int(given[0]) <= question["max"]:
                raise ValidationFailed(f"题目{label}的评分须在 1–{question['max']} 之间")
            answers[question["key"]] = [int(given[0])]
        else:
            answers[question["key"]] = [given[0][:TEXT_MAX]]
    return answers
