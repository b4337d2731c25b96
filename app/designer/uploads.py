"""Uploaded .bpmn/.dmn files: size-limited reads before the safe parser sees them."""

from __future__ import annotations

from werkzeug.datastructures import FileStorage

from app.errors import ValidationFailed
from app.workflow.xmlsafe import MAX_XML_BYTES, XmlRejected, parse_xml

SUFFIXES = {"BPMN": (".bpmn", ".xml"), "DMN": (".dmn", ".xml")}


def read_upload(upload: FileStorage | None, what: str) -> bytes:
    """The uploaded file's bytes after the size check and a safe parse (DOCTYPE/entities refused)."""
    if upload is None or not upload.filename:
        raise ValidationFailed(f"请选择要上传的 {what} 文件")
    if not upload.filename.lower().endswith(SUFFIXES[what]):
        raise ValidationFailed(f"只能上传 {'、'.join(SUFFIXES[what])} 文件")
    data = upload.stream.read(MAX_XML_BYTES + 1)
    if len(data) > MAX_XML_BYTES:
        raise XmlRejected(f"{what} 文件过大（上限 {MAX_XML_BYTES // 1024 // 1024} MB）")
    parse_xml(data, what)
    return data
