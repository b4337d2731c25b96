"""角色维护 and 权限维护: custom roles and permission codes, data scope changes, audited grants."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.auth.models import DataScope, Permission, Role
from app.auth.permissions import permissions_of
from app.extensions import db
from tests.conftest import audit_rows, user_named

# The data scope is SQL (prefix LIKE on org paths, case-insensitive search): prove it on PostgreSQL too.
SCOPE_SQL = pytest.mark.db_sensitive


def role(code: str) -> Role:
    db.session.rollback()
    found = db.session.scalar(select(Role).where(Role.code == code))
    assert found is not None
    return found


def permission(code: str) -> Permission:
    db.session.rollback()
    found = db.session.scalar(select(Permission).where(Permission.code == code))
    assert found is not None
    return found


def permission_ids(*codes: str) -> list[int]:
    return list(db.session.scalars(select(Permission.id).where(Permission.code.in_(codes))))


# --- 角色维护 -----------------------------------------------------------------------------------------


def test_role_list_shows_builtin_roles_with_scope_and_holders(login_as):
    page = login_as("admin").get("/admin/roles/").get_data(as_text=True)
    for text in ("系统管理员", "城市经理", "部门主管", "坐席", "财务", "投服", "流程设计", "知识审核", "人事",
                 "本部门及下级"):
        assert text in page
    seat_row = re.search(r'<tr data-role="seat">.*?</tr>', page, re.S)
    assert seat_row and "<td>3</td>" in seat_row.group(0)  # seat01, seat02, seat11
    assert "删除" not in seat_row.group(0)


def test_admin_creates_a_custom_role_with_scope_and_permissions(login_as):
    client = login_as("admin")
    form = client.get("/admin/roles/new").get_data(as_text=True)
    assert "系统管理" in form and "用户查询" in form and "仅本人" in form
    response = client.post("/admin/roles/new", data={
        "code": "team_lead", "name": "组长", "description": "小组长，查看本组员工",
        "data_scope": "department", "permissions": permission_ids("users.view"),
    })
    assert response.status_code == 302
    created = role("team_lead")
    assert (created.name, created.data_scope, created.builtin) == ("组长", DataScope.DEPARTMENT, False)
    assert [p.code for p in created.permissions] == ["users.view"]
    assert audit_rows("create", created)
    grant = audit_rows("role.permissions", created)[-1]
    assert (grant.before, grant.after) == ({"permissions": []}, {"permissions": ["users.view"]})


@pytest.mark.parametrize(("data", "message", "status"), [
    ({"code": "Team Lead"}, "角色编码须以小写字母开头", 422),
    ({"code": "seat"}, "角色编码 seat 已存在", 409),
    ({"name": ""}, "请填写角色名称", 422),
    ({"data_scope": "galaxy"}, "数据范围：不是有效的选择。", 422),
])
def test_bad_roles_are_refused_and_the_form_keeps_its_input(login_as, data, message, status):
    posted = {"code": "team_lead", "name": "组长", "description": "说明文字", "data_scope": "department",
              "permissions": permission_ids("users.view"), **data}
    response = login_as("admin").post("/admin/roles/new", data=posted)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert message in page
    assert "说明文字" in page
    assert re.search(rf'value="{permission_ids("users.view")[0]}" id="perm-\d+" checked', page)
    assert db.session.scalar(select(Role.id).where(Role.code == "team_lead")) is None


@SCOPE_SQL
def test_narrowing_a_roles_data_scope_hides_records_at_once(login_as):
    seat01 = user_named("seat01")  # in 理财一部A组, below head01's 理财一部
    head = login_as("head01")
    assert head.get(f"/admin/users/{seat01.id}").status_code == 200
    dept_head = role("dept_head")
    response = login_as("admin").post(f"/admin/roles/{dept_head.id}", data={
        "name": dept_head.name, "description": dept_head.description, "data_scope": "department",
        "permissions": [p.id for p in dept_head.permissions],
    })
    assert response.status_code == 302
    assert head.get(f"/admin/users/{seat01.id}").status_code == 404
    change = audit_rows("update", dept_head)[-1]
    assert (change.before, change.after) == ({"data_scope": "department_tree"}, {"data_scope": "department"})


def test_revoking_a_permission_closes_the_screen(login_as):
    head = login_as("head01")
    assert head.get("/admin/users/").status_code == 200
    dept_head = role("dept_head")
    kept = [p.id for p in dept_head.permissions if p.code != "users.view"]
    response = login_as("admin").post(f"/admin/roles/{dept_head.id}", data={
        "name": "部门主管", "description": "", "data_scope": "department_tree", "permissions": kept})
    assert response.status_code == 302
    assert head.get("/admin/users/").status_code == 403
    assert "用户维护" not in head.get("/").get_data(as_text=True)
    grant = audit_rows("role.permissions", dept_head)[-1]
    assert "users.view" in grant.before["permissions"] and "users.view" not in grant.after["permissions"]


def test_the_admin_role_keeps_scope_all(login_as):
    admin_role = role("admin")
    client = login_as("admin")
    page = client.get(f"/admin/roles/{admin_role.id}").get_data(as_text=True)
    assert "系统管理员拥有全部权限" in page
    response = client.post(f"/admin/roles/{admin_role.id}", data={"name": "系统管理员", "data_scope": "self"})
    assert response.status_code == 422
    assert "系统管理员的数据范围固定为“全部”" in response.get_data(as_text=True)
    assert role("admin").data_scope == DataScope.ALL
    renamed = client.post(f"/admin/roles/{admin_role.id}", data={"name": "超级管理员", "data_scope": "all"})
    assert renamed.status_code == 302
    assert role("admin").name == "超级管理员"


def test_builtin_roles_cannot_be_deleted(login_as):
    seat = role("seat")
    response = login_as("admin").post(f"/admin/roles/{seat.id}/delete")
    assert response.status_code == 409
    assert "“坐席”是内置角色，不能删除" in response.get_data(as_text=True)
    assert role("seat")


def test_custom_roles_are_deleted_only_when_nobody_holds_them(login_as):
    custom = Role(code="auditor", name="审计员", builtin=False)
    seat02 = user_named("seat02")
    seat02.roles.append(custom)
    db.session.commit()
    client = login_as("admin")
    held = client.post(f"/admin/roles/{custom.id}/delete")
    assert held.status_code == 409
    assert "还有 1 名用户拥有角色“审计员”" in held.get_data(as_text=True)
    seat02 = user_named("seat02")
    seat02.roles = [r for r in seat02.roles if r.code != "auditor"]
    db.session.commit()
    custom_id = role("auditor").id
    assert client.post(f"/admin/roles/{custom_id}/delete").status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(Role.id).where(Role.code == "auditor")) is None
    assert any(row.object_id == str(custom_id) for row in audit_rows("delete"))


@pytest.mark.parametrize("url", ["/admin/roles/", "/admin/roles/new", "/admin/roles/{seat}", "/admin/permissions/"])
@pytest.mark.parametrize("who", ["hr01", "head01", "seat01", "manager01"])
def test_only_admins_see_roles_and_permissions(login_as, who, url):
    assert login_as(who).get(url.format(seat=role("seat").id)).status_code == 403


@pytest.mark.parametrize("who", ["hr01", "head01", "seat01", "manager01"])
def test_only_admins_maintain_roles_and_permissions(login_as, who):
    client = login_as(who)
    seat = role("seat")
    assert client.post(f"/admin/roles/{seat.id}", data={"name": "x", "data_scope": "all"}).status_code == 403
    assert client.post("/admin/permissions/", data={"code": "a.b", "name": "x", "kind": "menu"}).status_code == 403
    assert role("seat").data_scope == DataScope.SELF


# --- 权限维护 -----------------------------------------------------------------------------------------


def test_permission_list_is_grouped_by_section_with_kinds(login_as):
    page = login_as("admin").get("/admin/permissions/").get_data(as_text=True)
    assert re.search(r'data-section="系统管理"', page)
    row = re.search(r'<tr data-permission="users.view">.*?</tr>', page, re.S)
    assert row and "用户查询" in row.group(0) and "菜单" in row.group(0)
    manage = re.search(r'<tr data-permission="users.manage">.*?</tr>', page, re.S)
    assert manage and "操作" in manage.group(0) and "删除" not in manage.group(0)


def test_custom_permission_lifecycle(app, login_as):
    client = login_as("admin")
    response = client.post("/admin/permissions/", data={
        "code": "reports.branch_daily", "name": "分公司日报", "kind": "menu", "section": "报表", "description": ""})
    assert response.status_code == 302
    custom = permission("reports.branch_daily")
    assert not custom.builtin and custom.section == "报表"
    page = client.get("/admin/permissions/").get_data(as_text=True)
    assert 'data-section="报表"' in page and "分公司日报" in page

    renamed = client.post(f"/admin/permissions/{custom.id}", data={"name": "分公司营业日报", "section": "报表"})
    assert renamed.status_code == 302
    assert permission("reports.branch_daily").name == "分公司营业日报"

    # Granted through a role, the holder has it; while granted, it cannot be deleted.
    manager = role("city_manager")
    client.post(f"/admin/roles/{manager.id}", data={
        "name": manager.name, "description": "", "data_scope": "branch",
        "permissions": [p.id for p in manager.permissions] + [custom.id]})
    assert "reports.branch_daily" in permissions_of(db.session, user_named("manager01"))
    refused = client.post(f"/admin/permissions/{custom.id}/delete")
    assert refused.status_code == 409 and "还有 1 个角色拥有权限" in refused.get_data(as_text=True)

    manager = role("city_manager")
    client.post(f"/admin/roles/{manager.id}", data={
        "name": manager.name, "description": "", "data_scope": "branch",
        "permissions": [p.id for p in manager.permissions if p.code != "reports.branch_daily"]})
    assert client.post(f"/admin/permissions/{custom.id}/delete").status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(Permission.id).where(Permission.code == "reports.branch_daily")) is None


@pytest.mark.parametrize(("data", "message", "status"), [
    ({"code": "Reports"}, "权限编码格式为“模块.动作”", 422),
    ({"code": "reports"}, "权限编码格式为“模块.动作”", 422),
    ({"code": "users.view"}, "权限编码 users.view 已存在", 409),
    ({"name": ""}, "请填写权限名称", 422),
    ({"kind": "superpower"}, "类型：不是有效的选择。", 422),
])
def test_bad_permissions_are_refused_and_the_form_keeps_its_input(login_as, data, message, status):
    posted = {"code": "reports.daily", "name": "日报", "kind": "menu", "section": "报表", "description": "每日", **data}
    response = login_as("admin").post("/admin/permissions/", data=posted)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert message in page
    assert 'value="报表"' in page
    assert db.session.scalar(select(Permission.id).where(Permission.code == "reports.daily")) is None


def test_builtin_permissions_cannot_be_renamed_or_deleted(login_as):
    builtin = permission("users.view")
    client = login_as("admin")
    renamed = client.post(f"/admin/permissions/{builtin.id}", data={"name": "随便改", "section": "x"})
    assert renamed.status_code == 409 and "内置权限的名称由系统维护" in renamed.get_data(as_text=True)
    deleted = client.post(f"/admin/permissions/{builtin.id}/delete")
    assert deleted.status_code == 409 and "内置权限不能删除" in deleted.get_data(as_text=True)
    assert permission("users.view").name == "用户查询"


def test_a_retired_builtin_permission_leaves_the_catalogue_and_every_role(runner):
    """``workflow.start`` (API-only start, retired by the one start rule) lingers in older databases."""
    admin_role = role("admin")
    retired = Permission(code="workflow.start", name="通过接口发起流程", kind="action", section="流程中心",
                         builtin=True)
    custom = Permission(code="custom.report", name="自定义报表", kind="action", section="报表", builtin=False)
    admin_role.permissions.extend([retired, custom])
    db.session.commit()
    result = runner.invoke(args=["seed", "base"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    codes = {p.code for p in db.session.scalars(select(Permission))}
    assert "workflow.start" not in codes and "custom.report" in codes  # what an admin created stays
    assert "workflow.start" not in {p.code for p in role("admin").permissions}
    assert "custom.report" in {p.code for p in role("admin").permissions}
