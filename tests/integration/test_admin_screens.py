"""系统参数维护 (typed values, 刷新系统缓存) and 日志查询 (filters, export) as an administrator uses them."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from app.admin import params
from app.audit import services as audit
from app.extensions import db
from tests.conftest import audit_rows, user_named


def test_a_parameter_change_takes_effect(app, login_as):
    client = login_as("admin")
    assert "登录失败锁定次数" in client.get("/admin/params").get_data(as_text=True)
    assert client.post("/admin/params/auth.lockout_threshold", data={"value": "3"}).status_code == 302
    params.clear_cache()
    for _ in range(3):
        app.test_client().post("/login", data={"username": "seat02", "password": "not-the-password"})
    # The third wrong password locks that source out of the account (app.auth.throttle).
    assert "尝试次数过多" in app.test_client().post(
        "/login", data={"username": "seat02", "password": "not-the-password"}).get_data(as_text=True)
    change = audit_rows("update")[-1]
    assert change.object_id == "auth.lockout_threshold" and change.after == {"value": "3"}


@pytest.mark.parametrize(("value", "message"), [("三次", "参数值“三次”不是有效的整数"),
                                                ("0", "参数“登录失败锁定次数”不能小于 1")])
def test_bad_parameter_values_are_refused(login_as, value, message):
    client = login_as("admin")
    response = client.post("/admin/params/auth.lockout_threshold", data={"value": value},
                           headers={"Referer": "/admin/params"})
    assert response.status_code == 302
    assert message in client.get("/admin/params").get_data(as_text=True)
    db.session.rollback()
    assert params.get_int("auth.lockout_threshold", db.session) == 5


def test_refresh_cache_is_audited(login_as):
    client = login_as("admin")
    assert client.post("/admin/params/refresh-cache").status_code == 302
    assert "系统缓存已刷新" in client.get("/admin/params").get_data(as_text=True)
    assert audit_rows("system.refresh_cache")[-1].actor_name == "系统管理员"


def test_log_query_filters_and_exports(login_as):
    seat02 = user_named("seat02")
    from app.org import services

    services.change_level(db.session, seat02, "中级", "P2", "季度考核", user_named("admin"))
    audit.record(db.session, "test.other", summary="无关")
    audit.record(db.session, "test.formula", summary='=HYPERLINK("http://evil","点我")')
    db.session.commit()
    client = login_as("admin")
    page = client.get("/admin/audit/?action=user.level").get_data(as_text=True)
    assert "陈坐席 升降级" in page and "无关" not in page
    assert "陈坐席" in client.get(f"/admin/audit/?object_type=users&object_id={seat02.id}").get_data(as_text=True)
    assert "没有符合条件的日志" in client.get("/admin/audit/?start=2000-01-01&end=2000-01-02").get_data(as_text=True)
    export = client.get("/admin/audit/export?action=user.level")
    rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间", "操作人", "动作") and len(rows) == 2 and "季度考核" in rows[1][5]
    formula = client.get("/admin/audit/export?action=test.formula")
    (row,) = load_workbook(io.BytesIO(formula.data)).active.iter_rows(min_row=2, values_only=True)
    assert row[5] == '\'=HYPERLINK("http://evil","点我")'  # text, never a formula


@pytest.mark.parametrize("url", ["/admin/params", "/admin/audit/", "/admin/audit/export"])
@pytest.mark.parametrize("who", ["hr01", "head01", "seat01"])
def test_only_admins_see_parameters_and_logs(login_as, who, url):
    assert login_as(who).get(url).status_code == 403


@pytest.mark.parametrize("who", ["hr01", "head01", "seat01"])
def test_only_admins_change_parameters(login_as, who):
    client = login_as(who)
    assert client.post("/admin/params/auth.lockout_threshold", data={"value": "1"}).status_code == 403
