"""The streaming .xlsx writer (app/xlsx_writer.py): a file that reads back exactly as openpyxl's own would, handed
out in chunks while the rows are still being read."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

from app.exports import escape_cell, xlsx_stream
from app.xlsx_reader import SheetReader
from app.xlsx_writer import stream_xlsx, xlsx_bytes

HEADERS = ["客户编号", "姓名", "金额", "日期", "时间", "次数", "比率", "备注", "空"]
AWKWARD = [
    ["KH00000001", "王小明", Decimal("1234567.50"), date(2026, 6, 17), datetime(2026, 6, 17, 9, 30, 15), 3, 0.125,
     "=HYPERLINK(\"http://x\")", None],
    ["KH00000002", "  前后空格  ", Decimal("-0.01"), date(1900, 1, 1), datetime(1999, 12, 31, 23, 59), 0, -2.5,
     "a < b & c > \"d\" 'e'", ""],
    ["KH00000003", "@SUM(A1)", Decimal("0"), date(1985, 2, 28), datetime(2026, 1, 1), -7, 1e-9, "+86 138\t1234",
     True],
    ["KH00000004", "第一行\n第二行", Decimal("1E+3"), None, None, 10**12, 3.0, "-5", "\x01控制字符"],
]


def openpyxl_bytes(headers: list[str], rows: list[list]) -> bytes:
    """The same sheet written by openpyxl's write-only workbook, with the formats the exports use."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("数据")
    ws.append(headers)
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
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def cells(data: bytes) -> list[list[tuple]]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [[(cell.value, cell.number_format) for cell in row] for row in sheet.iter_rows()]


def test_the_file_reads_back_exactly_as_openpyxls_own_values_and_formats_included():
    ours = b"".join(xlsx_stream(HEADERS, AWKWARD))
    assert cells(ours) == cells(openpyxl_bytes(HEADERS, AWKWARD))
    rows = load_workbook(io.BytesIO(ours)).active.iter_rows(min_row=2, values_only=True)
    first, second, third, fourth = rows
    assert first[2] == 1234567.5 and first[3] == datetime(2026, 6, 17) and first[7] == "'=HYPERLINK(\"http://x\")"
    assert second[1] == "  前后空格  " and second[7] == "a < b & c > \"d\" 'e'" and second[8] is None
    assert third[1] == "'@SUM(A1)" and third[7] == "'+86 138\t1234" and third[8] == "是"
    assert fourth[1] == "第一行\n第二行" and fourth[5] == 10**12 and fourth[7] == "'-5" and fourth[8] == "控制字符"


def test_our_own_import_reader_reads_it_too(tmp_path):
    path = tmp_path / "错误报告.xlsx"
    path.write_bytes(xlsx_bytes(["姓名", "次数"], [["张三", 1], ["李四", None]], sheet="错误报告"))
    assert load_workbook(path).sheetnames == ["错误报告"]
    reader = SheetReader(path)
    try:
        assert [values for _number, values in reader.rows()] == [["姓名", "次数"], ["张三", 1], ["李四"]]
    finally:
        reader.close()


def test_chunks_leave_while_the_rows_are_still_being_read():
    read = 0

    def rows():
        nonlocal read
        for i in range(5_000):
            read += 1
            yield [f"客户{i}", i, f"备注 {i * 7919 % 10007}"]

    seen, body = [], bytearray()
    for chunk in stream_xlsx(["姓名", "序号", "备注"], rows(), rows_per_chunk=500):
        seen.append(read)
        body += chunk
    assert seen[0] == 0  # the archive's first entries go out before any row is read
    assert len([n for n in seen if 0 < n < 5_000]) >= 3
    assert seen[-1] == 5_000
    sheet = load_workbook(io.BytesIO(bytes(body))).active
    assert sheet.max_row == 5_001 and sheet.cell(5_001, 1).value == "客户4999"
