"""Attendance API (用户考勤): list within the data scope, record a type for a day or a range, the types."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request
from flask_login import current_user

from app.api import spec
from app.api.routes import bp, page_args, page_body, query_int
from app.auth.permissions import require
from app.errors import ValidationFailed
from app.extensions import db
from app.hr import attendance, types
from app.hr.access import ATTENDANCE
from app.inputs import is_json_int, json_object, json_text
from app.org import scope as data_scope

TAG = "人事管理"
_DATE = {"type": "string", "format": "date"}
ATTENDANCE_TYPE = spec.schema("AttendanceType", {
    "type": "object", "required": ["code", "label", "active", "excused"],
    "properties": {"code": {"type": "string", "description": "基础数据“考勤类型”(attendance_type) 的编码"},
                   "label": {"type": "string"}, "active": {"type": "boolean"},
                   "excused": {"type": "boolean", "description": "不计入考勤：任务日历当天视为完成"}},
})
ATTENDANCE_DAY = spec.schema("AttendanceDay", {
    "type": "object",
    "required": ["id", "user_id", "user_name", "work_no", "day", "type", "type_label", "excused", "note", "source"],
    "properties": {"id": {"type": "integer"}, "user_id": {"type": "integer"}, "user_name": {"type": "string"},
                   "work_no": {"type": "string"}, "day": _DATE, "type": {"type": "string"},
                   "type_label": {"type": "string"}, "excused": {"type": "boolean"}, "note": {"type": "string"},
                   "source": {"type": "string", "description": "请假申请 / 人事维护"}},
})
ATTENDANCE_INPUT = spec.schema("AttendanceInput", {
    "type": "object", "required": ["user_id", "start", "type"],
    "properties": {"user_id": {"type": "integer", "description": "数据范围内的员工"},
                   "start": _DATE, "end": {**_DATE, "nullable": True, "description": "区间结束日；空为一天"},
                   "type": {"type": "string", "description": "考勤类型编码；normal（正常）清除所选日期的登记"},
                   "note": {"type": "string", "maxLength": attendance.NOTE_MAX}},
})
ATTENDANCE_RESULT = spec.schema("AttendanceResult", {
    "type": "object", "required": ["user_id", "start", "end", "type", "days"],
    "properties": {"user_id": {"type": "integer"}, "start": _DATE, "end": _DATE, "type": {"type": "string"},
                   "days": {"type": "integer", "description": "登记的天数"}},
})


def parse_date(value: Any, what: str) -> date | None:
    """Read an optional ISO date (YYYY-MM-DD) from a JSON body or query string."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) != 10:
        raise ValidationFailed(f"{what}应为 YYYY-MM-DD 格式的日期")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(f"{what}应为 YYYY-MM-DD 格式的日期") from exc




spec.operation("get", "/hr/attendance/types", summary="考勤类型及是否视为完成", tag=TAG,
               response={"type": "array", "items": {"$ref": ATTENDANCE_TYPE}}, errors=(403,))


@bp.get("/hr/attendance/types")
@require(ATTENDANCE)
def attendance_types() -> Any:
    return jsonify([{"code": t.code, "label": t.label, "active": t.active, "excused": t.excused}
                    for t in types.all_types(db.session, include_inactive=True)])


spec.operation("get", "/hr/attendance", summary="用户考勤登记（数据范围内；未登记的日子为正常）", tag=TAG,
               response=spec.page_of(ATTENDANCE_DAY), errors=(403, 422),
               parameters=[spec.query_param("org_id", "组织（含下级）", "integer"),
                           spec.query_param("user_id", "员工", "integer"),
                           spec.query_param("from", "日期从 YYYY-MM-DD"), spec.query_param("to", "日期到 YYYY-MM-DD"),
                           spec.query_param("type", "考勤类型编码"), *spec.PAGE_PARAMS])


@bp.get("/hr/attendance")
@require(ATTENDANCE)
def attendance_list() -> Any:
    page, per_page = page_args()
    f = attendance.AttendanceFilter(org_id=query_int("org_id"), user_id=query_int("user_id"),
                                    start=parse_date(request.args.get("from"), "from "),
                                    end=parse_date(request.args.get("to"), "to "),
                                    type_code=request.args.get("type", "")[:50])
    stmt = attendance.search(data_scope.scope_of(db.session, current_user, ATTENDANCE), f)
    total = attendance.count(db.session, stmt)
    by_code = {t.code: t for t in types.all_types(db.session, include_inactive=True)}
    items = []
    for day in db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)):
        kind = by_code.get(day.type_code)
        items.append({"id": day.id, "user_id": day.user_id, "user_name": day.user.name, "work_no": day.user.work_no,
                      "day": day.day.isoformat(), "type": day.type_code, "type_label": kind.label if kind else "",
                      "excused": bool(kind and kind.excused), "note": day.note,
                      "source": attendance.source_label(day.source)})
    return jsonify(page_body(items, page, per_page, total))


# 422: no user in scope, unknown type, end before start, beyond the future limit, a range over 366 days.
spec.operation("post", "/hr/attendance", summary="登记用户考勤（一天或一段日期）", tag=TAG,
               request=ATTENDANCE_INPUT, response=ATTENDANCE_RESULT, errors=(403, 422))


@bp.post("/hr/attendance")
@require(ATTENDANCE)
def attendance_record() -> Any:
    data = json_object()
    user_id = data.get("user_id")
    if not is_json_int(user_id):
        raise ValidationFailed("user_id 应为员工编号（整数）")
    start, end = parse_date(data.get("start"), "start "), parse_date(data.get("end"), "end ")
    type_code = json_text(data, "type")
    first, last = attendance.record(db.session, current_user, data_scope.scope_of(db.session, current_user,
                                                                                   ATTENDANCE),
                                    user_id, start, end, type_code, json_text(data, "note"))
    db.session.commit()
    return jsonify({"user_id": user_id, "start": first.isoformat(), "end": last.isoformat(), "type": type_code,
                    "days": (last - first).days + 1})
