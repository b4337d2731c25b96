"""Crafted .xlsx packages for the import's safety tests and bench/xlsx_readers.py: each is a minimal
workbook Excel would open (or nearly), built to exhaust a naive reader's memory or time."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER = ("客户姓名", "性别", "出生日期", "证件类型", "证件号码", "手机号码", "其他电话", "地址", "所属组织",
          "客户分类", "客户来源", "客户等级", "标签", "备注")


CONTENT_TYPES = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 '<Override PartName="/xl/workbook.xml" '
                 'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                 '<Override PartName="/xl/worksheets/sheet1.xml" '
                 'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                 '<Override PartName="/xl/sharedStrings.xml" '
                 'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
ROOT_RELS = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
             'officeDocument" Target="xl/workbook.xml"/></Relationships>')


def noise(size: int, seed: int = 15) -> bytes:
    """``size`` bytes of hex digits that barely compress: the packages stay under the zip-bomb ratio check."""
    return random.Random(seed).randbytes((size + 1) // 2).hex().encode()[:size]


def package(sheet_data: bytes, shared: bytes | None = None, after_data: bytes = b"", before_data: bytes = b"",
            prolog: bytes = b"") -> bytes:
    """A workbook whose first sheet holds ``sheet_data`` (the inside of <sheetData>) and the given shared strings."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
                         '<sheets><sheet name="客户" sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels",
                         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                         f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
                         '</Relationships>')
        if shared is not None:
            archive.writestr("xl/sharedStrings.xml", prolog + f'<sst xmlns="{MAIN}">'.encode() + shared + b"</sst>")
            prolog = b""
        archive.writestr("xl/worksheets/sheet1.xml", prolog + f'<worksheet xmlns="{MAIN}">'.encode() + before_data
                         + b"<sheetData>" + sheet_data + b"</sheetData>" + after_data + b"</worksheet>")
    return buffer.getvalue()


def header_row() -> bytes:
    """Row 1: the template's labels as inline strings."""
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{label}</t></is></c>'
                    for i, label in enumerate(HEADER))
    return f'<row r="1">{cells}</row>'.encode()


def shared_text_flood(strings: int = 1_001, chars: int = 30_000) -> bytes:
    """Shared strings adding up to more text than an import may hold (30 million characters by default)."""
    text = noise(chars + strings)
    shared = b"".join(b"<si><t>" + text[i:i + chars] + b"</t></si>" for i in range(strings))
    return package(header_row(), shared)


def shared_count_flood(strings: int) -> bytes:
    """Very many tiny shared strings (each its own Python object in a naive reader)."""
    return package(header_row(), b"".join(f"<si><t>{i}</t></si>".encode() for i in range(strings)))


def giant_shared_string(megabytes: int = 3) -> bytes:
    """One shared string of many rich-text runs, megabytes long (each run under libxml2's 10 MB text limit)."""
    text = noise(65_536 * 16 * megabytes)
    runs = b"".join(b"<r><t>" + text[i:i + 65_536] + b"</t></r>" for i in range(0, len(text), 65_536))
    return package(header_row(), b"<si>" + runs + b"</si>")


def far_column(reference: str = "ZZZZZZ1") -> bytes:
    """One value at a far column: a naive reader sizes a list to the column (321 million entries for ZZZZZZ)."""
    return package(f'<row r="1"><c r="A1" t="inlineStr"><is><t>客户姓名</t></is></c>'
                   f'<c r="{reference}"><v>1</v></c></row>'.encode())


def empty_far_cell() -> bytes:
    """A formatted but empty cell far right (Excel writes these): ignored, not refused."""
    return package(header_row() + b'<row r="2"><c r="A2" t="inlineStr"><is><t>tom</t></is></c>'
                   b'<c r="ZZZZZZ2" s="1"/></row>')


def many_rows(rows: int = 200_002) -> bytes:
    """More stored rows than one import may hold (empty rows cost a naive reader time, not memory)."""
    return package(header_row() + b"".join(f'<row r="{n}"/>'.encode() for n in range(2, rows + 2)))


def far_row(number: int = 999_999_999) -> bytes:
    """A single row numbered far beyond any limit."""
    return package(header_row() + f'<row r="{number}"><c r="A{number}"><v>1</v></c></row>'.encode())


def many_cells(cells: int = 2_000) -> bytes:
    """One row with thousands of empty cells (no references)."""
    return package(header_row() + b'<row r="2">' + b"<c/>" * cells + b"</row>")


def huge_row(cells: int = 300_000) -> bytes:
    """One row of megabytes: hundreds of thousands of cells, more XML than any row of the template needs."""
    styles = noise(cells * 3)
    return package(header_row() + b'<row r="2">' + b"".join(b'<c s="%d"/>' % int(styles[i * 3:i * 3 + 3], 16)
                                                            for i in range(cells)) + b"</row>")


def junk_after_rows(elements: int = 400_000) -> bytes:
    """Megabytes of elements after the last row, inside <sheetData> (never cleared by a row-by-row reader)."""
    names = noise(elements * 4)
    return package(header_row() + b"".join(b"<x" + names[i * 4:i * 4 + 4] + b"/>" for i in range(elements)))


def junk_before_rows(elements: int = 400_000) -> bytes:
    """Megabytes of column definitions before <sheetData>."""
    widths = noise(elements * 4)
    return package(header_row(), before_data=b"<cols>" + b"".join(
        b'<col min="1" max="1" width="%s"/>' % widths[i * 4:i * 4 + 4] for i in range(elements)) + b"</cols>")


def long_cell(chars: int = 40_000) -> bytes:
    """An inline string longer than Excel allows in one cell."""
    return package(header_row() + b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + b"z" * chars + b"</t></is></c></row>")


def malformed() -> bytes:
    """A sheet whose XML is cut short."""
    return package(header_row() + b'<row r="2"><c r="A2"><v>1</v>')


def late_doctype() -> bytes:
    """An external entity (XXE) declared after 70 KB of comment, past a check that reads the first 64 KB only."""
    prolog = b"<?xml version='1.0'?><!--" + b" " * 70_000 + b'--><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    return package(header_row(), b"<si><t>&x;</t></si>", prolog=prolog)


def billion_laughs() -> bytes:
    """Entity expansion ("billion laughs") in the shared strings."""
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    prolog = f"<?xml version='1.0'?><!DOCTYPE sst [{entities}]>".encode()
    return package(header_row(), b"<si><t>&a9;</t></si>", prolog=prolog)


# name → (builder, what the importer is told, or "" for a workbook that reads fine)
CORPUS: dict[str, tuple[Callable[[], bytes], str]] = {
    "shared_text_flood": (shared_text_flood, "文件中的文本过多"),
    "giant_shared_string": (giant_shared_string, "共享文本（sharedStrings）中有一段超过"),
    "far_column": (far_column, "单元格 ZZZZZZ1 超出导入模板的列范围（最多到 T 列）"),
    "far_column_xfd": (lambda: far_column("XFD1"), "单元格 XFD1 超出导入模板的列范围"),
    "empty_far_cell": (empty_far_cell, ""),
    "many_rows": (many_rows, "工作表的行数超出单次导入上限"),
    "far_row": (far_row, "文件中出现了第 999,999,999 行"),
    "many_cells": (many_cells, "工作表第 2 行的单元格超过 1,000 个"),
    "huge_row": (huge_row, "工作表中有一段超过 1,024 KB 的内容不属于任何一行"),
    "junk_after_rows": (junk_after_rows, "工作表中有一段超过 1,024 KB"),
    "junk_before_rows": (junk_before_rows, "工作表中有一段超过 1,024 KB"),
    "long_cell": (long_cell, "单元格 A2 的内容超过 32,767 个字符"),
    "malformed": (malformed, "文件已损坏"),
    "late_doctype": (late_doctype, "DTD/实体"),
    "billion_laughs": (billion_laughs, "DTD/实体"),
}
