"""Excel (.xlsx) exports for every list: streamed rows, formula-injection escaping, Chinese headers."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from app import clock

# Cells a spreadsheet would evaluate: = + - @ first, or a leading tab/CR/LF (OWASP CSV injection).
_DANGEROUS = re.compile(r"^[=+\-@\t\r\n]")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def escape_cell(value: Any) -> Any:
    """Make a value safe to put in a spreadsheet cell."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = clock.local(value)
        return local.replace(tzinfo=None) if local else ""
    if isinstance(value, bool):  # before the numbers: a bool is an int
        return "是" if value else "否"
    if isinstance(value, Decimal | int | float | date):
        return value
    text = _ILLEGAL_XML.sub("", str(value))
    if _DANGEROUS.match(text):
        return "'" + text
    return text


def workbook_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str = "数据") -> bytes:
    """Build an .xlsx in write-only mode (constant memory per row) and return its bytes."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet[:31])
    ws.append(list(headers))
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(ws, value=escape_cell(value))
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, Decimal):
                cell.number_format = "#,##0.00"
            cells.append(cell)
        ws.append(cells)
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as buffer:
        wb.save(buffer)
        buffer.seek(0)
        return buffer.read()


def xlsx_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """Return an .xlsx download; ``filename`` may be Chinese (RFC 5987 encoded)."""
    return xlsx_download(filename, workbook_bytes(headers, rows))


def xlsx_download(filename: str, data: bytes, stamp: bool = True) -> Response:
    """Send ready-made .xlsx bytes (templates, reports) as a download named ``filename``[_timestamp].xlsx."""
    suffix = "_" + clock.local(clock.now()).strftime("%Y%m%d%H%M") if stamp else ""  # type: ignore[union-attr]
    full = f"{filename}{suffix}.xlsx"
    response = Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f"attachment; filename=export.xlsx; filename*=UTF-8''{quote(full)}"
    return response
