"""用户考勤维护: HR records a type for a day or a range inside its data scope, never too far ahead; the list
filters and exports; 考勤类型设置 decides what counts as complete; approved leave still writes 请假."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app import clock
from app.admin import params
from app.extensions import db
from app.hr import attendance, days, types
from app.hr.attendance import MAX_FUTURE_DAYS
from app.hr.models import AttendanceDay, AttendanceTypeRule
from app.org import services as org_services
from app.org.models import Org, OrgKind
from tests.conftest import audit_rows, user_named


def day(offset: int) -> date:
    """A day counted from six weeks ago: in the past whatever the pinned clock, clear of the demo leave (3 days ago)."""
    return clock.today() - timedelta(days=40) + timedelta(days=offset)


def iso(offset: int) -> str:
    return day(offset).isoformat()


def _rows(username: str) -> list[tuple[date, str, str]]:
    user = user_named(username)
    return [(d.day, d.type_code, d.note) for d in db.session.scalars(
        select(AttendanceDay).where(AttendanceDay.user_id == user.id).order_by(AttendanceDay.day))]


def _record(client, username: str, start: date, end: date | None = None, type_code: str = "sick", note: str = ""):
    return client.post("/hr/attendance/", data={
        "user_id": str(user_named(username).id), "start": start.isoformat(),
        "end": end.isoformat() if end else "", "type_code": type_code, "note": note})


def _outsider() -> int:
    """A seat in another branch (北京分公司), outside hr01's 本分公司 scope."""
    company = db.session.scalar(select(Org).where(Org.code == "HQ"))
    branch = org_services.create_org(db.session, "北京分公司", "BJ", OrgKind.BRANCH, company.id)
    seat = org_services.create_user(db.session, username="seat91", work_no="S0091", name="北京坐席",
                                    org_id=branch.id, password="Licai@demo2026", role_codes=["seat"])
    db.session.commit()
    return seat.id


@pytest.mark.date_sensitive
def test_hr_records_sick_leave_for_a_seat_and_the_day_counts_as_complete(login_as):
    hr = login_as("hr01")
    today = clock.today()
    page = hr.get("/hr/attendance/").get_data(as_text=True)
    assert "用户考勤维护" in page and "陈坐席（S0002" in page and "病假" in page

    response = _record(hr, "seat02", today, note="医院证明已交")
    assert response.status_code == 302
    listed = hr.get(response.headers["Location"]).get_data(as_text=True)
    assert "已为 陈坐席 登记“病假” 1 天" in listed and "医院证明已交" in listed and "视为完成" in listed
    assert _rows("seat02") == [(today, "sick", "医院证明已交")]
    seat02 = user_named("seat02")
    assert days.excused(db.session, [seat02.id], today, today) == {(seat02.id, today): "病假"}
    assert audit_rows("create", db.session.scalar(select(AttendanceDay)))  # the recording is in the audit log


@pytest.mark.date_sensitive
def test_a_range_replaces_what_the_days_had_and_normal_clears_them(login_as):
    hr, today = login_as("hr01"), clock.today()
    assert _record(hr, "seat01", today - timedelta(days=2), today, "personal").status_code == 302
    assert _record(hr, "seat01", today - timedelta(days=1), None, "late").status_code == 302
    assert [r[1] for r in _rows("seat01")] == ["personal", "late", "personal"]
    cleared = _record(hr, "seat01", today - timedelta(days=2), today - timedelta(days=1), "normal")
    assert "已将 张坐席 的 2 天恢复为正常考勤" in hr.get(cleared.headers["Location"]).get_data(as_text=True)
    assert _rows("seat01") == [(today, "personal", "")]


@pytest.mark.date_sensitive
def test_attendance_beyond_the_future_limit_is_refused_and_nothing_is_written(login_as):
    hr, today = login_as("hr01"), clock.today()
    limit = today + timedelta(days=31)
    assert _record(hr, "seat02", limit).status_code == 302
    too_far = _record(hr, "seat02", limit - timedelta(days=1), limit + timedelta(days=1))
    assert too_far.status_code == 422
    assert f"病假的日期不能晚于 {limit.isoformat()}：考勤最多可提前 31 天登记" in too_far.get_data(as_text=True)
    assert _rows("seat02") == [(limit, "sick", "")]
    # The limit is a system parameter.
    db.session.get(params.SystemParameter, MAX_FUTURE_DAYS).value = "0"
    params.bump_generation(db.session)
    db.session.commit()
    params.clear_cache()
    assert _record(hr, "seat01", today + timedelta(days=1)).status_code == 422
    assert _rows("seat01") == []


@pytest.mark.parametrize(("form", "message"), [
    ({"start": iso(9), "end": iso(8)}, "结束日期不能早于开始日期"),
    ({"type_code": "vacation"}, "考勤类型"),
    ({"start": ""}, "请选择考勤日期"),
    ({"note": "很长" * 101}, "备注"),
    ({"user_id": "0"}, "请选择员工"),
])
def test_bad_input_is_refused_in_chinese_with_nothing_written(login_as, form, message):
    hr = login_as("hr01")
    data = {"user_id": str(user_named("seat02").id), "start": iso(9), "end": "", "type_code": "sick",
            "note": "", **form}
    response = hr.post("/hr/attendance/", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _rows("seat02") == []


def test_hr_sees_and_records_only_inside_its_scope(login_as):
    outsider = _outsider()
    seat02 = user_named("seat02")
    attendance.mark_range(db.session, outsider, day(0), day(0), "sick", source="test")
    attendance.mark_range(db.session, seat02.id, day(0), day(0), "late", source="test")
    db.session.commit()
    hr = login_as("hr01")
    listed = hr.get(f"/hr/attendance/?from={iso(0)}&to={iso(0)}").get_data(as_text=True)
    assert "陈坐席" in listed and "北京坐席" not in listed
    assert "北京坐席" not in hr.get("/hr/attendance/").get_data(as_text=True)  # not offered in the form either
    refused = hr.post("/hr/attendance/", data={"user_id": str(outsider), "start": iso(1), "end": "",
                                               "type_code": "sick", "note": ""})
    assert refused.status_code == 422 and "请选择" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AttendanceDay)
                             .where(AttendanceDay.user_id == outsider)) == 1
    export = load_workbook(io.BytesIO(hr.get(f"/hr/attendance/export?from={iso(0)}&to={iso(0)}").data)).active
    assert [row[2] for row in export.iter_rows(min_row=2, values_only=True)] == ["陈坐席"]
    assert "北京坐席" in login_as("admin").get(f"/hr/attendance/?from={iso(0)}&to={iso(0)}").get_data(as_text=True)
    for username in ("seat01", "head01"):
        assert login_as(username).get("/hr/attendance/").status_code == 403
        assert login_as(username).get("/hr/attendance/export").status_code == 403


def test_the_list_filters_and_the_export_escapes_formulas(login_as):
    hr = login_as("hr01")
    assert _record(hr, "seat02", day(2), None, "sick", "=HYPERLINK(\"http://x\")").status_code == 302
    assert _record(hr, "seat01", day(3), None, "late").status_code == 302
    assert _record(hr, "seat11", day(-28), None, "absent").status_code == 302
    group = db.session.scalar(select(Org).where(Org.code == "SH-LC1-A"))

    def names(query: str) -> list[str]:
        sheet = load_workbook(io.BytesIO(hr.get(f"/hr/attendance/export?{query}").data)).active
        return [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]

    assert names(f"from={iso(-31)}&to={iso(4)}") == ["张坐席", "陈坐席", "刘坐席"]
    assert names(f"from={iso(-31)}&to={iso(4)}&org={group.id}") == ["张坐席", "陈坐席"]
    assert names(f"from={iso(-31)}&to={iso(4)}&type=late") == ["张坐席"]
    assert names(f"from={iso(-31)}&to={iso(4)}&user={user_named('seat11').id}") == ["刘坐席"]
    sheet = load_workbook(io.BytesIO(hr.get(f"/hr/attendance/export?from={iso(2)}&to={iso(2)}").data)).active
    header, row = list(sheet.iter_rows(values_only=True))
    assert header[:6] == ("日期", "工号", "姓名", "组织", "考勤类型", "视为完成")
    assert row[1:6] == ("S0002", "陈坐席", "理财一部A组", "病假", "是") and row[6].startswith("'=")
    page = hr.get(f"/hr/attendance/?from={iso(0)}&to={iso(4)}&type=sick").get_data(as_text=True)
    assert "陈坐席" in page and "张坐席</td>" not in page


def test_admins_decide_which_types_count_as_complete(login_as):
    seat02 = user_named("seat02")
    hr = login_as("hr01")
    assert _record(hr, "seat02", day(2), None, "late").status_code == 302
    assert days.excused(db.session, [seat02.id], day(2), day(2)) == {}
    assert hr.get("/hr/attendance/types").status_code == 403
    admin = login_as("admin")
    page = admin.get("/hr/attendance/types").get_data(as_text=True)
    assert "不计入考勤，视为完成" in page and "迟到" in page
    response = admin.post("/hr/attendance/types/late", data={"excused": "1"})
    assert "“迟到”已设为不计入考勤，任务日历视为完成" in admin.get(response.headers["Location"]).get_data(as_text=True)
    db.session.commit()
    assert days.excused(db.session, [seat02.id], day(2), day(2)) == {(seat02.id, day(2)): "迟到"}
    refused = admin.post("/hr/attendance/types/normal", data={"excused": "1"},
                         headers={"Referer": "/hr/attendance/types"})
    assert refused.status_code == 302
    assert "不能设为视为完成" in admin.get("/hr/attendance/types").get_data(as_text=True)
    assert db.session.get(AttendanceTypeRule, "normal").excused is False
    assert admin.post("/hr/attendance/types/nosuch", data={"excused": "1"}).status_code == 404


def test_the_default_types_and_rules_follow_the_seed(app):
    """不计入考勤 → 视为完成: 公休, 请假, 病假, 事假 yes; 正常, 旷工, 迟到 no."""
    assert [(t.label, t.excused) for t in types.all_types(db.session)] == [
        ("正常", False), ("请假", True), ("公休", True), ("病假", True), ("事假", True), ("旷工", False),
        ("迟到", False)]


@pytest.mark.parametrize("username", ["seat01", "head01", "manager01", "finance01"])
def test_the_hr_menu_is_for_hr(login_as, username):
    assert "用户考勤维护" not in login_as(username).get("/").get_data(as_text=True)


def test_hr_sees_its_menu(login_as):
    home = login_as("hr01").get("/").get_data(as_text=True)
    assert "人事管理" in home and "用户考勤维护" in home and "公休假期维护" in home and "考勤类型设置" not in home


# --- API -------------------------------------------------------------------------------------------------


def test_the_attendance_api_records_lists_and_keeps_the_scope(api_as):
    outsider = _outsider()
    api = api_as("hr01")
    seat02 = user_named("seat02").id
    recorded = api.post("/api/v1/hr/attendance", json={"user_id": seat02, "start": iso(7),
                                                       "end": iso(8), "type": "sick", "note": "住院"})
    assert recorded.status_code == 200 and recorded.get_json()["days"] == 2
    listed = api.get(f"/api/v1/hr/attendance?user_id={seat02}&from={iso(0)}&to={iso(29)}").get_json()
    assert [(d["day"], d["type_label"], d["excused"]) for d in listed["items"]] == [
        (iso(8), "病假", True), (iso(7), "病假", True)]
    assert listed["total"] == 2
    out = api.post("/api/v1/hr/attendance", json={"user_id": outsider, "start": iso(7), "type": "sick"})
    assert out.status_code == 422
    future = api.post("/api/v1/hr/attendance", json={"user_id": seat02, "start": iso(400), "type": "sick"})
    assert future.status_code == 422 and "最多可提前 31 天登记" in future.get_json()["error"]["message"]
    for bad in ({"user_id": "x", "start": iso(7), "type": "sick"},
                {"user_id": seat02, "start": "8 June", "type": "sick"},
                {"user_id": seat02, "start": iso(7), "type": "holiday_trip"}):
        assert api.post("/api/v1/hr/attendance", json=bad).status_code == 422
    assert _rows("seat02") == [(day(7), "sick", "住院"), (day(8), "sick", "住院")]
    types_ = api.get("/api/v1/hr/attendance/types").get_json()
    assert {t["label"]: t["excused"] for t in types_}["旷工"] is False
    assert api_as("seat01").get("/api/v1/hr/attendance").status_code == 403
