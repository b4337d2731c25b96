"""Uploaded files shared by every domain (OA 申请附件, 流程表单附件, 知识库附件): safe names, the allow-list of
kinds checked against the file's own bytes (never the browser's claim or the extension alone), the safety
checks of Office Open XML zips (no zip bombs) and text extraction for search.

A domain passes the extensions it accepts; the content type it stores and serves is always the allow-list's.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Collection
from dataclasses import dataclass

import pypdf
from lxml import etree
from pypdf.errors import PyPdfError

from app.errors import ValidationFailed

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office (.doc/.xls/.ppt)
ZIP = b"PK\x03\x04"  # Office Open XML (.docx/.xlsx/.pptx)
OOXML_MAX_ENTRIES = 2000
OOXML_MAX_UNCOMPRESSED = 200 * 1024 * 1024  # all parts together, as the central directory states them
OOXML_MAX_RATIO = 100  # uncompressed / compressed of one part: real documents stay far below
TEXT_MAX_CHARS = 200_000  # what search keeps of one file
PDF_MAX_PAGES = 300  # a longer PDF is searchable by its first pages
_XML_PART_MAX = 20 * 1024 * 1024  # one part read for text


@dataclass(frozen=True)
class FileKind:
    content_type: str
    magic: tuple[bytes, ...]  # empty: text, checked by decoding
    magic_offset: int = 0
    inline: bool = False  # may be shown in the page (images, video); never html or svg


KINDS: dict[str, FileKind] = {
    "pdf": FileKind("application/pdf", (b"%PDF-",)),
    "png": FileKind("image/png", (b"\x89PNG\r\n\x1a\n",), inline=True),
    "jpg": FileKind("image/jpeg", (b"\xff\xd8\xff",), inline=True),
    "jpeg": FileKind("image/jpeg", (b"\xff\xd8\xff",), inline=True),
    "gif": FileKind("image/gif", (b"GIF87a", b"GIF89a"), inline=True),
    "mp4": FileKind("video/mp4", (b"ftyp",), magic_offset=4, inline=True),  # ISO base media: the ftyp box
    "webm": FileKind("video/webm", (b"\x1a\x45\xdf\xa3",), inline=True),  # EBML header
    "doc": FileKind("application/msword", (OLE,)),
    "xls": FileKind("application/vnd.ms-excel", (OLE,)),
    "ppt": FileKind("application/vnd.ms-powerpoint", (OLE,)),
    "docx": FileKind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (ZIP,)),
    "xlsx": FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,)),
    "pptx": FileKind("application/vnd.openxmlformats-officedocument.presentationml.presentation", (ZIP,)),
    "txt": FileKind("text/plain; charset=utf-8", ()),
    "csv": FileKind("text/csv; charset=utf-8", ()),
}
OOXML = frozenset({"docx", "xlsx", "pptx"})
VIDEO = frozenset({"mp4", "webm"})


def allowed_text(extensions: Collection[str]) -> str:
    """The accepted extensions as a message shows them."""
    return "、".join(sorted(extensions))


def extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def safe_filename(name: str) -> str:
    """Keep the last path part, drop control and path characters, keep Chinese; never empty."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", name).strip(" .")
    return name[-150:] or "附件"


def sniff(filename: str, data: bytes, allowed: Collection[str]) -> FileKind:
    """The allow-list entry the file's extension names, if the domain accepts it and its bytes are really that
    kind; an Office Open XML file must also be a well-formed, modest zip (see :func:`check_ooxml`)."""
    ext = extension(filename)
    kind = KINDS.get(ext) if ext in allowed else None
    if kind is None:
        raise ValidationFailed(f"不支持的附件类型：{filename}；允许的类型：{allowed_text(allowed)}")
    if kind.magic:
        head = data[kind.magic_offset:]
        if not any(head.startswith(magic) for magic in kind.magic):
            raise ValidationFailed(f"附件“{filename}”的内容与其类型不符")
    elif b"\x00" in data or decode_text(data) is None:
        raise ValidationFailed(f"附件“{filename}”不是有效的文本文件")
    if ext in OOXML:
        check_ooxml(filename, data)
    return kind


def decode_text(data: bytes) -> str | None:
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def check_ooxml(filename: str, data: bytes) -> None:
    """Refuse a zip that is no Office document or could expand into a bomb, from its central directory alone
    (sizes as declared; nothing is decompressed here): too many entries, too large in total, a part compressed
    beyond any real document's ratio, or no [Content_Types].xml."""
    bad = ValidationFailed(f"附件“{filename}”不是有效的 Office 文档")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise bad from exc
    if len(entries) > OOXML_MAX_ENTRIES:
        raise ValidationFailed(f"附件“{filename}”包含的文件过多（超过 {OOXML_MAX_ENTRIES} 个），已拒绝")
    total = sum(entry.file_size for entry in entries)
    ratio = max((entry.file_size / max(entry.compress_size, 1) for entry in entries), default=0)
    if total > OOXML_MAX_UNCOMPRESSED or ratio > OOXML_MAX_RATIO:
        raise ValidationFailed(f"附件“{filename}”解压后过大（疑似压缩炸弹），已拒绝")
    if "[Content_Types].xml" not in {entry.filename for entry in entries}:
        raise bad


# --- text for search -------------------------------------------------------------------------------------

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def extract_text(filename: str, data: bytes) -> str:
    """Searchable text of a checked file (docx, xlsx, pdf, txt, csv); other kinds have none here. Bounded."""
    ext = extension(filename)
    try:
        if ext == "docx":
            text = _docx_text(data)
        elif ext == "xlsx":
            text = _xlsx_text(data)
        elif ext == "pdf":
            text = _pdf_text(data)
        elif ext in {"txt", "csv"}:
            text = decode_text(data) or ""
        else:
            return ""
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, ValueError, OSError, PyPdfError):
        return ""  # a document whose text cannot be read is still a valid attachment
    return text[:TEXT_MAX_CHARS]


def _part(archive: zipfile.ZipFile, name: str) -> etree._Element:
    info = archive.getinfo(name)
    if info.file_size > _XML_PART_MAX:
        raise ValueError(f"part {name} too large for text extraction")
    with archive.open(info) as part:
        return etree.fromstring(part.read(_XML_PART_MAX + 1), _PARSER)


def _docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = _part(archive, "word/document.xml")
    paragraphs = ("".join(node.text or "" for node in para.iter(f"{_W}t")) for para in root.iter(f"{_W}p"))
    return "\n".join(p for p in paragraphs if p.strip())


def _xlsx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        lines = []
        if "xl/sharedStrings.xml" in names:
            shared = _part(archive, "xl/sharedStrings.xml")
            lines += ["".join(t.text or "" for t in si.iter(f"{_S}t")) for si in shared.iter(f"{_S}si")]
        for name in sorted(n for n in names if n.startswith("xl/worksheets/sheet") and n.endswith(".xml")):
            sheet = _part(archive, name)
            lines += [t.text or "" for t in sheet.iter(f"{_S}t")]  # inline strings
    return "\n".join(line for line in lines if line.strip())


def _pdf_text(data: bytes) -> str:
    """The text layer of a PDF's first pages (pypdf; its stream decoders cap what a page may inflate to). An
    encrypted or scanned PDF has none."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        return ""
    texts: list[str] = []
    size = 0
    for page in reader.pages[:PDF_MAX_PAGES]:
        text = page.extract_text() or ""
        texts.append(text)
        size += len(text)
        if size >= TEXT_MAX_CHARS:
            break
    return "\n".join(t.strip() for t in texts if t.strip())
