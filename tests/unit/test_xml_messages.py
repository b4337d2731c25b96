"""A broken BPMN/DMN file is refused with the line and a Chinese reason, never libxml2's English alone."""

from __future__ import annotations

import pytest

from app.workflow.xmlsafe import XmlRejected, parse_xml


@pytest.mark.parametrize(("text", "reason"), [
    ("not xml at all", "第 1 行，缺少开始标签（文件应以 < 开头）"),
    ("<a>\n<b></a>", "第 2 行，开始标签与结束标签不匹配"),
    ("<a>\n<b>", "第 2 行，文件不完整：有标签没有结束"),
    ('<a x="1 & 2"/>', "第 1 行，"),
    ("<x:a/>", "第 1 行，使用了未声明的命名空间前缀"),
])
def test_syntax_errors_are_told_in_chinese_with_the_line(text, reason):
    with pytest.raises(XmlRejected) as refused:
        parse_xml(text, "BPMN")
    message = refused.value.message
    assert message.startswith("BPMN 文件不是有效的 XML：") and reason in message
    head = message.split("（", 1)[0]
    assert not any("a" <= ch.lower() <= "z" for ch in head.replace("BPMN", "").replace("XML", ""))
