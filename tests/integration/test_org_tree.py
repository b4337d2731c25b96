"""用户组织维护: create, rename, move and disable org nodes on screen, keeping the company → group order."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.org.models import Org, OrgKind
from tests.conftest import audit_rows


def org(code: str) -> Org:
    db.session.rollback()
    found = db.session.scalar(select(Org).where(Org.code == code))
    assert found is not None
    return found


def test_tree_lists_orgs_depth_first(login_as):
    page = login_as("admin").get("/org/").get_data(as_text=True)
    assert re.findall(r'<tr data-org="([^"]+)"', page) == ["HQ", "SH", "SH-BO", "SH-LC1", "SH-LC1-A", "SH-LC2"]


def test_admin_creates_a_group_under_a_department(login_as):
    client = login_as("admin")
    response = client.post("/org/", data={"name": "理财二部B组", "code": "SH-LC2-B", "kind": "group",
                                          "parent_id": org("SH-LC2").id, "sort": 1})
    assert response.status_code == 302
    created = org("SH-LC2-B")
    assert (created.kind, created.path) == (OrgKind.GROUP, f"{org('SH-LC2').path}{created.id}/")
    assert "已创建组织“理财二部B组”" in client.get("/org/").get_data(as_text=True)
    assert audit_rows("create", created)


@pytest.mark.parametrize(("data", "message"), [
    ({"kind": "branch", "parent_id": "SH-LC2"}, "分公司不能放在部门之下"),
    ({"kind": "group", "parent_id": 0}, "只有公司可以作为顶级组织"),
    ({"code": "SH-LC1"}, "组织编码 SH-LC1 已存在"),
    ({"name": ""}, "请填写组织名称"),
])
def test_bad_orgs_are_refused_in_chinese(login_as, data, message):
    client = login_as("admin")
    posted = {"name": "新组", "code": "SH-NEW", "kind": "group", "parent_id": "SH-LC2", "sort": 0, **data}
    if isinstance(posted["parent_id"], str):
        posted["parent_id"] = org(posted["parent_id"]).id
    response = client.post("/org/", data=posted, headers={"Referer": "/org/"})
    assert response.status_code == 302
    assert message in client.get("/org/").get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(Org.id).where(Org.code == "SH-NEW")) is None


def test_rename_and_move_rewrite_the_subtree(login_as):
    client = login_as("admin")
    group = org("SH-LC1-A")
    assert client.post(f"/org/{group.id}/rename", data={"name": "理财一部甲组"}).status_code == 302
    assert org("SH-LC1-A").name == "理财一部甲组"
    assert client.post(f"/org/{group.id}/move", data={"parent_id": org("SH-LC2").id}).status_code == 302
    assert org("SH-LC1-A").path == f"{org('SH-LC2').path}{group.id}/"
    assert audit_rows("org.move", group)
    # The users went along: head11's department scope now covers seat01.
    from tests.conftest import user_named

    assert login_as("head11").get(f"/admin/users/{user_named('seat01').id}").status_code == 200


def test_an_org_cannot_move_under_itself(login_as):
    client = login_as("admin")
    dept = org("SH-LC1")
    response = client.post(f"/org/{dept.id}/move", data={"parent_id": org("SH-LC1-A").id},
                           headers={"Referer": "/org/"})
    assert response.status_code == 302
    assert "不能把组织移动到它自己或它的下级之下" in client.get("/org/").get_data(as_text=True)
    assert org("SH-LC1").parent_id == org("SH").id


def test_disable_needs_an_empty_subtree(login_as):
    client = login_as("admin")
    busy = org("SH-LC2")
    response = client.post(f"/org/{busy.id}/disable", headers={"Referer": "/org/"})
    assert response.status_code == 302
    assert "还有 3 名在职员工" in client.get("/org/").get_data(as_text=True)
    assert org("SH-LC2").active
    empty = org("SH-BO")
    assert client.post(f"/org/{empty.id}/disable").status_code == 302
    assert not org("SH-BO").active
    assert client.post(f"/org/{empty.id}/enable").status_code == 302
    assert org("SH-BO").active


@pytest.mark.parametrize("who", ["hr01", "head01", "seat01"])
def test_only_admins_maintain_the_org_tree(login_as, who):
    client = login_as(who)
    assert client.get("/org/").status_code == 403
    assert client.post(f"/org/{org('SH-BO').id}/disable").status_code == 403
    assert org("SH-BO").active
