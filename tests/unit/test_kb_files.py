"""Attachment checks shared by OA and the knowledge base (app/files.py): type by content, OOXML zip safety,
text extraction, and the cleaning of article bodies."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pypdf
import pytest

from app import files, richtext
from app.errors import ValidationFailed
from tests import kb_documents as docs

KB = frozenset({"docx", "xlsx", "pdf", "png", "mp4", "txt"})


def test_a_real_docx_and_xlsx_pass_and_give_their_text():
    assert files.sniff("说明.docx", docs.docx("稳盈理财", "赎回规则"), KB).content_type.endswith("document")
    assert files.extract_text("说明.docx", docs.docx("稳盈理财", "赎回规则")) == "稳盈理财\n赎回规则"
    assert files.sniff("费率.xlsx", docs.xlsx("申购费", "赎回费"), KB).content_type.endswith("sheet")
    assert files.extract_text("费率.xlsx", docs.xlsx("申购费", "赎回费")) == "申购费\n赎回费"


def test_a_pdf_gives_the_text_of_its_pages_and_a_broken_or_encrypted_one_none():
    data = (Path(__file__).parents[1] / "data" / "kb_redeem.pdf").read_bytes()  # two pages, Chinese (STSong)
    assert files.sniff("赎回规则.pdf", data, KB).content_type == "application/pdf"
    assert files.extract_text("赎回规则.pdf", data) == "稳盈鑫享计划：持有满 90 天可提前赎回\n第二页：赎回款 T+2 到账"
    assert files.extract_text("坏的.pdf", b"%PDF-1.4\n" + b"\x00" * 64) == ""  # still a valid attachment
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt("secret")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    assert files.extract_text("加密.pdf", encrypted.getvalue()) == ""


def test_an_executable_renamed_docx_is_refused():
    with pytest.raises(ValidationFailed, match="内容与其类型不符"):
        files.sniff("合同.docx", docs.EXE, KB)


def test_a_zip_without_content_types_is_no_office_document():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.exe", "MZ")
    with pytest.raises(ValidationFailed, match="不是有效的 Office 文档"):
        files.sniff("报表.xlsx", out.getvalue(), KB)


def test_a_zip_bomb_disguised_as_xlsx_is_refused_from_its_directory():
    bomb = docs.zip_bomb()
    assert len(bomb) < 2 * 1024 * 1024
    with pytest.raises(ValidationFailed, match="压缩炸弹"):
        files.sniff("收益表.xlsx", bomb, KB)


def test_too_many_entries_are_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", docs.CONTENT_TYPES)
        for i in range(files.OOXML_MAX_ENTRIES + 1):
            archive.writestr(f"p/{i}.xml", "")
    with pytest.raises(ValidationFailed, match="包含的文件过多"):
        files.sniff("多.docx", out.getvalue(), KB)


def test_video_is_known_by_its_ftyp_box_and_extensions_outside_the_domain_are_refused():
    assert files.sniff("讲解.mp4", docs.MP4, KB).content_type == "video/mp4"
    with pytest.raises(ValidationFailed, match="内容与其类型不符"):
        files.sniff("讲解.mp4", docs.PNG, KB)
    with pytest.raises(ValidationFailed, match="不支持的附件类型"):
        files.sniff("页面.html", b"<script>alert(1)</script>", KB)
    with pytest.raises(ValidationFailed, match="不支持的附件类型"):
        files.sniff("图.svg", b"<svg onload=alert(1)>", KB | {"svg"})


def test_inline_kinds_are_images_and_video_only():
    inline = {ext for ext, kind in files.KINDS.items() if kind.inline}
    assert inline == {"png", "jpg", "jpeg", "gif", "mp4", "webm"}
    assert not any("html" in files.KINDS[ext].content_type or "svg" in files.KINDS[ext].content_type
                   for ext in inline)


def test_entities_in_office_xml_are_not_expanded():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", docs.CONTENT_TYPES)
        archive.writestr("word/document.xml", '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                              f'<w:document xmlns:w="{docs.W}"><w:body><w:p><w:r><w:t>&x;</w:t>'
                                              '</w:r></w:p></w:body></w:document>')
    assert "root" not in files.extract_text("x.docx", out.getvalue())


def test_script_in_an_article_body_is_cleaned():
    cleaned = richtext.clean('<p onclick="x()">收益<script>alert(1)</script><a href="javascript:alert(1)">链接</a></p>'
                             '<img src=x onerror=alert(1)>')
    assert "script" not in cleaned and "onclick" not in cleaned and "onerror" not in cleaned
    assert "javascript" not in cleaned and "收益" in cleaned
