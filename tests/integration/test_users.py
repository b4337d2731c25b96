"""用户维护: search inside the data scope, detail, create, edit, 升降级, 离职, unlock, password reset, export."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.auth.models import Role, User, UserLevelChange, UserStatus
from app.extensions import db
from app.org import services
from app.org.models import Org
from tests.conftest import DEMO_PASSWORD, audit_rows, login, user_named

# The data scope is SQL (prefix LIKE on org paths, case-insensitive search): prove it on PostgreSQL too.
SCOPE_SQL = pytest.mark.db_sensitive

NEW_PASSWORD = "Fresh#Start2026"


def listed(html: str) -> set[str]:
    """Usernames shown as rows of a user table."""
    return set(re.findall(r'data-user="([^"]+)"', html))


def org_id(code: str) -> int:
    org_id_ = db.session.scalar(select(Org.id).where(Org.code == code))
    assert org_id_ is not None
    return org_id_


def role_id(code: str) -> int:
    role_id_ = db.session.scalar(select(Role.id).where(Role.code == code))
    assert role_id_ is not None
    return role_id_


def new_user_form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "username": "newbie", "work_no": "S0099", "name": "新坐席", "org_id": org_id("SH-LC1-A"),
        "superior_id": user_named("head01").id, "level": "初级", "tier": "P1", "weight": 2,
        "phone": "13800000000", "email": "newbie@example.com", "password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
    }
    data.update(changes)
    return data


# --- list, search, data scope -----------------------------------------------------------------------


@SCOPE_SQL
def test_admin_searches_by_name_work_no_and_username(login_as):
    client = login_as("admin")
    everyone = listed(client.get("/admin/users/").get_data(as_text=True))
    assert {"admin", "seat01", "seat11", "hr01", "designer01"} <= everyone
    assert listed(client.get("/admin/users/?q=张坐").get_data(as_text=True)) == {"seat01"}
    assert listed(client.get("/admin/users/?q=S0011").get_data(as_text=True)) == {"seat11"}
    assert listed(client.get("/admin/users/?q=SEAT02").get_data(as_text=True)) == {"seat02"}
    assert "没有符合条件的用户" in client.get("/admin/users/?q=不存在的人").get_data(as_text=True)


@SCOPE_SQL
def test_filters_by_org_subtree_role_and_status(login_as):
    client = login_as("admin")
    dept = listed(client.get(f"/admin/users/?org={org_id('SH-LC1')}").get_data(as_text=True))
    assert dept == {"head01", "seat01", "seat02", "finance01", "finance02"}
    seats = listed(client.get(f"/admin/users/?role={role_id('seat')}").get_data(as_text=True))
    assert seats == {"seat01", "seat02", "seat11"}
    services.mark_left(db.session, user_named("seat02"))
    db.session.commit()
    assert "seat02" not in listed(client.get("/admin/users/").get_data(as_text=True))  # 在职 by default
    assert listed(client.get("/admin/users/?status=left").get_data(as_text=True)) == {"seat02"}
    assert "seat02" in listed(client.get("/admin/users/?status=all").get_data(as_text=True))


@SCOPE_SQL
def test_department_head_lists_only_own_department(login_as):
    page = login_as("head01").get("/admin/users/").get_data(as_text=True)
    assert listed(page) == {"head01", "seat01", "seat02", "finance01", "finance02"}
    assert "新建用户" not in page  # users.view only
    assert listed(login_as("head11").get("/admin/users/").get_data(as_text=True)) == {"head11", "seat11", "finance11"}


@SCOPE_SQL
@pytest.mark.parametrize(("viewer", "own", "other"), [("head01", "seat01", "seat11"), ("head11", "seat11", "seat01")])
def test_department_heads_cannot_open_each_others_users(login_as, viewer, own, other):
    client = login_as(viewer)
    assert client.get(f"/admin/users/{user_named(own).id}").status_code == 200
    response = client.get(f"/admin/users/{user_named(other).id}")
    assert response.status_code == 404
    assert "记录不存在或您无权查看" in response.get_data(as_text=True)
    assert client.get(f"/admin/users/{user_named(other).id}/roles").status_code == 403
    assert client.get(f"/admin/users/?q={other}").status_code == 200
    assert other not in listed(client.get(f"/admin/users/?q={other}").get_data(as_text=True))


@pytest.mark.parametrize("url", ["/admin/users/", "/admin/users/export", "/admin/users/new", "/admin/users/{seat02}",
                                 "/admin/users/{seat11}", "/admin/users/{seat11}/edit", "/admin/users/roles"])
def test_seat_is_refused_every_user_screen(login_as, url):
    response = login_as("seat01").get(url.format(seat02=user_named("seat02").id, seat11=user_named("seat11").id))
    assert response.status_code == 403
    assert "您没有权限访问此页面或数据" in response.get_data(as_text=True)


def test_seat_cannot_mark_a_user_as_leaving(login_as):
    client = login_as("seat01")
    seat11 = user_named("seat11").id
    assert client.post(f"/admin/users/{seat11}/leave").status_code == 403
    assert user_named("seat11").status == UserStatus.ACTIVE


def test_hr_cannot_reach_users_outside_the_branch(login_as):
    client = login_as("hr01")
    admin_id = user_named("admin").id  # at the company, above 上海分公司
    assert client.get(f"/admin/users/{admin_id}").status_code == 404
    assert client.post(f"/admin/users/{admin_id}/leave").status_code == 404
    assert user_named("admin").status == UserStatus.ACTIVE


def test_detail_shows_profile_roles_and_level_history(login_as):
    seat01 = user_named("seat01")
    services.change_level(db.session, seat01, "管理", "M1", "业绩连续三月第一", user_named("admin"))
    db.session.commit()
    page = login_as("hr01").get(f"/admin/users/{seat01.id}").get_data(as_text=True)
    for text in ("张坐席", "S0001", "理财一部A组", "李主管", "坐席", "升降级记录", "业绩连续三月第一", "初级 / P1"):
        assert text in page


# --- create ---------------------------------------------------------------------------------------------


def test_hr_creates_a_user_who_can_then_log_in(app, login_as):
    client = login_as("hr01")
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert "初始密码" in form and "联宇财富" not in form  # org choices stay inside HR's branch
    response = client.post("/admin/users/new", data=new_user_form())
    assert response.status_code == 302
    user = user_named("newbie")
    assert (user.name, user.work_no, user.level, user.tier, user.weight) == ("新坐席", "S0099", "初级", "P1", 2)
    assert user.superior.username == "head01" and user.roles == []
    assert "请为其分配角色" in client.get(response.headers["Location"]).get_data(as_text=True)
    created = audit_rows("create", user)
    assert created and created[0].object_type == "users" and created[0].actor_name == "钱人事"
    assert created[0].after["password_hash"] == "***"
    assert login(app.test_client(), "newbie", NEW_PASSWORD)


@pytest.mark.parametrize(("changes", "message", "status"), [
    ({"password": "Short#1a", "confirm_password": "Short#1a"}, "密码至少需要 12 个字符", 422),
    ({"confirm_password": "Other#Pass2026"}, "两次输入的密码不一致", 422),
    ({"username": "seat01"}, "用户名 seat01 已存在", 409),
    ({"work_no": "S0001"}, "工号 S0001 已存在", 409),
    ({"email": "not-an-email"}, "邮箱格式不正确", 422),
    ({"weight": "很多"}, "分配权重：不是有效的整数。", 422),
    ({"username": "1abc"}, "用户名只能包含字母", 422),
    ({"level": "特级"}, "层级：不是有效的选择。", 422),
])
def test_create_refuses_bad_input_and_keeps_what_was_typed(login_as, changes, message, status):
    client = login_as("admin")
    response = client.post("/admin/users/new", data=new_user_form(**changes))
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert message in page
    assert 'value="新坐席"' in page  # nothing typed is lost
    assert db.session.scalar(select(User.id).where(User.work_no == "S0099")) is None


def test_hr_cannot_create_a_user_outside_the_branch(login_as):
    response = login_as("hr01").post("/admin/users/new", data=new_user_form(org_id=org_id("HQ")))
    assert response.status_code == 422
    assert "所属组织：不是有效的选择。" in response.get_data(as_text=True)


def test_department_head_cannot_create_users(login_as):
    assert login_as("head01").post("/admin/users/new", data=new_user_form()).status_code == 403


# --- edit -----------------------------------------------------------------------------------------------


def test_hr_moves_a_user_to_another_department(login_as):
    seat01 = user_named("seat01")
    client = login_as("hr01")
    assert 'value="张坐席"' in client.get(f"/admin/users/{seat01.id}/edit").get_data(as_text=True)
    response = client.post(f"/admin/users/{seat01.id}/edit", data={
        "name": "张坐席", "org_id": org_id("SH-LC2"), "superior_id": user_named("head11").id, "weight": 3,
        "phone": "021-12345678", "email": "",
    })
    assert response.status_code == 302
    seat01 = user_named("seat01")
    assert (seat01.org.code, seat01.superior.username, seat01.weight) == ("SH-LC2", "head11", 3)
    update = audit_rows("update", seat01)[-1]
    assert update.before["org_id"] == org_id("SH-LC1-A") and update.after["org_id"] == org_id("SH-LC2")
    # The move changes who sees the user: head01 no longer, head11 now.
    assert login_as("head01").get(f"/admin/users/{seat01.id}").status_code == 404
    assert login_as("head11").get(f"/admin/users/{seat01.id}").status_code == 200


def test_edit_refuses_reporting_loops_and_keeps_the_form(login_as):
    head01 = user_named("head01")
    response = login_as("admin").post(f"/admin/users/{head01.id}/edit", data={
        "name": "李主管（改）", "org_id": head01.org_id, "superior_id": user_named("seat01").id, "weight": 1,
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "上级不能是本人或本人的下属" in page and 'value="李主管（改）"' in page
    assert user_named("head01").name == "李主管"


def test_left_users_cannot_be_edited(login_as):
    seat02 = user_named("seat02")
    services.mark_left(db.session, seat02)
    db.session.commit()
    response = login_as("admin").post(f"/admin/users/{seat02.id}/edit", data={
        "name": "陈坐席", "org_id": seat02.org_id, "superior_id": 0, "weight": 1,
    })
    assert response.status_code == 409
    assert "已离职，不能再修改" in response.get_data(as_text=True)


def test_viewers_cannot_edit(login_as):
    seat01 = user_named("seat01")
    client = login_as("head01")
    assert client.get(f"/admin/users/{seat01.id}/edit").status_code == 403
    assert "升降级" not in client.get(f"/admin/users/{seat01.id}").get_data(as_text=True).split("升降级记录")[0]


# --- 升降级 ---------------------------------------------------------------------------------------------


def test_promotion_records_history_and_audit(login_as):
    seat02 = user_named("seat02")
    client = login_as("hr01")
    response = client.post(f"/admin/users/{seat02.id}/level", data={"level": "中级", "tier": "P2",
                                                                     "remark": "季度考核优秀"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "层级/级别已调整为 中级 / P2" in page and "季度考核优秀" in page
    seat02 = user_named("seat02")
    assert (seat02.level, seat02.tier) == ("中级", "P2")
    history = db.session.scalars(select(UserLevelChange).where(UserLevelChange.user_id == seat02.id)).all()
    assert [(h.from_level, h.from_tier, h.to_level, h.to_tier, h.remark, h.changed_by.username) for h in history] == [
        ("初级", "P1", "中级", "P2", "季度考核优秀", "hr01")]
    row = audit_rows("user.level", seat02)[-1]
    assert row.before == {"level": "初级", "tier": "P1"} and row.after == {"level": "中级", "tier": "P2"}
    assert "季度考核优秀" in row.summary


@pytest.mark.parametrize(("data", "message"), [
    ({"level": "中级", "tier": "P2", "remark": ""}, "请填写升降级备注"),
    ({"level": "中级", "tier": "P2", "remark": "   "}, "请填写升降级备注"),
    ({"level": "初级", "tier": "P1", "remark": "没变"}, "层级与级别没有变化"),
    ({"level": "特级", "tier": "P2", "remark": "越级"}, "层级：不是有效的选择。"),
    ({"level": "中级", "tier": "", "remark": "漏选"}, "请选择级别"),
])
def test_level_change_refusals_reopen_the_dialog_with_the_input(login_as, data, message):
    seat02 = user_named("seat02")
    response = login_as("admin").post(f"/admin/users/{seat02.id}/level", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'data-open-modal="level-modal"' in page  # app.js reopens it (no inline script under the CSP)
    if data["remark"].strip():
        assert data["remark"] in page
    assert (user_named("seat02").level, user_named("seat02").tier) == ("初级", "P1")
    assert not audit_rows("user.level", seat02)


def test_disabled_dictionary_items_cannot_be_chosen(login_as):
    from app.admin import dictionaries

    level = db.session.scalar(select(dictionaries.BaseDataItem).where(
        dictionaries.BaseDataItem.dict_code == "user_level", dictionaries.BaseDataItem.code == "中级"))
    dictionaries.set_item_active(db.session, level, False)
    db.session.commit()
    response = login_as("admin").post(f"/admin/users/{user_named('seat02').id}/level",
                                      data={"level": "中级", "tier": "P2", "remark": "x"})
    assert response.status_code == 422
    assert user_named("seat02").level == "初级"


def test_nobody_promotes_themselves(login_as):
    response = login_as("admin").post(f"/admin/users/{user_named('admin').id}/level",
                                      data={"level": "管理", "tier": "M2", "remark": "自己给自己升级"})
    assert response.status_code == 422
    assert "不能给自己升降级" in response.get_data(as_text=True)


# --- 离职, unlock, password reset ------------------------------------------------------------------------


def test_marking_left_ends_sessions_tokens_and_fires_the_hand_over_hook(app, login_as, api_as):
    from app import signals

    seat02_browser = login_as("seat02")
    seat02_api = api_as("seat02")
    received = []

    def receiver(sender, user):
        received.append(user.username)

    signals.user_left.connect(receiver)
    try:
        seat02 = user_named("seat02")
        response = login_as("hr01").post(f"/admin/users/{seat02.id}/leave")
    finally:
        signals.user_left.disconnect(receiver)
    assert response.status_code == 302
    assert received == ["seat02"]
    assert user_named("seat02").status == UserStatus.LEFT and user_named("seat02").left_at is not None
    assert seat02_browser.get("/").status_code == 302  # back to the log-in page
    assert seat02_api.get("/api/v1/me").status_code == 401
    assert audit_rows("user.left", seat02)


def test_leaving_twice_is_a_conflict(login_as):
    seat02 = user_named("seat02")
    client = login_as("hr01")
    client.post(f"/admin/users/{seat02.id}/leave")
    response = client.post(f"/admin/users/{seat02.id}/leave")
    assert response.status_code == 409
    assert "该员工已是离职状态" in response.get_data(as_text=True)


def test_the_last_admin_cannot_leave_or_mark_themselves_left(login_as):
    from app.errors import Conflict

    admin = user_named("admin")
    response = login_as("admin").post(f"/admin/users/{admin.id}/leave", headers={"Referer": "/admin/users/"})
    assert response.status_code == 302
    assert user_named("admin").status == UserStatus.ACTIVE
    with pytest.raises(Conflict, match="至少需要保留一名在职的系统管理员"):
        services.mark_left(db.session, admin)
    db.session.rollback()


def test_admin_unlocks_a_locked_account(app, login_as):
    for _ in range(5):
        app.test_client().post("/login", data={"username": "seat02", "password": "not-the-password"})
    seat02 = user_named("seat02")
    client = login_as("admin")
    assert "已锁定" in client.get(f"/admin/users/{seat02.id}").get_data(as_text=True)
    assert client.post(f"/admin/users/{seat02.id}/unlock").status_code == 302
    assert login(app.test_client(), "seat02")  # the paused source logs in again
    assert audit_rows("auth.unlock", seat02)
    response = client.post(f"/admin/users/{seat02.id}/unlock")
    assert response.status_code == 409 and "该账户未被锁定" in response.get_data(as_text=True)


def test_admin_password_reset_ends_sessions_and_enforces_the_policy(app, login_as):
    seat01_browser = login_as("seat01")
    seat01 = user_named("seat01")
    client = login_as("admin")
    weak = client.post(f"/admin/users/{seat01.id}/password",
                       data={"new_password": "short", "confirm_password": "short"})
    assert weak.status_code == 422 and "密码至少需要 12 个字符" in weak.get_data(as_text=True)
    named = client.post(f"/admin/users/{seat01.id}/password",
                        data={"new_password": "Seat01#Password", "confirm_password": "Seat01#Password"})
    assert named.status_code == 422 and "密码不能包含用户名" in named.get_data(as_text=True)
    assert seat01_browser.get("/").status_code == 200  # refusals change nothing
    ok = client.post(f"/admin/users/{seat01.id}/password",
                     data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert ok.status_code == 302
    assert seat01_browser.get("/").status_code == 302
    assert app.test_client().post("/login", data={"username": "seat01", "password": DEMO_PASSWORD}).status_code == 401
    assert login(app.test_client(), "seat01", NEW_PASSWORD)
    assert audit_rows("user.reset_password", seat01)


# --- export and audit -----------------------------------------------------------------------------------


def test_export_follows_scope_and_filters_and_escapes_formulas(login_as):
    seat01 = user_named("seat01")
    seat01.name = "=HYPERLINK(\"http://evil\")"
    db.session.commit()
    response = login_as("head01").get("/admin/users/export?q=坐")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("工号", "用户名", "姓名", "组织")
    assert {row[1] for row in rows[1:]} == {"seat02"}  # seat11 is outside 理财一部; seat01's name lost 坐
    everything = load_workbook(io.BytesIO(login_as("head01").get("/admin/users/export").data)).active
    names = {row[2] for row in everything.iter_rows(min_row=2, values_only=True)}
    assert "'=HYPERLINK(\"http://evil\")" in names and "刘坐席" not in names


def test_every_user_change_is_audited(login_as):
    from app.audit.models import AuditLog

    admin = login_as("admin")
    seat_role = role_id("seat")
    assert admin.post("/admin/users/new", data=new_user_form()).status_code == 302
    user = user_named("newbie")
    for url, data in ((f"/admin/users/{user.id}/edit", {"name": "新坐席二", "org_id": user.org_id, "superior_id": 0,
                                                         "weight": 5}),
                      (f"/admin/users/{user.id}/level", {"level": "中级", "tier": "P2", "remark": "转正"}),
                      (f"/admin/users/{user.id}/roles", {"roles": [seat_role]}),
                      (f"/admin/users/{user.id}/leave", {})):
        assert admin.post(url, data=data).status_code == 302, url
    db.session.rollback()
    rows = db.session.scalars(select(AuditLog).where(
        AuditLog.object_type == "users", AuditLog.object_id == str(user.id)).order_by(AuditLog.id)).all()
    actions = [row.action for row in rows]
    for action in ("create", "update", "user.level", "user.roles", "user.left"):
        assert action in actions, actions
    assert all(row.actor_name == "系统管理员" and row.ip == "127.0.0.1" for row in rows)
    roles = next(row for row in rows if row.action == "user.roles")
    assert (roles.before, roles.after) == ({"roles": []}, {"roles": ["seat"]})
