"""A refused edit (app.errors.refused) comes back as the same edit page: the heading still names what is being
edited, everything typed is in the form, the reason is on top, and nothing was saved."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.notices.models import NoticeTemplate
from app.oa.models import Activity, Branch
from tests.integration.test_oa_branches_activities import BRANCH, _activity


def test_a_branch_edit_refused_for_a_taken_code_stays_the_edit_page_with_what_was_typed(login_as):
    admin = login_as("admin")
    assert admin.post("/oa/branches/manage/new", data=BRANCH).status_code == 302
    other = BRANCH | {"code": "SH-XH-02", "name": "徐家汇营业部", "address": "漕溪北路 88 号"}
    assert admin.post("/oa/branches/manage/new", data=other).status_code == 302
    db.session.commit()
    branch = db.session.scalars(select(Branch).where(Branch.code == "SH-XH-02")).one()

    typed = other | {"code": "SH-JA-01", "address": "漕溪北路 99 号"}
    refused = admin.post(f"/oa/branches/manage/{branch.id}/edit", data=typed)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "已存在" in page
    assert "修改网点：徐家汇营业部" in page and "新建网点" not in page
    assert 'value="SH-JA-01"' in page and "漕溪北路 99 号" in page
    db.session.expire_all()
    assert (branch.code, branch.address) == ("SH-XH-02", "漕溪北路 88 号")


def test_a_template_rename_to_a_taken_name_stays_the_edit_page(login_as):
    admin = login_as("admin")
    for name in ("放假通知", "培训通知"):
        assert admin.post("/admin/notices/templates/new", data={
            "name": name, "title": f"关于{name}", "body": "各位同事："}).status_code == 302
    db.session.commit()
    template = db.session.scalars(select(NoticeTemplate).where(NoticeTemplate.name == "培训通知")).one()

    refused = admin.post(f"/admin/notices/templates/{template.id}/edit",
                         data={"name": "放假通知", "title": "改过的标题", "body": "改过的正文"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "已存在" in page
    assert "修改模板" in page and "新建模板" not in page
    assert "改过的标题" in page and "改过的正文" in page
    db.session.expire_all()
    assert (template.name, template.title) == ("培训通知", "关于培训通知")


def test_an_activity_edit_ending_before_it_starts_stays_the_edit_page(login_as):
    head = login_as("head01")
    activity_id = _activity(head)
    activity = db.session.get(Activity, activity_id)
    start = clock.local(activity.starts_at).replace(tzinfo=None)

    refused = head.post(f"/oa/activities/{activity_id}/edit", data={
        "title": "改名的沙龙", "kind": "salon", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "branch_id": "0",
        "location": "三楼多功能厅", "capacity": "2", "org_id": str(activity.org_id), "description": ""})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "结束时间须晚于开始时间" in page
    assert "修改活动" in page and "策划活动" not in page and "改名的沙龙" in page
    db.session.expire_all()
    assert db.session.get(Activity, activity_id).title == "新年理财沙龙"
