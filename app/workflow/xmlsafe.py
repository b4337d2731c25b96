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
        raise XmlRejected(f"{what} 文件不是有效的 XML：第 {exc.lineno} 行，{exc.msg}") from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise XmlRejected(f"{what} 文件包含 DOCTYPE/实体声明，出于安全原因（XXE、实体炸弹）拒绝导入")
    return root


def to_text(root: etree._Element) -> str:
    """Serialise a parsed document back to text (UTF-8, with declaration)."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")
