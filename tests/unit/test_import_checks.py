"""Import safety and row checks without a database: zip bombs, DTDs, non-xlsx files, and per-row validation."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from app.customers.import_rows import RowContext, check_in_file, map_header, parse_row, remember
from app.customers.imports import check_workbook_file
from app.errors import ValidationFailed
from tests.customer_helpers import xlsx_bytes


def _file(tmp_path: Path, data: bytes, name: str = "upload.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _refused(path: Path) -> str:
    with pytest.raises(ValidationFailed) as caught:
        check_workbook_file(path)
    return caught.value.message


def test_a_real_workbook_passes(tmp_path):
    check_workbook_file(_file(tmp_path, xlsx_bytes([["张三", "", "", "", "", "13800138000", "", "", "SH-LC1"]])))


def test_non_xlsx_content_is_refused_with_a_reason(tmp_path):
    assert "旧版 Excel" in _refused(_file(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512))
    assert "不是 Excel 工作簿" in _refused(_file(tmp_path, "姓名,电话\n张三,138".encode()))
    assert "空的" in _refused(_file(tmp_path, b""))


def test_a_zip_that_is_not_a_workbook_or_is_cut_short_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "缺少工作簿内容" in _refused(_file(tmp_path, buffer.getvalue()))
    truncated = xlsx_bytes([["张三"]])[:600]
    assert "已损坏" in _refused(_file(tmp_path, truncated))


def test_a_zip_bomb_is_refused_before_anything_inflates_it(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<x>" + b"0" * (50 * 1024 * 1024) + b"</x>")
    assert len(buffer.getvalue()) < 200 * 1024  # 50 MB of zeros squeezed into ~50 KB
    assert "压缩炸弹" in _refused(_file(tmp_path, buffer.getvalue()))


def test_xml_with_a_dtd_or_entities_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                            "<workbook>&x;</workbook>")
    assert "DTD" in _refused(_file(tmp_path, buffer.getvalue()))


def test_header_is_matched_by_label_in_any_order():
    mapping = map_header(["手机号码", "备注", "客户姓名*", "所属组织"])
    assert mapping == {0: "phone", 1: "remark", 2: "name", 3: "org"}
    with pytest.raises(ValidationFailed, match="缺少必填列：手机号码、所属组织"):
        map_header(["客户姓名", "电话"])


def _ctx() -> RowContext:
    return RowContext(orgs={"sh-lc1": 4, "理财一部": 4}, categories={"个人客户/高净值": 2, "高净值": 2},
                      sources={"import": "import", "数据导入": "import", "电话营销": "phone"},
                      grades={"a": "A", "b": "B", "c": "C"}, today=date(2026, 6, 1))


def test_a_good_row_is_normalised():
    fields, errors = parse_row({"name": " 张三 ", "id_number": "110105491231002", "phone": 13800138000,
                                "phone2": "010-62345678", "org": "理财一部", "category": "个人客户 / 高净值",
                                "source": "电话营销", "grade": "b", "tags": "甲，乙"}, _ctx())
    assert errors == []
    assert fields["name"] == "张三" and fields["id_number"] == "11010519491231002X"
    assert fields["birthday"] == date(1949, 12, 31) and fields["gender"] == "female"
    assert (fields["phone"], fields["phone2"]) == ("13800138000", "01062345678")
    assert (fields["org_id"], fields["category_id"], fields["source"], fields["grade"], fields["tags"]) == (
        4, 2, "phone", "B", "甲,乙")


def test_every_problem_of_a_row_is_reported():
    fields, errors = parse_row({"name": "", "id_number": "110105194912310021", "phone": "1380013800",
                                "org": "理财九部", "category": "不存在", "source": "路边", "grade": "S",
                                "birthday": "2030-01-01", "gender": "男女"}, _ctx())
    joined = "；".join(errors)
    for expected in ("客户姓名必填", "校验位不正确", "手机号码：", "理财九部”不存在或不在您的管理范围内",
                     "客户分类“不存在”不存在", "客户来源“路边”不在基础数据中", "客户等级“S”无效", "出生日期晚于今天",
                     "性别“男女”无效"):
        assert expected in joined, expected


def test_an_id_number_excel_stored_as_a_number_is_refused():
    _fields, errors = parse_row({"name": "张三", "phone": "13800138000", "org": "SH-LC1",
                                 "id_number": 1.10105194912310e17}, _ctx())
    assert any("丢失精度" in e for e in errors)


def test_a_birthday_or_gender_contradicting_the_id_number_is_reported_like_on_the_form():
    _fields, errors = parse_row({"name": "张三", "phone": "13800138000", "org": "SH-LC1",
                                 "id_number": "11010519491231002X", "birthday": "1950-01-01", "gender": "男"}, _ctx())
    assert errors == ["出生日期与身份证号不一致", "性别与身份证号不一致"]


def test_birthday_cells_may_be_dates_or_text():
    for value in (datetime(1949, 12, 31), "1949/12/31", "19491231", "1949年12月31日", 18263):  # 18263: Excel day
        fields, errors = parse_row({"name": "张三", "phone": "13800138000", "org": "SH-LC1", "birthday": value},
                                   _ctx())
        assert errors == [] and fields["birthday"] == date(1949, 12, 31), value


def test_duplicates_within_the_file_point_at_the_first_row():
    ctx = _ctx()
    first, _ = parse_row({"name": "甲", "phone": "13800138000", "org": "SH-LC1", "id_number": "11010519491231002X"},
                         ctx)
    assert check_in_file(2, first, ctx) == []
    remember(2, first, ctx)
    again, _ = parse_row({"name": "乙", "phone": "13900139000", "phone2": "13800138000", "org": "SH-LC1",
                          "id_number": "110105491231002"}, ctx)
    assert check_in_file(3, again, ctx) == ["证件号码与第 2 行重复", "电话 13800138000 与第 2 行重复"]
