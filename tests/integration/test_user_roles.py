"""用户角色维护: several roles per user, audited, with guards around the admin role."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.auth.models import DataScope, Role
from app.auth.permissions import permissions_of
from app.extensions import db
from app.org.access import USER_MANAGE
from tests.conftest import audit_rows, user_named


def role_ids(*codes: str) -> list[int]:
    return list(db.session.scalars(select(Role.id).where(Role.code.in_(codes)).order_by(Role.id)))


def test_role_list_shows_each_users_roles(login_as):
    page = login_as("admin").get("/admin/users/roles?q=head").get_data(as_text=True)
    assert set(re.findall(r'data-user="([^"]+)"', page)) == {"head01", "head11"}
    assert "部门主管" in page and "分配角色" in page


def test_admin_gives_a_seat_a_second_role_and_it_takes_effect(login_as):
    seat01 = user_named("seat01")
    client = login_as("admin")
    page = client.get(f"/admin/users/{seat01.id}/roles").get_data(as_text=True)
    assert re.search(r'value="\d+" id="role-seat" checked', page)
    response = client.post(f"/admin/users/{seat01.id}/roles", data={"roles": role_ids("seat", "hr")})
    assert response.status_code == 302
    assert "张坐席 的角色已保存" in client.get(response.headers["Location"]).get_data(as_text=True)
    seat01 = user_named("seat01")
    assert seat01.role_codes == {"seat", "hr"}
    assert USER_MANAGE in permissions_of(db.session, seat01)
    row = audit_rows("user.roles", seat01)[-1]
    assert (row.before, row.after) == ({"roles": ["seat"]}, {"roles": ["hr", "seat"]})
    assert row.actor_name == "系统管理员"
    assert "用户维护" in login_as("seat01").get("/").get_data(as_text=True)  # the new menu shows up


def test_removing_every_role_is_allowed_and_audited(login_as):
    seat02 = user_named("seat02")
    assert login_as("admin").post(f"/admin/users/{seat02.id}/roles", data={}).status_code == 302
    assert user_named("seat02").roles == []
    assert audit_rows("user.roles", seat02)[-1].after == {"roles": []}


def test_saving_unchanged_roles_writes_no_audit_row(login_as):
    seat02 = user_named("seat02")
    before = len(audit_rows("user.roles", seat02))  # the demo data's initial grant
    client = login_as("admin")
    response = client.post(f"/admin/users/{seat02.id}/roles", data={"roles": role_ids("seat")})
    assert response.status_code == 302
    assert "角色没有变化" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert len(audit_rows("user.roles", seat02)) == before


def test_unknown_role_ids_are_refused(login_as):
    seat02 = user_named("seat02")
    response = login_as("admin").post(f"/admin/users/{seat02.id}/roles", data={"roles": ["99999"]})
    assert response.status_code == 422
    assert "角色：" in response.get_data(as_text=True)
    assert user_named("seat02").role_codes == {"seat"}


def test_only_admins_grant_the_admin_role(login_as):
    from app.auth.models import Permission

    hr01 = user_named("hr01")
    custom = Role(code="role_admin", name="角色管理员", builtin=False, data_scope=DataScope.BRANCH)
    custom.permissions = list(db.session.scalars(select(Permission).where(
        Permission.code.in_(["users.roles", "users.view"]))))
    hr01.roles.append(custom)
    db.session.commit()
    seat02 = user_named("seat02")
    client = login_as("hr01")
    response = client.post(f"/admin/users/{seat02.id}/roles", data={"roles": role_ids("seat", "admin")})
    assert response.status_code == 403
    assert "只有系统管理员可以授予或撤销系统管理员角色" in response.get_data(as_text=True)
    assert user_named("seat02").role_codes == {"seat"}
    # …while other roles are theirs to give.
    allowed = client.post(f"/admin/users/{seat02.id}/roles", data={"roles": role_ids("seat", "finance")})
    assert allowed.status_code == 302
    assert user_named("seat02").role_codes == {"seat", "finance"}


def test_nobody_edits_their_own_roles(login_as):
    response = login_as("admin").post(f"/admin/users/{user_named('admin').id}/roles", data={"roles": role_ids("seat")})
    assert response.status_code == 422
    assert "不能修改自己的角色" in response.get_data(as_text=True)
    assert user_named("admin").role_codes == {"admin"}


def test_the_last_admin_keeps_the_admin_role(login_as):
    from app.org import services

    designer = user_named("designer01")
    client = login_as("admin")
    assert client.post(f"/admin/users/{designer.id}/roles",
                       data={"roles": role_ids("admin", "process_designer")}).status_code == 302
    # Two admins now: designer01 may take it away from admin, but then not from themselves.
    designer_client = login_as("designer01")
    assert designer_client.post(f"/admin/users/{user_named('admin').id}/roles",
                                data={"roles": role_ids("seat")}).status_code == 302
    assert user_named("admin").role_codes == {"seat"}
    from app.errors import Conflict

    try:
        services.assign_roles(db.session, user_named("designer01"), role_ids("process_designer"), by_admin=True)
    except Conflict as exc:
        assert exc.message == "至少需要保留一名在职的系统管理员"
    else:
        raise AssertionError("the last admin lost the admin role")
    db.session.rollback()


def test_viewers_and_seats_cannot_assign_roles(login_as):
    seat02 = user_named("seat02")
    for who in ("head01", "hr01", "seat01"):
        client = login_as(who)
        assert client.get("/admin/users/roles").status_code == 403, who
        assert client.post(f"/admin/users/{seat02.id}/roles", data={"roles": role_ids("admin")}).status_code == 403
    assert user_named("seat02").role_codes == {"seat"}
