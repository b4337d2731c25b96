"""One code-to-label map: labelled enums, registered vocabularies, titles for business keys (linked only for
a user who may open the object) and the OA diagram without its segment hand-over."""

from __future__ import annotations

from flask_login import login_user
from sqlalchemy import select

from app import labels
from app.extensions import db
from app.oa.models import Application
from app.workflow import subjects
from app.workflow.models import WorkflowTask
from tests.conftest import user_named


class Colour(labels.LabelledStrEnum):
    RED = "red", "红色"
    BLUE = "blue", "蓝色"


def test_a_labelled_enum_member_is_its_code_and_carries_its_label():
    assert Colour.RED == "red" and Colour("blue") is Colour.BLUE
    assert (Colour.RED.label, labels.label(Colour.BLUE)) == ("红色", "蓝色")
    assert Colour.choices() == [("red", "红色"), ("blue", "蓝色")]


def test_vocabularies_label_codes_and_leave_unknown_codes_visible(app):
    with app.test_request_context():
        assert labels.label("dept_head", "role") == "部门主管"
        assert labels.label("trade_review", "process") == "客户交易审核"
        assert labels.label("forward", "outcome") == "向下流转" and labels.label("done", "outcome") == "完成"
        assert labels.label("pools.recycle", "job") == "数据池客户自动回收"
        assert labels.label("auth.login", "audit_action") == "登录"
        assert labels.label("no_such_code", "outcome") == "no_such_code"  # shown, so the browser walk sees it
        assert labels.codes_for("audit_action", "登录") == ["auth.login", "auth.login_failed", "auth.locked"]


def test_a_business_key_links_only_for_a_user_who_may_open_the_object(app):
    task = db.session.scalar(select(WorkflowTask).where(WorkflowTask.business_key.like("trade:%")))
    for username, linked in (("finance01", True), ("hr01", False)):
        with app.test_request_context():
            login_user(user_named(username))
            subject = subjects.for_user(db.session, task.business_key)
            assert subject is not None and subject.title.startswith("交易 JY")
            assert bool(subject.url) is linked, username


def test_the_oa_diagram_leaves_out_the_segment_hand_over(login_as):
    application = db.session.scalar(select(Application).where(Application.instance_id.is_not(None)))
    diagram = login_as("admin").get(f"/oa/applications/{application.id}/diagram.json").get_json()
    assert "处理申请" in diagram["xml"] and 'bpmnElement="handle"' in diagram["xml"]
    assert "转入新流程段" not in diagram["xml"] and "次流转" not in diagram["xml"]
    assert "next_segment" not in diagram["xml"]


def test_the_customer_page_lists_processes_by_title_not_by_key(login_as):
    from app.trades.models import Trade

    trade = db.session.scalar(select(Trade).where(Trade.review_instance_id.is_not(None)).order_by(Trade.id))
    page = login_as("admin").get(f"/customers/{trade.customer_id}").get_data(as_text=True)
    assert 'id="process-table"' in page and trade.trade_no in page
    assert f"trade:{trade.id}<" not in page and f">trade:{trade.id}" not in page
