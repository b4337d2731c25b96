"""Refusals read right: a decision table is not called a diagram, an upload with no file is not "uploaded",
and the XML parser's English stays out of translated messages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.designer import rule_tables
from app.workflow.deploy import DeploymentRefused
from app.workflow.xmlsafe import XmlRejected, parse_xml
from tests.integration.test_oa_applications import _new_application

BROKEN_DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="x">
  <decision id="grade" name="等级"><decisionTable id="t"><input id="i"><inputExpression id="e" typeRef="string">
  <text>amount</text></inputExpression></input><output id="o" name="g" typeRef="string"/>
  <rule id="r"><inputEntry id="ie"><text>().__class__</text></inputEntry><outputEntry id="oe"><text>"a"</text>
  </outputEntry></rule></decisionTable></decision></definitions>"""


def test_a_refused_decision_table_is_headed_as_a_decision_table(app):
    from app.extensions import db

    designer = db.session.scalar(select(User).where(User.username == "designer01"))
    with pytest.raises(DeploymentRefused) as refused:
        rule_tables.publish(db.session, "grade_check", BROKEN_DMN, "测试", designer)
    assert refused.value.message.startswith("决策表未通过校验：")
    db.session.rollback()


def test_translated_xml_errors_carry_no_english():
    with pytest.raises(XmlRejected) as refused:
        parse_xml("not xml at all", "DMN")
    assert refused.value.message == "DMN 文件不是有效的 XML：第 1 行，缺少开始标签（文件应以 < 开头）"
    assert "Start tag expected" not in refused.value.message


def test_an_upload_with_no_file_says_so(login_as):
    seat = login_as("seat01")
    application_id = _new_application(seat)
    response = seat.post(f"/oa/applications/{application_id}/attachments", data={})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "没有收到任何附件" in page and "附件已上传" not in page
