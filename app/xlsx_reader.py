"""Streaming reader for the first sheet of an .xlsx: one row at a time, typed cell values, flat memory.

openpyxl's read-only reader builds a cell object per value and costs about 120 µs per row of
the import template on our machines, 12 s for 100,000 rows before any validation; this reader
walks the same XML with lxml's C iterparse and clears each row once read, at about a third of
that. openpyxl still writes every workbook we produce (templates, exports, error reports).

Values come back as ``str``, ``int`` (a whole number written without a decimal point or
exponent), ``float``, ``bool`` or ``None``. Dates are Excel serial numbers, as the file stores
them; :func:`excel_date` converts one. Callers check the file with
``app.customers.imports.check_workbook_file`` first (zip bombs, DTDs); the parser also refuses
entities and network access.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ROW, _CELL, _VALUE, _TEXT, _SHARED = NS + "row", NS + "c", NS + "v", NS + "t", NS + "si"
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+:[A-Z]+(\d+)"')
_WHOLE = re.compile(r"^-?\d+$")


class BrokenWorkbook(ValueError):
    """The package or its XML is not a readable workbook."""


def _parser_options() -> dict[str, Any]:
    return {"resolve_entities": False, "no_network": True, "huge_tree": False, "load_dtd": False}


@lru_cache(maxsize=1024)
def _letters_index(letters: str) -> int:
    """Column position of "A", "B" … "AA" (0-based); anything else is a broken reference."""
    if not letters or not letters.isalpha() or not letters.isascii() or not letters.isupper():
        raise BrokenWorkbook(f"bad cell reference {letters!r}")
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def excel_date(serial: float, date1904: bool = False) -> date:
    """Convert an Excel serial day number to a date (1900 or 1904 date system)."""
    base = date(1904, 1, 1) if date1904 else date(1899, 12, 30)
    return base + timedelta(days=int(serial))


class SheetReader:
    """The first worksheet of a workbook, read as a stream of rows."""

    def __init__(self, path: Path | str) -> None:
        try:
            self.archive = zipfile.ZipFile(path)
            self.sheet_path, self.date1904 = self._first_sheet()
            self.shared = self._shared_strings()
            with self.archive.open(self.sheet_path) as part:
                found = _DIMENSION.search(part.read(65536))
        except (KeyError, zipfile.BadZipFile, etree.XMLSyntaxError, ValueError, OSError, EOFError) as exc:
            raise BrokenWorkbook(str(exc)) from exc
        # The <dimension> Excel and WPS write gives the row count up front (for the progress bar).
        self.declared_rows = int(found.group(1)) if found else None

    def _first_sheet(self) -> tuple[str, bool]:
        workbook = etree.fromstring(self.archive.read("xl/workbook.xml"), etree.XMLParser(**_parser_options()))
        properties = workbook.find(NS + "workbookPr")
        date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        sheet = workbook.find(f"{NS}sheets/{NS}sheet")
        if sheet is None:
            raise BrokenWorkbook("workbook has no sheet")
        rel_id = sheet.get(REL_NS + "id")
        target = "worksheets/sheet1.xml"
        if "xl/_rels/workbook.xml.rels" in self.archive.namelist():
            rels = etree.fromstring(self.archive.read("xl/_rels/workbook.xml.rels"),
                                    etree.XMLParser(**_parser_options()))
            for rel in rels.iter(PKG_REL_NS + "Relationship"):
                if rel.get("Id") == rel_id:
                    target = rel.get("Target", target)
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        return path, date1904

    def _shared_strings(self) -> list[str]:
        if "xl/sharedStrings.xml" not in self.archive.namelist():
            return []
        strings: list[str] = []
        with self.archive.open("xl/sharedStrings.xml") as part:
            for _event, item in etree.iterparse(part, events=("end",), tag=_SHARED, **_parser_options()):
                # Rich text keeps its runs in <r><t>; phonetic hints (<rPh>) are not part of the value.
                strings.append("".join(t.text or "" for t in item.iter(_TEXT)
                                       if t.getparent() is not None and not t.getparent().tag.endswith("rPh")))
                item.clear(keep_tail=False)
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
        expected = 0
        try:
            with self.archive.open(self.sheet_path) as part:
                for _event, row in etree.iterparse(part, events=("end",), tag=_ROW, **_parser_options()):
                    expected += 1
                    number_text = row.get("r")
                    number = int(number_text) if number_text else expected
                    expected = number
                    digits = len(str(number))
                    values: list[Any] = []
                    for position, cell in enumerate(row.iterchildren(_CELL)):
                        reference = cell.get("r")
                        # "AB12" in row 12: the letters are everything before the row number.
                        index = _letters_index(reference[:-digits]) if reference else position
                        if index >= len(values):
                            values.extend([None] * (index - len(values) + 1))
                        values[index] = self._value(cell)
                    row.clear(keep_tail=False)
                    # Drop the rows already read so the tree never grows with the sheet.
                    parent = row.getparent()
                    while parent is not None and row.getprevious() is not None:
                        del parent[0]
                    yield number, values
        except (etree.XMLSyntaxError, zipfile.BadZipFile, ValueError, IndexError, OSError, EOFError) as exc:
            raise BrokenWorkbook(str(exc)) from exc

    def close(self) -> None:
        self.archive.close()
