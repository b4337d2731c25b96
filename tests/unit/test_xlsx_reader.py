"""The streaming sheet reader on workbooks shaped like Excel's: shared strings, rich text, sparse cells."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest

from app.xlsx_reader import BrokenWorkbook, SheetReader, excel_date
from tests.customer_helpers import xlsx_bytes

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _excel_like(tmp_path: Path, sheet_rows: str, date1904: bool = False, target: str = "worksheets/data.xml") -> Path:
    """A package as Excel writes it: shared strings and a sheet found through workbook relationships."""
    buffer = io.BytesIO()
    flag = ' date1904="1"' if date1904 else ""
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><workbookPr{flag}/>'
                         '<sheets><sheet name="客户" sheetId="1" r:id="rId7"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels",
                         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                         f'<Relationship Id="rId7" Type="x" Target="{target}"/></Relationships>')
        archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}" count="3" uniqueCount="3">'
                         "<si><t>客户姓名</t></si>"
                         "<si><r><t>张</t></r><r><rPr><b/></rPr><t>三</t></r><rPh><t>ZHANG</t></rPh></si>"
                         '<si><t xml:space="preserve"> 备注 </t></si></sst>')
        archive.writestr("xl/" + target.lstrip("/").removeprefix("xl/"),
                         f'<worksheet xmlns="{MAIN}"><dimension ref="A1:F3"/><sheetData>{sheet_rows}</sheetData>'
                         "</worksheet>")
    path = tmp_path / "excel.xlsx"
    path.write_bytes(buffer.getvalue())
    return path


def test_shared_strings_rich_text_numbers_booleans_and_gaps(tmp_path):
    path = _excel_like(tmp_path, '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
                                 '<row r="3"><c r="A3" t="s"><v>1</v></c><c r="C3"><v>13800138000</v></c>'
                                 '<c r="D3"><v>1.10105194912310E+17</v></c><c r="E3" t="b"><v>1</v></c>'
                                 '<c r="F3" t="s"><v>2</v></c><c r="G3"><v>32874</v></c></row>')
    reader = SheetReader(path)
    assert reader.declared_rows == 3
    rows = list(reader.rows())
    reader.close()
    assert rows[0] == (1, ["客户姓名"])
    number, values = rows[1]
    assert number == 3  # the skipped row 2 keeps the numbering of the sheet
    assert values[0] == "张三" and values[1] is None and values[2] == 13800138000
    assert isinstance(values[3], float) and values[4] is True and values[5] == " 备注 "
    assert excel_date(values[6]) == date(1990, 1, 1)


def test_the_1904_date_system_is_honoured(tmp_path):
    reader = SheetReader(_excel_like(tmp_path, '<row r="1"><c r="A1"><v>31412</v></c></row>', date1904=True,
                                     target="/xl/worksheets/sheet9.xml"))
    assert reader.date1904
    value = next(reader.rows())[1][0]
    assert excel_date(value, reader.date1904) == date(1990, 1, 1)


def test_openpyxl_inline_strings_read_the_same(tmp_path):
    path = tmp_path / "openpyxl.xlsx"
    path.write_bytes(xlsx_bytes([["李四", "", "", "", "", 13800138000]]))
    rows = list(SheetReader(path).rows())
    assert rows[1][0] == 2 and rows[1][1][0] == "李四" and rows[1][1][5] == 13800138000


def test_a_cut_sheet_is_a_broken_workbook(tmp_path):
    path = _excel_like(tmp_path, '<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    data = path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, content[:60] if item.filename.endswith("data.xml") else content)
    path.write_bytes(buffer.getvalue())
    with pytest.raises(BrokenWorkbook):
        list(SheetReader(path).rows())
