"""System notices (系统通知): templates, publishing to everyone / an org and below / people, read receipts,
the status-bar ticker, urgent pop-ups until acknowledged, major announcements on the home page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.notices.models import Notice, NoticeReceipt, NoticeTemplate
from tests.conftest import user_named


def _org_id(code: str) -> int:
    return db.session.execute(db.text("select id from org where code = :c"), {"c": code}).scalar_one()


def _publish(client, **values) -> Notice:
    data = {"title": "系统升级通知", "body": "本周六 22:00 系统升级。", "level": "normal", "audience": "all",
            "org_id": "0", **values}
    response = client.post("/admin/notices/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.commit()
    return db.session.scalars(select(Notice).order_by(Notice.id.desc())).first()


def _recipients(notice: Notice) -> set[str]:
    return {r.user.username for r in db.session.scalars(select(NoticeReceipt).where(
        NoticeReceipt.notice_id == notice.id))}


@pytest.mark.db_sensitive  # receipts are written in one multi-row INSERT; audiences by org path
def test_publish_to_everyone_an_org_and_below_or_chosen_people(login_as):
    admin = login_as("admin")
    everyone = _publish(admin)
    assert {"seat01", "seat11", "finance01", "admin"} <= _recipients(everyone)
    department = _publish(admin, audience="org", org_id=str(_org_id("SH-LC1")), title="一部通知")
    assert _recipients(department) == {"head01", "seat01", "seat02", "finance01", "finance02"}
    chosen = _publish(admin, audience="users", user_ids=[str(user_named("seat11").id)], title="个人通知")
    assert _recipients(chosen) == {"seat11"}
    missing = admin.post("/admin/notices/new", data={"title": "x", "body": "y", "level": "normal",
                                                     "audience": "org", "org_id": "0"})
    assert missing.status_code == 422 and "请选择接收通知的组织" in missing.get_data(as_text=True)
    assert login_as("head01").post("/admin/notices/new", data={"title": "x"}).status_code == 403


def test_ticker_read_receipts_and_scope(login_as):
    notice = _publish(login_as("admin"), audience="org", org_id=str(_org_id("SH-LC1")), title="一部晨会改到九点")
    seat = login_as("seat01")
    home = seat.get("/").get_data(as_text=True)
    assert 'id="notice-ticker"' in home and "一部晨会改到九点" in home
    assert "一部晨会改到九点" not in login_as("seat11").get("/").get_data(as_text=True)
    assert login_as("seat11").get(f"/notices/{notice.id}").status_code == 404
    assert login_as("seat11").get(f"/notices/{notice.id}/popup").status_code == 404
    assert "本周六" in seat.get(f"/notices/{notice.id}/popup").get_data(as_text=True)
    receipts = login_as("admin").get(f"/admin/notices/{notice.id}").get_data(as_text=True)
    assert "已读 1 / 5" in receipts
    db.session.commit()
    receipt = db.session.get(NoticeReceipt, (notice.id, user_named("seat01").id))
    assert receipt.read_at is not None and receipt.acknowledged_at is None


@pytest.mark.db_sensitive
def test_urgent_notice_pops_up_on_every_page_until_acknowledged(login_as):
    notice = _publish(login_as("admin"), level="urgent", audience="users",
                      user_ids=[str(user_named("seat01").id)], title="台风停工通知")
    seat = login_as("seat01")
    for url in ("/", "/oa/applications/", "/oa/todos/"):
        page = seat.get(url).get_data(as_text=True)
        assert 'id="notice-popup"' in page and "台风停工通知" in page, url
    assert 'id="notice-popup"' not in login_as("seat02").get("/").get_data(as_text=True)
    assert login_as("seat02").post(f"/notices/{notice.id}/acknowledge").status_code == 404
    done = seat.post(f"/notices/{notice.id}/acknowledge", data={"next": "/oa/todos/"})
    assert done.status_code == 302 and done.headers["Location"] == "/oa/todos/"
    assert 'id="notice-popup"' not in seat.get("/").get_data(as_text=True)
    assert "台风停工通知" in seat.get("/").get_data(as_text=True)  # still in the ticker
    receipts = login_as("admin").get(f"/admin/notices/{notice.id}").get_data(as_text=True)
    assert "已知悉 1" in receipts


def test_major_announcement_on_the_home_page_and_as_a_pop_up(login_as):
    _publish(login_as("admin"), major="y", title="公司年度战略发布")
    home = login_as("finance11").get("/").get_data(as_text=True)
    panel = home[home.index('id="panel-major"'):]
    assert "公司年度战略发布" in panel
    assert 'id="notice-popup"' in home and "重大公告：公司年度战略发布" in home


def test_withdrawn_notices_disappear(login_as):
    admin = login_as("admin")
    notice = _publish(admin, level="urgent", audience="users", user_ids=[str(user_named("seat01").id)],
                      title="发错的通知")
    assert admin.post(f"/admin/notices/{notice.id}/withdraw").status_code == 302
    seat = login_as("seat01")
    assert "发错的通知" not in seat.get("/").get_data(as_text=True)
    assert seat.get(f"/notices/{notice.id}").status_code == 404


def test_content_templates_prefill_the_publish_form(login_as):
    admin = login_as("admin")
    assert admin.post("/admin/notices/templates/new", data={
        "name": "放假通知", "title": "关于 X 放假安排的通知", "body": "各位同事：\n根据国家规定……"}).status_code == 302
    assert admin.post("/admin/notices/templates/new", data={"name": "放假通知"}).status_code == 409
    db.session.commit()
    template = db.session.scalars(select(NoticeTemplate).where(NoticeTemplate.name == "放假通知")).one()
    form = admin.get(f"/admin/notices/new?template={template.id}").get_data(as_text=True)
    assert "关于 X 放假安排的通知" in form and "根据国家规定" in form
