"""员工信息 API: list and read staff profiles in the data scope, edit a profile, maintain certificates, the
certificates in the reminder window, and 离职 through the one leave path. ID numbers are masked in lists."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from flask import jsonify, request
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app import clock
from app.admin import dictionaries
from app.api import spec
from app.api.routes import bp, page_args, page_body, query_int
from app.auth.models import User
from app.auth.permissions import can, require
from app.errors import Forbidden, ValidationFailed
from app.extensions import db
from app.hr import staff, staff_reminders
from app.hr.staff_access import STAFF_MANAGE, STAFF_VIEW
from app.hr.staff_models import CertificateState, StaffCertificate, StaffProfile
from app.inputs import json_object, json_text
from app.org import scope as data_scope
from app.org.access import USER_MANAGE
from rules.identity import mask_id_number

TAG = "人事管理"
_DATE = {"type": "string", "format": "date", "nullable": True}
CERTIFICATE = spec.schema("StaffCertificate", {
    "type": "object",
    "required": ["id", "user_id", "cert_type", "cert_type_label", "number", "issued_on", "expires_on", "state"],
    "properties": {
        "id": {"type": "integer"}, "user_id": {"type": "integer"},
        "cert_type": {"type": "string", "description": "基础数据“资格证书类型”编码，如 fund"},
        "cert_type_label": {"type": "string"}, "number": {"type": "string"},
        "issued_on": {"type": "string", "format": "date"}, "expires_on": {**_DATE, "description": "空为长期有效"},
        "state": {"type": "string", "enum": [s.value for s in CertificateState]}, "state_label": {"type": "string"},
        "holder_name": {"type": "string"}, "holder_work_no": {"type": "string"}, "holder_org": {"type": "string"},
    },
})
PROFILE = spec.schema("StaffProfile", {
    "type": "object",
    "required": ["user_id", "work_no", "name", "org_id", "status", "hire_date", "contract_type", "contract_start",
                 "contract_end", "education", "id_number", "end_date", "certificates"],
    "properties": {
        "user_id": {"type": "integer"}, "work_no": {"type": "string"}, "name": {"type": "string"},
        "org_id": {"type": "integer"}, "org_name": {"type": "string"},
        "status": {"type": "string", "enum": ["active", "left"]}, "hire_date": _DATE,
        "contract_type": {"type": "string"}, "contract_type_label": {"type": "string"},
        "contract_start": _DATE, "contract_end": _DATE, "education": {"type": "string"},
        "education_label": {"type": "string"}, "school": {"type": "string"}, "major": {"type": "string"},
        "id_number": {"type": "string", "description": "身份证号；列表中只显示后四位"},
        "emergency_name": {"type": "string"}, "emergency_relation": {"type": "string"},
        "emergency_phone": {"type": "string"}, "end_date": {**_DATE, "description": "离职日期"},
        "remark": {"type": "string"}, "certificates": {"type": "array", "items": {"$ref": CERTIFICATE}},
    },
})
_TEXT = {"type": "string", "maxLength": 2000}
PROFILE_INPUT = spec.schema("StaffProfileInput", {
    "type": "object", "description": "只改给出的字段；日期为 YYYY-MM-DD，null 或空串清空",
    "properties": {
        "hire_date": _DATE, "contract_type": {"type": "string", "description": "基础数据“合同类型”编码"},
        "contract_start": _DATE, "contract_end": _DATE,
        "education": {"type": "string", "description": "基础数据“学历”编码"},
        "school": _TEXT, "major": _TEXT, "id_number": {"type": "string", "maxLength": 30},
        "emergency_name": _TEXT, "emergency_relation": _TEXT, "emergency_phone": {"type": "string", "maxLength": 30},
        "remark": _TEXT,
    },
})
CERTIFICATE_INPUT = spec.schema("StaffCertificateInput", {
    "type": "object", "required": ["cert_type", "number", "issued_on"],
    "properties": {"cert_type": {"type": "string"}, "number": {"type": "string", "maxLength": 60},
                   "issued_on": {"type": "string", "format": "date"}, "expires_on": _DATE},
})
LEAVE_INPUT = spec.schema("StaffLeaveInput", {
    "type": "object", "required": ["end_date"],
    "properties": {"end_date": {"type": "string", "format": "date", "description": "离职日期，不能晚于今天"}},
})
USER_ID = spec.path_param("user_id", "员工（用户）ID")
CERTIFICATE_ID = spec.path_param("certificate_id", "资格证书 ID")
DATE_FIELDS = ("hire_date", "contract_start", "contract_end")


def _labels() -> dict[str, dict[str, str]]:
    return {code: dict(dictionaries.choices(db.session, code))
            for code in (staff.CONTRACT_TYPE, staff.EDUCATION, staff.CERTIFICATE_TYPE)}


def certificate_json(c: StaffCertificate, labels: dict[str, dict[str, str]], holder: bool = False) -> dict[str, Any]:
    state = c.state(clock.today(), staff_reminders.window_days(db.session))
    body = {"id": c.id, "user_id": c.user_id, "cert_type": c.cert_type,
            "cert_type_label": labels[staff.CERTIFICATE_TYPE].get(c.cert_type, c.cert_type), "number": c.number,
            "issued_on": c.issued_on.isoformat(), "expires_on": c.expires_on.isoformat() if c.expires_on else None,
            "state": state.value, "state_label": state.label}
    if holder:
        body.update(holder_name=c.user.name, holder_work_no=c.user.work_no, holder_org=c.user.org.name)
    return body


def profile_json(user: User, profile: StaffProfile | None, certificates: list[StaffCertificate],
                 labels: dict[str, dict[str, str]], masked: bool) -> dict[str, Any]:
    p = staff.ProfileInput.of(profile)

    def iso(value: date | None) -> str | None:
        return value.isoformat() if value else None

    return {"user_id": user.id, "work_no": user.work_no, "name": user.name, "org_id": user.org_id,
            "org_name": user.org.name, "status": user.status.value, "hire_date": iso(p.hire_date),
            "contract_type": p.contract_type,
            "contract_type_label": labels[staff.CONTRACT_TYPE].get(p.contract_type, p.contract_type),
            "contract_start": iso(p.contract_start), "contract_end": iso(p.contract_end), "education": p.education,
            "education_label": labels[staff.EDUCATION].get(p.education, p.education), "school": p.school,
            "major": p.major, "id_number": mask_id_number(p.id_number) if masked else p.id_number,
            "emergency_name": p.emergency_name, "emergency_relation": p.emergency_relation,
            "emergency_phone": p.emergency_phone, "end_date": iso(staff.leaving_date(user, profile)),
            "remark": p.remark,
            "certificates": [certificate_json(c, labels) for c in certificates]}


def _scope(permission: str) -> data_scope.Scope:
    return data_scope.scope_of(db.session, current_user, permission)


def _load(user_id: int, permission: str) -> User:
    owner = "id" if permission == STAFF_VIEW else None
    return data_scope.get_or_404(db.session, User, user_id, _scope(permission), owner_attr=owner)


def _detail(user: User) -> Any:
    certificates = staff.certificates_of(db.session, [user.id])[user.id]
    return jsonify(profile_json(user, staff.profile_of(db.session, user), certificates, _labels(), masked=False))



def _date(body: dict[str, Any], name: str) -> date | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) != 10:
        raise ValidationFailed(f"{name} 应为 YYYY-MM-DD 格式的日期", details={"field": name})
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(f"{name} 不是有效的日期：{value}", details={"field": name}) from exc



STATUSES = ["active", "left", "all"]
FLAGS = ["0", "1"]
spec.operation("get", "/hr/staff", summary="员工信息列表（数据范围内，身份证号隐藏）", tag=TAG,
               response=spec.page_of(PROFILE), errors=(403, 404, 422), parameters=[
                   spec.query_param("q", "姓名或工号"), spec.query_param("org_id", "组织（含下级）", "integer"),
                   spec.query_param("status", "active 在职（默认）| left 离职 | all", enum=STATUSES),
                   spec.query_param("contract", "1：合同即将到期（含已到期）", enum=FLAGS),
                   spec.query_param("certificate", "1：资格证书在提醒期内或已过期", enum=FLAGS), *spec.PAGE_PARAMS])


@bp.get("/hr/staff")
@require(STAFF_VIEW)
def list_staff() -> Any:
    page, per_page = page_args()
    for name, allowed in (("status", STATUSES), ("contract", FLAGS), ("certificate", FLAGS)):
        if name in request.args and request.args[name] not in allowed:
            raise ValidationFailed(f"{name} 只能是 " + "、".join(allowed))
    args = MultiDict(request.args)
    args["org"] = str(query_int("org_id") or "")
    stmt = staff.staff_query(db.session, _scope(STAFF_VIEW), staff.filters_from(args))
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    certificates, labels = staff.certificates_of(db.session, [u.id for u, _p in rows]), _labels()
    items = [profile_json(u, p, certificates[u.id], labels, masked=True) for u, p in rows]
    return jsonify(page_body(items, page, per_page, staff.count(db.session, stmt)))


spec.operation("get", "/hr/certificates/expiring",
               summary="资格证书到期提醒：数据范围内提醒期内或已过期的证书（在职员工）", tag=TAG,
               response=spec.page_of(CERTIFICATE), errors=(403,), parameters=spec.PAGE_PARAMS)


@bp.get("/hr/certificates/expiring")
@require(STAFF_VIEW)
def expiring_certificates() -> Any:
    page, per_page = page_args()
    stmt = staff_reminders.expiring(_scope(STAFF_VIEW), clock.today(), staff_reminders.window_days(db.session))
    labels = _labels()
    rows = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page))
    items = [certificate_json(c, labels, holder=True) for c in rows]
    return jsonify(page_body(items, page, per_page, staff.count(db.session, stmt)))


spec.operation("get", "/hr/staff/{user_id}", summary="员工信息详情（含资格证书）", tag=TAG, response=PROFILE,
               parameters=[USER_ID], errors=(403, 404))


@bp.get("/hr/staff/<int:user_id>")
@require(STAFF_VIEW)
def get_staff(user_id: int) -> Any:
    return _detail(_load(user_id, STAFF_VIEW))


spec.operation("put", "/hr/staff/{user_id}", summary="修改员工信息（只改给出的字段）", tag=TAG, request=PROFILE_INPUT,
               response=PROFILE, parameters=[USER_ID], errors=(403, 404, 409, 422))


@bp.put("/hr/staff/<int:user_id>")
@require(STAFF_MANAGE)
def update_staff(user_id: int) -> Any:
    user = _load(user_id, STAFF_MANAGE)
    body = json_object()
    current = staff.ProfileInput.of(staff.profile_of(db.session, user))
    changes: dict[str, Any] = {}
    for name in staff.ProfileInput.__dataclass_fields__:
        if name in body:
            changes[name] = _date(body, name) if name in DATE_FIELDS else json_text(body, name)
    staff.save_profile(db.session, user, replace(current, **changes))
    db.session.commit()
    return _detail(user)


def _certificate_input(body: dict[str, Any]) -> staff.CertificateInput:
    return staff.CertificateInput(cert_type=json_text(body, "cert_type"), number=json_text(body, "number"),
                                  issued_on=_date(body, "issued_on"), expires_on=_date(body, "expires_on"))


spec.operation("post", "/hr/staff/{user_id}/certificates", summary="登记资格证书", tag=TAG, request=CERTIFICATE_INPUT,
               response=CERTIFICATE, status=201, parameters=[USER_ID], errors=(403, 404, 409, 422))


@bp.post("/hr/staff/<int:user_id>/certificates")
@require(STAFF_MANAGE)
def add_certificate(user_id: int) -> Any:
    user = _load(user_id, STAFF_MANAGE)
    certificate = staff.add_certificate(db.session, user, _certificate_input(json_object()))
    db.session.commit()
    return jsonify(certificate_json(certificate, _labels())), 201


spec.operation("put", "/hr/staff/{user_id}/certificates/{certificate_id}", summary="修改或续期资格证书", tag=TAG,
               request=CERTIFICATE_INPUT, response=CERTIFICATE, parameters=[USER_ID, CERTIFICATE_ID],
               errors=(403, 404, 409, 422))


@bp.put("/hr/staff/<int:user_id>/certificates/<int:certificate_id>")
@require(STAFF_MANAGE)
def update_certificate(user_id: int, certificate_id: int) -> Any:
    user = _load(user_id, STAFF_MANAGE)
    certificate = staff.get_certificate(db.session, user, certificate_id)
    staff.update_certificate(db.session, user, certificate, _certificate_input(json_object()))
    db.session.commit()
    return jsonify(certificate_json(certificate, _labels()))


spec.operation("delete", "/hr/staff/{user_id}/certificates/{certificate_id}", summary="删除资格证书", tag=TAG,
               response=None, status=204, parameters=[USER_ID, CERTIFICATE_ID], errors=(403, 404, 409))


@bp.delete("/hr/staff/<int:user_id>/certificates/<int:certificate_id>")
@require(STAFF_MANAGE)
def delete_certificate(user_id: int, certificate_id: int) -> Any:
    user = _load(user_id, STAFF_MANAGE)
    staff.delete_certificate(db.session, user, staff.get_certificate(db.session, user, certificate_id))
    db.session.commit()
    return "", 204


spec.operation("post", "/hr/staff/{user_id}/leave",
               summary="办理离职：记录离职日期（不晚于今天），停用账号，客户转入离职待交接", tag=TAG,
               request=LEAVE_INPUT, response=PROFILE, parameters=[USER_ID], errors=(403, 404, 409, 422))


@bp.post("/hr/staff/<int:user_id>/leave")
@require(STAFF_MANAGE)
def leave(user_id: int) -> Any:
    user = _load(user_id, STAFF_MANAGE)
    if not can(USER_MANAGE):
        raise Forbidden("办理离职还需要“用户维护”权限")
    staff.record_leaving(db.session, current_user, user, _date(json_object(), "end_date"))
    db.session.commit()
    return _detail(user)
