"""Excel (.xlsx) exports for every list: streamed as the rows are read, formula-injection escaping, Chinese headers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from flask import Response, stream_with_context

from app import clock
from app.extensions import db
from app.xlsx_writer import stream_xlsx

# Cells a spreadsheet would evaluate: = + - @ first, or a leading tab/CR/LF (OWASP CSV injection).
_DANGEROUS = re.compile(r"^[=+\-@\t\r\n]")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Rows one list export writes at most: a spreadsheet of more is not read by anyone.
EXPORT_CAP = 100_000


def escape_cell(value: Any) -> Any:
    """Make a value safe to put in a spreadsheet cell."""
    if isinstance(value, str):  # most cells: printable text needs one look at its first character
        text = value if value.isprintable() else _ILLEGAL_XML.sub("", value)
        return "'" + text if _DANGEROUS.match(text) else text
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


def capped_note(limit: int = EXPORT_CAP) -> str:
    """The last line of a sheet cut at the cap, so the user knows rows are missing."""
    return f"仅导出前 {limit:,} 行：符合条件的记录更多，请增加筛选条件后分批导出"


def capped(rows: Iterable[Sequence[Any]], limit: int = EXPORT_CAP) -> Iterator[Sequence[Any]]:
    """Pass on at most ``limit`` rows, then :func:`capped_note` if there were more (so read ``limit + 1``)."""
    for count, row in enumerate(rows):
        if count == limit:
            yield [capped_note(limit)]
            return
        yield row


def xlsx_stream(headers: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str = "数据") -> Iterator[bytes]:
    """The bytes of an .xlsx of ``rows`` under ``headers``, every cell escaped, handed out as they are written."""
    return stream_xlsx(headers, ([escape_cell(value) for value in row] for row in rows), sheet)


def xlsx_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """Stream an .xlsx download while ``rows`` are read; ``filename`` may be Chinese (RFC 5987 encoded)."""
    return xlsx_download(filename, xlsx_stream(headers, rows))


def xlsx_download(filename: str, data: bytes | Iterator[bytes], stamp: bool = True) -> Response:
    """Send an .xlsx (ready-made bytes, or a stream read inside this request) named ``filename``[_timestamp].xlsx.

    A stream is read in the view's request and database session until its last byte is sent (see
    :func:`_in_view_session`); the length is then unknown, so the response goes out chunked.
    """
    suffix = "_" + clock.local(clock.now()).strftime("%Y%m%d%H%M") if stamp else ""  # type: ignore[union-attr]
    full = f"{filename}{suffix}.xlsx"
    body = data if isinstance(data, bytes) else _in_view_session(data)
    response = Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f"attachment; filename=export.xlsx; filename*=UTF-8''{quote(full)}"
    return response


def _in_view_session(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Let ``chunks`` run after the view returned, in the view's request context and database session.

    Flask tears the request down when the view returns, before the server reads the body, and
    Flask-SQLAlchemy then closes the request's session: a query the view already started (rows
    from ``session.scalars``) would be cut off and relationships could no longer load. So the
    view's session is taken out of the teardown's reach here and put back while the rows are read
    — the export sees the one transaction the view saw — and closed when the last byte is sent
    or the client goes away.
    """
    session = db.session()
    db.session.registry.clear()

    def stream() -> Iterator[bytes]:
        try:
            yield b""  # started now, so that closing it unread still closes the session
            db.session.registry.set(session)
            yield from chunks
        finally:
            session.close()

    started = stream()
    next(started)
    return stream_with_context(started)
