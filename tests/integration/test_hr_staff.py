"""员工信息 (staff profiles): HR edits a profile and certificates on the screen and the API; bad input gets a
Chinese error and writes nothing; everything stays inside HR's data scope; 离职 from the profile goes through
the one leave path and starts the hand-over; expiring certificates show on the home pages and the job sends
the holder one notice per certificate."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app import clock
from app.admin import params
from app.auth.models import UserStatus
from app.customers.models import Customer, Pool
from app.extensions import db
from app.hr import staff
from app.hr.staff_models import StaffCertificate, StaffProfile
from app.notices.models import Notice, NoticeReceipt
from app.pools.handover_models import Handover
from rules.identity import check_char
from scheduler.registry import JOBS
from tests.conftest import audit_rows
from tests.customer_helpers import fresh, make_customer, user

SEAT01_ID = "32050219960817402" + check_char("32050219960817402")


def _profile(username: str) -> StaffProfile:
    fresh()
    found = db.session.scalar(select(StaffProfile).where(StaffProfile.user_id == user(username).id))
    assert found is not None
    return found


def _certificates(username: str) -> list[StaffCertificate]:
    fresh()
    return list(db.session.scalars(select(StaffCertificate).where(StaffCertificate.user_id == user(username).id)
                                   .order_by(StaffCertificate.id)))


def _form(**changes: str) -> dict[str, str]:
    """seat01's profile form as the edit page shows it, with some fields changed."""
    data = {"hire_date": "2021-09-01", "contract_type": "labor", "contract_start": "2024-09-01",
            "contract_end": "2027-08-31", "education": "bachelor", "school": "华东师范大学", "major": "经济学",
            "id_number": SEAT01_ID, "emergency_name": "张敏", "emergency_relation": "母亲",
            "emergency_phone": "13916000003", "remark": ""}
    data.update(changes)
    return data


# --- list, detail, edit -------------------------------------------------------------------------------------


def test_hr_sees_the_branch_staff_with_id_numbers_masked_and_admin_outside_its_scope(login_as):
    hr = login_as("hr01")
    page = hr.get("/hr/staff/").get_data(as_text=True)
    assert 'data-section="hr"' in page and "员工信息" in page
    assert 'data-user="seat01"' in page and 'data-user="head11"' in page
    assert "****" + SEAT01_ID[-4:] in page and SEAT01_ID not in page
    assert 'data-user="admin"' not in page and 'data-user="designer01"' not in page  # 联宇财富 (HQ), not 上海分公司
    detail = hr.get(f"/hr/staff/{user('seat01').id}").get_data(as_text=True)
    assert SEAT01_ID in detail and "华东师范大学" in detail and "基金从业资格" in detail
    assert hr.get(f"/hr/staff/{user('admin').id}").status_code == 404
    assert hr.get(f"/hr/staff/{user('admin').id}/edit").status_code == 404


@pytest.mark.parametrize("username", ["seat01", "head01", "manager01", "finance01"])
def test_people_without_the_hr_permission_are_refused(login_as, username):
    client = login_as(username)
    assert client.get("/hr/staff/").status_code == 403
    assert client.get(f"/hr/staff/{user('seat02').id}").status_code == 403
    assert client.post(f"/hr/staff/{user('seat02').id}/edit", data=_form()).status_code == 403


def test_hr_edits_a_profile_and_an_old_id_number_is_stored_as_18_digits(login_as):
    hr = login_as("hr01")
    seat = user("seat01")
    form = hr.get(f"/hr/staff/{seat.id}/edit").get_data(as_text=True)
    assert "华东师范大学" in form and 'value="2021-09-01"' in form
    old15 = "320502960817402"  # the same person's 15-digit number: 19 inserted, check character added
    response = hr.post(f"/hr/staff/{seat.id}/edit", data=_form(id_number=old15, education="master",
                                                                 school="复旦大学", contract_type="service"))
    assert response.status_code == 302
    page = hr.get(response.headers["Location"]).get_data(as_text=True)
    assert "张坐席 的员工信息已保存" in page and "硕士研究生" in page and "劳务合同" in page and "复旦大学" in page
    profile = _profile("seat01")
    assert profile.id_number == "32050219960817402" + check_char("32050219960817402") == SEAT01_ID
    assert (profile.education, profile.school, profile.contract_type) == ("master", "复旦大学", "service")
    [change] = [row for row in audit_rows("update", profile) if "school" in (row.after or {})]
    assert change.actor_name == "钱人事" and change.after["school"] == "复旦大学"


def test_a_profile_is_created_for_an_employee_who_had_none(login_as):
    fresh()
    assert staff.profile_of(db.session, user("finance02")) is None  # the demo gives finance02 none
    hr = login_as("hr01")
    assert "员工档案" in hr.get(f"/hr/staff/{user('finance02').id}").get_data(as_text=True)
    response = hr.post(f"/hr/staff/{user('finance02').id}/edit",
                       data={"hire_date": "2020-01-06", "contract_type": "", "education": "bachelor"})
    assert response.status_code == 302
    assert _profile("finance02").hire_date.isoformat() == "2020-01-06"


BAD_PROFILES = [
    ({"contract_start": "2025-01-01", "contract_end": "2024-12-31"}, "合同结束日期不能早于合同开始日期"),
    ({"id_number": SEAT01_ID[:-1] + ("0" if SEAT01_ID[-1] != "0" else "1")}, "身份证号校验位不正确"),
    ({"id_number": "12345"}, "身份证号应为 18 位"),
    ({"emergency_phone": "12345"}, "紧急联系人电话"),
    ({"hire_date": "2026-13-40"}, "入职日期：不是有效的日期值"),
    ({"education": "phd"}, "学历：不是有效的选择"),
    ({"contract_end": "2027-08-31", "contract_start": ""}, "请填写合同开始日期"),
    ({"emergency_name": "", "emergency_phone": "13916000003"}, "请填写紧急联系人姓名"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_PROFILES)
def test_a_bad_profile_is_refused_in_chinese_and_nothing_is_written(login_as, changes, message):
    before = _profile("seat01")
    snapshot = {c.key: getattr(before, c.key) for c in StaffProfile.__table__.columns}
    hr = login_as("hr01")
    response = hr.post(f"/hr/staff/{user('seat01').id}/edit", data=_form(school="不该保存", **changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'value="不该保存"' in page  # what was typed stays on the form
    after = _profile("seat01")
    assert {c.key: getattr(after, c.key) for c in StaffProfile.__table__.columns} == snapshot


def test_the_api_refuses_an_unknown_dictionary_code_and_a_duplicate_id_number(api_as):
    api = api_as("hr01")
    seat02 = user("seat02").id
    before = _profile("seat02").contract_type
    response = api.put(f"/api/v1/hr/staff/{seat02}", json={"contract_type": "forever"})
    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == "“forever”不是基础数据“合同类型”中的有效选项"
    duplicate = api.put(f"/api/v1/hr/staff/{seat02}", json={"id_number": SEAT01_ID})
    assert duplicate.status_code == 409 and "张坐席（S0001）" in duplicate.get_json()["error"]["message"]
    assert _profile("seat02").contract_type == before and _profile("seat02").id_number != SEAT01_ID


# --- certificates -------------------------------------------------------------------------------------------


def test_hr_adds_renews_and_deletes_a_certificate(login_as):
    hr = login_as("hr01")
    seat = user("seat02")
    today = clock.today()
    response = hr.post(f"/hr/staff/{seat.id}/certificates", data={
        "cert_type": "securities", "number": "S3100026000001", "issued_on": (today - timedelta(days=700)).isoformat(),
        "expires_on": (today + timedelta(days=10)).isoformat()})
    assert response.status_code == 302
    page = hr.get(response.headers["Location"]).get_data(as_text=True)
    assert "已为 陈坐席 登记证券从业资格（S3100026000001）" in page and "10 天后到期" in page
    certificate = next(c for c in _certificates("seat02") if c.number == "S3100026000001")
    renewed = (today + timedelta(days=3 * 365)).isoformat()
    edit = hr.post(f"/hr/staff/{seat.id}/certificates/{certificate.id}/edit", data={
        "cert_type": "securities", "number": "S3100026000001", "issued_on": certificate.issued_on.isoformat(),
        "expires_on": renewed})
    assert edit.status_code == 302
    assert next(c for c in _certificates("seat02") if c.id == certificate.id).expires_on.isoformat() == renewed
    certificate_id = certificate.id
    assert hr.post(f"/hr/staff/{seat.id}/certificates/{certificate_id}/delete").status_code == 302
    assert certificate_id not in {c.id for c in _certificates("seat02")}


BAD_CERTIFICATES = [
    ({"issued_on": "2025-06-01", "expires_on": "2025-05-31"}, "到期日期不能早于发证日期"),
    ({"cert_type": "astrology"}, "证书类型：不是有效的选择"),
    ({"number": ""}, "请填写证书编号"),
    ({"issued_on": ""}, "请填写发证日期"),
    ({"number": "F3100021000123", "cert_type": "fund"}, "已登记在 张坐席（S0001）名下"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_CERTIFICATES)
def test_a_bad_certificate_is_refused_in_chinese_and_nothing_is_written(login_as, changes, message):
    before = [(c.id, c.number, c.expires_on) for c in _certificates("seat02")]
    data = {"cert_type": "futures", "number": "Q1", "issued_on": "2024-01-01", "expires_on": "2028-01-01", **changes}
    response = login_as("hr01").post(f"/hr/staff/{user('seat02').id}/certificates", data=data)
    assert response.status_code in (409, 422)
    page = response.get_data(as_text=True)
    assert message in page and 'id="certificate-modal"' in page
    assert [(c.id, c.number, c.expires_on) for c in _certificates("seat02")] == before


def test_a_certificate_issued_in_the_future_is_refused_by_the_api(api_as):
    api = api_as("hr01")
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    response = api.post(f"/api/v1/hr/staff/{user('seat02').id}/certificates",
                        json={"cert_type": "fund", "number": "F9", "issued_on": tomorrow})
    assert response.status_code == 422 and response.get_json()["error"]["message"] == "发证日期不能晚于今天"
    certificate = _certificates("seat01")[0]
    other = api.put(f"/api/v1/hr/staff/{user('seat02').id}/certificates/{certificate.id}",
                    json={"cert_type": "fund", "number": "F9", "issued_on": "2020-01-01"})
    assert other.status_code == 404  # seat01's certificate under seat02's path
    assert _certificates("seat01")[0].number == certificate.number


# --- data scope on the API ----------------------------------------------------------------------------------


def test_the_api_lists_masked_shows_full_and_keeps_to_the_scope(api_as):
    api = api_as("hr01")
    listing = api.get("/api/v1/hr/staff?per_page=200").get_json()
    by_work_no = {item["work_no"]: item for item in listing["items"]}
    assert by_work_no["S0001"]["id_number"] == "****" + SEAT01_ID[-4:]
    assert "A0001" not in by_work_no and "D0001" not in by_work_no
    detail = api.get(f"/api/v1/hr/staff/{user('seat01').id}").get_json()
    assert detail["id_number"] == SEAT01_ID and detail["education_label"] == "大学本科"
    assert [c["cert_type_label"] for c in detail["certificates"]][:1] == ["基金从业资格"]
    assert api.get(f"/api/v1/hr/staff/{user('admin').id}").status_code == 404
    assert api.put(f"/api/v1/hr/staff/{user('admin').id}", json={"remark": "x"}).status_code == 404
    assert api.post(f"/api/v1/hr/staff/{user('admin').id}/leave", json={"end_date": "2026-01-01"}).status_code == 404
    assert api_as("seat01").get("/api/v1/hr/staff").status_code == 403
    filtered = api.get("/api/v1/hr/staff?contract=1").get_json()["items"]
    until = (clock.today() + timedelta(days=30)).isoformat()
    assert "H0011" in [item["work_no"] for item in filtered]  # the demo contract ends in 20 days
    assert all(item["contract_end"] <= until for item in filtered) and len(filtered) < len(listing["items"])
    assert api.get("/api/v1/hr/staff?status=gone").status_code == 422


# --- 离职 -----------------------------------------------------------------------------------------------


def test_leaving_from_the_profile_disables_the_account_and_starts_the_hand_over(login_as):
    for i in range(3):
        make_customer(f"离职客户{i}", seat="seat02")
    seat = user("seat02")
    ids = list(db.session.scalars(select(Customer.id).where(Customer.service_seat_id == seat.id)))
    today = clock.today()
    hr = login_as("hr01")
    response = hr.post(f"/hr/staff/{seat.id}/leave", data={"end_date": (today - timedelta(days=1)).isoformat()})
    assert response.status_code == 302
    page = hr.get(response.headers["Location"]).get_data(as_text=True)
    assert f"陈坐席 已办理离职（离职日期 {today - timedelta(days=1):%Y-%m-%d}）" in page
    assert f"{len(ids)} 个客户转入离职待交接" in page
    fresh()
    assert user("seat02").status == UserStatus.LEFT
    assert _profile("seat02").end_date == today - timedelta(days=1)
    record = db.session.scalar(select(Handover).where(Handover.leaver_id == seat.id))
    assert record is not None and record.total == len(ids)
    assert set(db.session.scalars(select(Customer.pool).where(Customer.id.in_(ids)))) == {Pool.HANDOVER}
    assert [row.summary for row in audit_rows("user.left", seat)] == ["陈坐席（S0002）离职"]
    assert hr.post(f"/hr/staff/{seat.id}/edit", data=_form()).status_code == 409  # read-only once left


@pytest.mark.date_sensitive
def test_a_leaving_date_after_today_is_refused_and_nothing_happens(login_as):
    make_customer("留下的客户", seat="seat02")
    seat = user("seat02")
    tomorrow = clock.today() + timedelta(days=1)
    response = login_as("hr01").post(f"/hr/staff/{seat.id}/leave", data={"end_date": tomorrow.isoformat()})
    assert response.status_code == 422
    assert "离职日期不能晚于今天" in response.get_data(as_text=True)
    fresh()
    assert user("seat02").status == UserStatus.ACTIVE and _profile("seat02").end_date is None
    assert db.session.scalar(select(func.count()).select_from(Handover)) == 0


def test_hr_cannot_leave_itself_and_a_date_before_hiring_is_refused(api_as):
    api = api_as("hr01")
    own = api.post(f"/api/v1/hr/staff/{user('hr01').id}/leave", json={"end_date": clock.today().isoformat()})
    assert own.status_code == 422 and own.get_json()["error"]["message"] == "不能为自己办理离职"
    early = api.post(f"/api/v1/hr/staff/{user('seat01').id}/leave", json={"end_date": "2021-08-31"})
    assert early.status_code == 422 and "离职日期不能早于入职日期" in early.get_json()["error"]["message"]
    fresh()
    assert user("seat01").status == UserStatus.ACTIVE and user("hr01").status == UserStatus.ACTIVE


def test_leaving_from_user_maintenance_records_today_as_the_leaving_date(login_as):
    assert login_as("hr01").post(f"/admin/users/{user('seat11').id}/leave").status_code == 302
    assert _profile("seat11").end_date == clock.today()
    listing = login_as("hr01").get("/hr/staff/?status=left").get_data(as_text=True)
    assert 'data-user="seat11"' in listing and str(clock.today()) in listing


# --- reminders ------------------------------------------------------------------------------------------


@pytest.mark.date_sensitive
def test_home_pages_show_the_reminder_window_with_expired_certificates_in_red(login_as):
    seat_home = login_as("seat01").get("/").get_data(as_text=True)
    mine = seat_home[seat_home.index('id="panel-certificates-mine"'):]
    assert "基金从业资格" in mine and "30 天后到期" in mine and "长期有效" in mine
    hr_home = login_as("hr01").get("/").get_data(as_text=True)
    team = hr_home[hr_home.index('id="panel-certificates-team"'):]
    assert "张坐席" in team and "刘坐席" in team and 'data-state="expired"' in team
    assert "陈坐席" not in team  # seat02's certificate expires in three years
    fresh()
    params.set_value(db.session, staff.CERTIFICATE_DAYS, "20")
    db.session.commit()
    narrowed = login_as("hr01").get("/").get_data(as_text=True)
    team = narrowed[narrowed.index('id="panel-certificates-team"'):]
    assert "刘坐席" in team and "张坐席" not in team
    assert 'id="panel-certificates-team"' not in seat_home


def _notices(username: str) -> list[str]:
    fresh()
    return list(db.session.scalars(select(Notice.title).join(NoticeReceipt, NoticeReceipt.notice_id == Notice.id)
                                   .where(NoticeReceipt.user_id == user(username).id, Notice.title.contains("资格证书"))
                                   .order_by(Notice.id)))


@pytest.mark.date_sensitive
@pytest.mark.db_sensitive  # the job locks the due certificates (FOR UPDATE OF staff_certificate on PostgreSQL)
def test_the_job_sends_one_notice_per_certificate_and_again_after_renewal(api_as):
    job = JOBS["hr.certificate_reminders"]
    assert job.name == "资格证书到期提醒"
    fresh()
    summary = job.func(db.session, clock.now())
    db.session.commit()
    assert summary == "已向 2 名员工发送 2 条资格证书到期提醒"
    expires = clock.today() + timedelta(days=30)
    assert _notices("seat01") == [f"资格证书即将到期：基金从业资格（{expires:%Y-%m-%d}）"]
    assert _notices("seat11")[0].startswith("资格证书已过期：证券从业资格")
    assert _notices("seat02") == []
    fresh()
    assert job.func(db.session, clock.now()) == "没有新进入提醒期的资格证书"
    db.session.commit()
    assert len(_notices("seat01")) == 1
    fund = next(c for c in _certificates("seat01") if c.cert_type == "fund")
    renewed = clock.today() + timedelta(days=45)
    response = api_as("hr01").put(f"/api/v1/hr/staff/{user('seat01').id}/certificates/{fund.id}", json={
        "cert_type": "fund", "number": fund.number, "issued_on": fund.issued_on.isoformat(),
        "expires_on": renewed.isoformat()})
    assert response.status_code == 200 and response.get_json()["state"] == "expiring"
    fresh()
    assert job.func(db.session, clock.now()) == "已向 1 名员工发送 1 条资格证书到期提醒"
    db.session.commit()
    assert _notices("seat01")[-1] == f"资格证书即将到期：基金从业资格（{renewed:%Y-%m-%d}）"


def test_a_holder_who_left_gets_no_reminder(login_as):
    assert login_as("hr01").post(f"/hr/staff/{user('seat11').id}/leave",
                                 data={"end_date": clock.today().isoformat()}).status_code == 302
    fresh()
    assert JOBS["hr.certificate_reminders"].func(db.session, clock.now()) == "已向 1 名员工发送 1 条资格证书到期提醒"
    db.session.commit()
    assert _notices("seat11") == [] and len(_notices("seat01")) == 1


# --- export ---------------------------------------------------------------------------------------------


def test_the_export_masks_id_numbers_and_escapes_formulas(login_as, api_as):
    assert api_as("hr01").put(f"/api/v1/hr/staff/{user('seat01').id}", json={"remark": "=HYPERLINK(\"x\")"}
                              ).status_code == 200
    response = login_as("hr01").get("/hr/staff/export?q=张坐席")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    header, row = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    record = dict(zip(header, row, strict=True))
    assert record["工号"] == "S0001" and record["身份证号"] == "****" + SEAT01_ID[-4:]
    assert record["备注"] == "'=HYPERLINK(\"x\")" and "基金从业资格" in record["资格证书（到期日，状态）"]
    assert sheet.max_row == 2
