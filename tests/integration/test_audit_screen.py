"""日志查询 in Chinese: a login is one row by the user who logged in; actions and object types as labels,
filtered by their Chinese label; login rows written before the fix still name who logged in."""

from __future__ import annotations

import io
import re
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from app import clock
from app.audit.fields import column_label
from app.audit.models import Audited, AuditLog
from app.audit.names import ACTION_LABELS
from app.extensions import Base, db
from tests.conftest import user_named

REPO = Path(__file__).resolve().parents[2]


def _last_id() -> int:
    db.session.commit()
    return db.session.scalar(select(func.coalesce(func.max(AuditLog.id), 0)))


def test_a_login_is_one_row_by_the_user_who_logged_in(login_as):
    before = _last_id()
    login_as("seat01")
    rows = db.session.scalars(select(AuditLog).where(AuditLog.id > before)).all()
    seat = user_named("seat01")
    assert [(r.action, r.actor_id, r.actor_name, r.object_type, r.object_id) for r in rows] == [
        ("auth.login", seat.id, "张坐席", "users", str(seat.id))]
    assert seat.last_login_at is not None and seat.failed_logins == 0


def test_the_log_shows_labels_and_filters_by_a_chinese_action(login_as):
    admin = login_as("admin")
    login_as("seat01")
    page = admin.get("/admin/audit/?action=登录").get_data(as_text=True)
    assert "<td>张坐席</td><td>登录</td>" in page and "<td>系统管理员</td><td>登录</td>" in page
    assert "auth.login" not in page and "匿名" not in page
    everything = admin.get("/admin/audit/").get_data(as_text=True)
    assert "<td>新增</td>" in everything and '<option value="users">用户</option>' in everything


def test_a_login_row_written_as_anonymous_names_the_user_who_logged_in(login_as):
    seat = user_named("seat02")
    # As logins were recorded before: by 匿名, about the user; the row itself stays as written (append-only).
    db.session.add(AuditLog(at=clock.now(), actor_id=None, actor_name="匿名", action="auth.login", object_type="users",
                            object_id=str(seat.id), summary="seat02 登录", ip="10.0.0.9"))
    db.session.commit()
    page = login_as("admin").get("/admin/audit/?q=10.0.0.9").get_data(as_text=True)
    assert f"<td>{seat.name}</td><td>登录</td>" in page and "匿名" not in page


def test_every_action_the_code_records_has_a_chinese_label():
    """A new ``audit.record(session, "x.y", …)`` without an entry in ACTION_LABELS would show its code."""
    recorded = set()
    for path in [*(REPO / "app").rglob("*.py"), *(REPO / "scheduler").rglob("*.py")]:
        recorded |= set(re.findall(r'audit\.record\(\s*\w+,\s*"([a-z_.]+)"', path.read_text(encoding="utf-8")))
    assert len(recorded) > 30
    assert sorted(recorded - set(ACTION_LABELS)) == []


def test_the_object_filter_offers_every_labelled_type_without_reading_the_log(login_as):
    admin = login_as("admin")
    page = admin.get("/admin/audit/").get_data(as_text=True)
    assert '<option value="customer">客户</option>' in page and '<option value="trade' in page
    kept = admin.get("/admin/audit/?object_type=legacy_thing").get_data(as_text=True)
    assert '<option value="legacy_thing" selected>' in kept


def test_every_audited_column_has_a_chinese_name():
    """变更明细 names columns as people call them: a new audited column without a name would show its code."""
    unnamed = [f"{mapper.class_.__tablename__}.{column.key}" for mapper in Base.registry.mappers
               if issubclass(mapper.class_, Audited) for column in mapper.columns
               if column.key not in mapper.class_.__audit_exclude__
               and column_label(mapper.class_.__tablename__, column.key) == column.key]
    assert unnamed == []


def test_the_change_details_and_the_export_name_columns_in_chinese(login_as):
    seat = user_named("seat01")
    db.session.add(AuditLog(at=clock.now(), actor_id=seat.id, actor_name=seat.name, action="update",
                            object_type="customer", object_id="987654", summary="修改客户 测试审计",
                            before={"grade": "B", "remark": ""}, after={"grade": "A", "remark": "重点客户"}))
    db.session.commit()
    admin = login_as("admin")
    page = admin.get("/admin/audit/?object_id=987654").get_data(as_text=True)
    assert "<td>客户等级</td><td>B</td><td>A</td>" in page and "<td>备注</td><td></td><td>重点客户</td>" in page
    assert "<td>grade</td>" not in page
    export = admin.get("/admin/audit/export?object_id=987654")
    (row,) = load_workbook(io.BytesIO(export.data)).active.iter_rows(min_row=2, values_only=True)
    assert row[-2:] == ("客户等级：B；备注：", "客户等级：A；备注：重点客户")
