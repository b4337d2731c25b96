"""Streaming writer of a one-sheet .xlsx: the bytes of the file come out while the rows are still being read.

An .xlsx is a ZIP of XML parts. The small parts (content types, relationships, workbook, styles) are
fixed; the sheet is written row by row into a deflated ZIP entry whose compressed bytes are handed
out every ``rows_per_chunk`` rows, so the first bytes leave before the first row is fetched and
memory holds one chunk whatever the number of rows. The stdlib ``zipfile`` writes to a stream that
cannot seek by putting each entry's sizes in a data descriptor after its bytes, which Excel, LibreOffice,
WPS and openpyxl read. No ZIP64: the export caps (100,000 rows) keep the sheet far below 4 GB, and
Excel warns about ZIP64 workbooks.

openpyxl's write-only mode (used before) and XlsxWriter's ``constant_memory`` mode both write the
sheet to a temporary file and zip it on save, so nothing can be sent before the last row; they are
also 5–25 times slower than writing the XML here (``bench/exports.py``, docs/dependencies.md).

Values are written as openpyxl writes them, so a file reads back the same: text as inline strings,
numbers as numbers, ``Decimal`` as a number formatted ``#,##0.00``, dates and date-times as Excel
serial numbers formatted ``yyyy-mm-dd`` / ``yyyy-mm-dd hh:mm``; ``None`` and ``""`` leave the cell empty.
Callers escape values first (``app.exports.escape_cell``): this module writes what it is given.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

ROWS_PER_CHUNK = 500
# Deflate level 1: about twice as fast as the default 6 for a file about 15 % larger.
COMPRESS_LEVEL = 1

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '</Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>')
# Cell styles by index: 0 general, 1 date-time, 2 date, 3 amount (built-in number format 4, "#,##0.00").
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
_SHEET_END = "</sheetData></worksheet>"


class _Sink(io.RawIOBase):
    """A write-only, unseekable file that keeps what was written until it is taken."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def _cell(ref: str, value: Any) -> str:
    kind = type(value)
    if kind is str:
        if not value:
            return ""
        space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
        return f'<c r="{ref}" t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'
    if value is None:
        return ""
    if kind is int or kind is float:
        return f'<c r="{ref}" t="n"><v>{value}</v></c>'
    if kind is bool:
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, datetime):
        return f'<c r="{ref}" s="1"><v>{to_excel(value)}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="2"><v>{to_excel(value)}</v></c>'
    if isinstance(value, Decimal):
        return f'<c r="{ref}" s="3"><v>{value}</v></c>'
    if isinstance(value, int | float):  # subclasses (IntEnum…), as openpyxl writes them
        return f'<c r="{ref}" t="n"><v>{value}</v></c>'
    return _cell(ref, str(value))


def stream_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str = "数据",
                rows_per_chunk: int = ROWS_PER_CHUNK) -> Iterator[bytes]:
    """Yield the bytes of an .xlsx with one sheet: ``headers`` then ``rows``, a chunk every few hundred rows."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK.format(name=escape(sheet[:31], {'"': "&quot;"})))
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        letters: list[str] = []
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(_SHEET_START.encode())
            yield sink.take()
            lines: list[str] = []
            for number, row in enumerate(_with_headers(headers, rows), start=1):
                while len(letters) < len(row):
                    letters.append(get_column_letter(len(letters) + 1))
                cells = "".join(_cell(f"{letters[i]}{number}", value) for i, value in enumerate(row))
                lines.append(f'<row r="{number}">{cells}</row>')
                if len(lines) >= rows_per_chunk:
                    part.write("".join(lines).encode())
                    lines.clear()
                    chunk = sink.take()
                    if chunk:
                        yield chunk
            part.write(("".join(lines) + _SHEET_END).encode())
    yield sink.take()


def _with_headers(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    yield headers
    yield from rows


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str = "数据") -> bytes:
    """The whole .xlsx at once, for files kept rather than sent (import error reports)."""
    return b"".join(stream_xlsx(headers, rows, sheet))
