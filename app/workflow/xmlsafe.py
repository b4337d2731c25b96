"""Safe XML parsing for BPMN and DMN: no DTDs or entities (XXE, billion laughs), no network, bounded size."""

from __future__ import annotations

import re

from lxml import etree

from app.errors import ValidationFailed

MAX_XML_BYTES = 2 * 1024 * 1024


class XmlRejected(ValidationFailed):
    code = "xml_rejected"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_blank_text=False)


# libxml2's English syntax messages, by their start, in the words a designer understands (the line is given too).
_SYNTAX_MESSAGES = (
    ("Start tag expected", "缺少开始标签（文件应以 < 开头）"),
    ("Opening and ending tag mismatch", "开始标签与结束标签不匹配"),
    ("Premature end of data", "文件不完整：有标签没有结束"),
    ("EndTag: '</' not found", "文件不完整：有标签没有结束"),
    ("Extra content at the end of the document", "文档末尾有多余内容"),
    ("Couldn't find end of Start Tag", "开始标签没有正确结束"),
    ("attributes construct error", "属性写法有误（属性值须加引号）"),
    ("AttValue: \" or ' expected", "属性值须加引号"),
    ("Unescaped '<' not allowed in attributes values", "属性值中的 < 须写成 &lt;"),
    ("xmlParseEntityRef: no name", "“&”后缺少实体名（文本中的 & 须写成 &amp;）"),
    ("EntityRef: expecting ';'", "实体引用缺少分号（文本中的 & 须写成 &amp;）"),
    ("Namespace prefix", "使用了未声明的命名空间前缀"),
    ("Document is empty", "文件为空"),
    ("Input is not proper UTF-8", "文件编码不是 UTF-8"),
)


def syntax_message(english: str) -> str:
    """A libxml2 syntax error in Chinese; the parser's English is kept only for what has no translation."""
    for start, chinese in _SYNTAX_MESSAGES:
        if english.startswith(start):
            return chinese
    return f"语法错误（解析器原文：{english}）"


_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _declares_dtd(raw: bytes) -> bool:
    # Look in every encoding an XML file may use, so a UTF-16 document cannot hide its DOCTYPE.
    for encoding in ("utf-8", "utf-16", "utf-32"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _DTD.search(text):
            return True
    return False


def parse_xml(data: bytes | str, what: str = "BPMN") -> etree._Element:
    """Parse untrusted XML; refuse DOCTYPE/ENTITY declarations, oversize input and syntax errors in Chinese."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_XML_BYTES:
        raise XmlRejected(f"{what} 文件过大（上限 {MAX_XML_BYTES // 1024 // 1024} MB）")
    if not raw.strip():
        raise XmlRejected(f"{what} 文件为空")
    if _declares_dtd(raw):
        raise XmlRejected(f"{what} 文件包含 DOCTYPE/实体声明，出于安全原因（XXE、实体炸弹）拒绝导入")
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        raise XmlRejected(f"{what} 文件不是有效的 XML：第 {exc.lineno} 行，{syntax_message(exc.msg)}") from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise XmlRejected(f"{what} 文件包含 DOCTYPE/实体声明，出于安全原因（XXE、实体炸弹）拒绝导入")
    return root


def to_text(root: etree._Element) -> str:
    """Serialise a parsed document back to text (UTF-8, with declaration)."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")
