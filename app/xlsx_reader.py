"""Streaming reader for the first sheet of an .xlsx: one row at a time, typed cell values, bounded memory.

openpyxl's read-only reader builds a cell object per value and costs about 120 µs per row of
the import template on our machines, 12 s for 100,000 rows before any validation; this reader
walks the same XML with lxml's C iterparse and clears each row once read, at about a third of
that. openpyxl still writes the styled import template; exports and
error reports stream through ``app.xlsx_writer``.
python-calamine was measured against it (``bench/xlsx_readers.py``, docs/dependencies.md): it
materialises the whole sheet and every shared string, so a hostile workbook costs it gigabytes.

Memory stays bounded whatever the workbook, by :class:`Limits`: the parser may read at most
``window`` bytes of XML without finishing a row or a shared string (everything read before is
cleared), so no element soup, giant row or junk after the data can grow the tree; cells holding
a value beyond ``max_columns`` are refused by name before any list is sized to them; rows,
cells per row, characters per cell and the shared strings (count and characters, kept as one
UTF-8 buffer rather than a Python string each) are capped. A limit reached raises
:class:`WorkbookRefused` with a Chinese message for the importer.

Values come back as ``str``, ``int`` (a whole number written without a decimal point or
exponent), ``float``, ``bool`` or ``None``. Dates are Excel serial numbers, as the file stores
them; :func:`excel_date` converts one. Callers check the file with
``app.customers.imports.check_workbook_file`` first (zip bombs); the parser also refuses a DTD
or entity anywhere in a part, and network access.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from lxml import etree

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ROW, _CELL, _VALUE, _TEXT, _SHARED = NS + "row", NS + "c", NS + "v", NS + "t", NS + "si"
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+:[A-Z]+(\d{1,9})"')
_WHOLE = re.compile(r"^-?\d+$")
_DECLARATIONS = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
MAX_SMALL_PART = 4 * 1024 * 1024  # workbook.xml and its relationships are read whole


@dataclass(frozen=True)
class Limits:
    """What one workbook may hold before the reader refuses it (defaults: Excel's own maxima)."""

    max_columns: int = 16_384  # a cell holding a value beyond this column is refused by name
    max_rows: int = 1_048_576  # stored rows, and the highest row number
    max_cells_per_row: int = 16_384  # <c> elements in one row, empty ones included
    max_cell_chars: int = 32_767  # Excel's limit for one cell
    max_shared_strings: int = 3_000_000
    max_shared_chars: int = 30_000_000
    window: int = 1024 * 1024  # XML bytes read without finishing one row or shared string


class BrokenWorkbook(ValueError):
    """The package or its XML is not a readable workbook."""


class WorkbookRefused(BrokenWorkbook):
    """The workbook is readable but beyond a limit; ``message`` says which, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _parser_options() -> dict[str, Any]:
    return {"resolve_entities": False, "no_network": True, "huge_tree": False, "load_dtd": False}


def column_letters(index: int) -> str:
    """The letters of a 0-based column position: 0 → "A", 27 → "AB"."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@lru_cache(maxsize=1024)
def _letters_index(letters: str) -> int:
    """Column position of "A", "B" … "XFD" (0-based); more than 3 letters is past any sheet (a huge index)."""
    if not letters or not letters.isalpha() or not letters.isascii() or not letters.isupper():
        raise BrokenWorkbook(f"bad cell reference {letters[:20]!r}")
    if len(letters) > 3:
        return 1 << 40
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def excel_date(serial: float, date1904: bool = False) -> date:
    """Convert an Excel serial day number to a date (1900 or 1904 date system)."""
    base = date(1904, 1, 1) if date1904 else date(1899, 12, 30)
    return base + timedelta(days=int(serial))


class _Window:
    """A part's byte stream that refuses to run more than ``limit`` bytes past the last :meth:`mark`,
    and refuses any DTD or entity declaration wherever it appears (also past the first chunk)."""

    def __init__(self, raw: IO[bytes], limit: int, what: str) -> None:
        self.raw, self.limit, self.what = raw, limit, what
        self.total = self.marked = 0
        self.tail = b""

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size if size and size > 0 else 65536)
        self.total += len(data)
        if self.total - self.marked > self.limit:
            raise WorkbookRefused(f"{self.what}中有一段超过 {self.limit // 1024:,} KB 的内容不属于任何一行"
                                  "（单行或单个文本异常巨大，或结构异常），已拒绝导入")
        seen = self.tail + data
        if any(token in seen for token in _DECLARATIONS):
            raise WorkbookRefused("文件包含不允许的 XML 声明（DTD/实体），已拒绝导入")
        self.tail = data[-9:]
        return data

    def mark(self) -> None:
        self.marked = self.total


class SharedStrings:
    """The shared string table as one UTF-8 buffer and an offset per string (no Python object per string)."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.ends = array("Q")
        self.chars = 0

    def add(self, text: str) -> None:
        self.buffer += text.encode("utf-8")
        self.ends.append(len(self.buffer))
        self.chars += len(text)

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, index: int) -> str:
        if index < 0:
            raise IndexError(index)
        end = self.ends[index]
        return self.buffer[self.ends[index - 1] if index else 0:end].decode("utf-8")


class SheetReader:
    """The first worksheet of a workbook, read as a stream of rows."""

    def __init__(self, path: Path | str, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        try:
            self.archive = zipfile.ZipFile(path)
            self.sheet_path, self.date1904 = self._first_sheet()
            self.shared = self._shared_strings()
            with self.archive.open(self.sheet_path) as part:
                found = _DIMENSION.search(part.read(65536))
        except WorkbookRefused:
            raise
        except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError, ValueError, OSError, EOFError) as exc:
            raise BrokenWorkbook(str(exc)) from exc
        # The <dimension> Excel and WPS write gives the row count up front (for the progress bar).
        self.declared_rows = int(found.group(1)) if found else None

    def _small_part(self, name: str) -> Any:
        with self.archive.open(name) as part:
            data = part.read(MAX_SMALL_PART + 1)
        if len(data) > MAX_SMALL_PART:
            raise WorkbookRefused("工作簿的结构部分异常巨大，已拒绝导入")
        if any(token in data for token in _DECLARATIONS):
            raise WorkbookRefused("文件包含不允许的 XML 声明（DTD/实体），已拒绝导入")
        return etree.fromstring(data, etree.XMLParser(**_parser_options()))

    def _first_sheet(self) -> tuple[str, bool]:
        workbook = self._small_part("xl/workbook.xml")
        properties = workbook.find(NS + "workbookPr")
        date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        sheet = workbook.find(f"{NS}sheets/{NS}sheet")
        if sheet is None:
            raise BrokenWorkbook("workbook has no sheet")
        rel_id = sheet.get(REL_NS + "id")
        target = "worksheets/sheet1.xml"
        if "xl/_rels/workbook.xml.rels" in self.archive.namelist():
            for rel in self._small_part("xl/_rels/workbook.xml.rels").iter(PKG_REL_NS + "Relationship"):
                if rel.get("Id") == rel_id:
                    target = rel.get("Target", target)
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        return path, date1904

    def _shared_strings(self) -> SharedStrings:
        strings = SharedStrings()
        if "xl/sharedStrings.xml" not in self.archive.namelist():
            return strings
        limits = self.limits
        with self.archive.open("xl/sharedStrings.xml") as part:
            window = _Window(part, limits.window, "共享文本（sharedStrings）")
            for _event, item in etree.iterparse(window, events=("end",), tag=_SHARED, **_parser_options()):
                # Rich text keeps its runs in <r><t>; phonetic hints (<rPh>) are not part of the value.
                text = "".join(t.text or "" for t in item.iter(_TEXT)
                               if t.getparent() is not None and not t.getparent().tag.endswith("rPh"))
                if len(text) > limits.max_cell_chars:
                    raise WorkbookRefused(f"文件中有文本超过 {limits.max_cell_chars:,} 个字符（Excel 单元格上限），"
                                          "已拒绝导入")
                if len(strings) >= limits.max_shared_strings or strings.chars + len(text) > limits.max_shared_chars:
                    raise WorkbookRefused(
                        f"文件中的文本过多（超过 {limits.max_shared_strings:,} 个不同文本或 "
                        f"{limits.max_shared_chars:,} 个字符），超出单次导入的处理上限；请拆分成几个文件后再导入")
                strings.add(text)
                _drop_read(item)
                window.mark()
        return strings

    def _value(self, cell: Any) -> Any:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            return "".join(t.text or "" for t in cell.iter(_TEXT))
        if len(cell) == 1 and cell[0].tag == _VALUE:  # the common <c><v>…</v></c>, without a search
            raw = cell[0].text
        else:
            raw = cell.findtext(_VALUE)
        if raw is None:
            return None
        if kind == "s":
            return self.shared[int(raw)]
        if kind in ("str", "e"):
            return raw
        if kind == "b":
            return raw == "1"
        return int(raw) if _WHOLE.match(raw) else float(raw)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Yield (row number, values by column position) for every stored row, in order."""
        limits = self.limits
        width = limits.max_columns
        expected = stored = 0
        try:
            with self.archive.open(self.sheet_path) as part:
                window = _Window(part, limits.window, "工作表")
                for _event, row in etree.iterparse(window, events=("end",), tag=_ROW, **_parser_options()):
                    expected += 1
                    stored += 1
                    number_text = row.get("r")
                    number = int(number_text) if number_text else expected
                    if number > limits.max_rows or stored > limits.max_rows:
                        raise WorkbookRefused(f"工作表的行数超出单次导入上限（最多 {limits.max_rows - 1:,} 行数据，"
                                              f"文件中出现了第 {max(number, stored):,} 行），请拆分后再导入")
                    expected = number
                    yield number, self._row_values(row, number, width)
                    _drop_read(row)
                    window.mark()
        except WorkbookRefused:
            raise
        except (etree.XMLSyntaxError, zipfile.BadZipFile, ValueError, IndexError, OSError, EOFError) as exc:
            raise BrokenWorkbook(str(exc)) from exc

    def _row_values(self, row: Any, number: int, width: int) -> list[Any]:
        limits = self.limits
        digits = len(str(number))
        values: list[Any] = []
        for position, cell in enumerate(row.iterchildren(_CELL)):
            if position >= limits.max_cells_per_row:
                raise WorkbookRefused(f"工作表第 {number} 行的单元格超过 {limits.max_cells_per_row:,} 个，"
                                      "远超导入模板的列数，已拒绝导入")
            reference = cell.get("r")
            # "AB12" in row 12: the letters are everything before the row number.
            index = _letters_index(reference[:-digits]) if reference else position
            if index >= width:
                if len(cell):  # a value (or formula) outside the template; empty formatted cells are ignored
                    shown = reference[:16] + ("…" if len(reference) > 16 else "") if reference else f"第 {number} 行"
                    last = column_letters(width - 1)
                    raise WorkbookRefused(f"单元格 {shown} 超出导入模板的列范围（最多到 {last} 列），"
                                          "请删除模板以外的列后重新上传")
                continue
            value = self._value(cell)
            if isinstance(value, str) and len(value) > limits.max_cell_chars:
                raise WorkbookRefused(f"单元格 {reference or number} 的内容超过 {limits.max_cell_chars:,} 个字符，"
                                      "已拒绝导入")
            if index >= len(values):
                values.extend([None] * (index - len(values) + 1))
            values[index] = value
        return values

    def close(self) -> None:
        self.archive.close()


def _drop_read(element: Any) -> None:
    """Clear an element once read and delete the siblings before it, so the tree never grows with the part."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    while parent is not None and element.getprevious() is not None:
        del parent[0]
