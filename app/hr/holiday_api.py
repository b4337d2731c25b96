"""Public-holiday API (公休假期): list a year's holidays, add, read, change and delete one."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user

from app import clock
from app.api import spec
from app.api.routes import bp, query_int
from app.auth.permissions import require
from app.errors import ValidationFailed
from app.extensions import db
from app.hr import holidays
from app.hr.access import HOLIDAYS
from app.hr.attendance_api import TAG, parse_date
from app.hr.models import PublicHoliday
from app.inputs import json_object, json_text

_DATE = {"type": "string", "format": "date"}
HOLIDAY = spec.schema("PublicHoliday", {
    "type": "object", "required": ["id", "name", "start_date", "end_date", "days", "note"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "start_date": _DATE, "end_date": _DATE,
                   "days": {"type": "integer"}, "note": {"type": "string"}},
})
HOLIDAY_INPUT = spec.schema("PublicHolidayInput", {
    "type": "object", "required": ["name", "start_date"],
    "properties": {"name": {"type": "string", "maxLength": holidays.NAME_MAX}, "start_date": _DATE,
                   "end_date": {**_DATE, "nullable": True, "description": f"空为一天；一段最长 {holidays.MAX_DAYS} 天"},
                   "note": {"type": "string", "maxLength": holidays.NOTE_MAX}},
})
HOLIDAY_ID = spec.path_param("holiday_id", "公休假期编号")


def holiday_json(holiday: PublicHoliday) -> dict[str, Any]:
    return {"id": holiday.id, "name": holiday.name, "start_date": holiday.start_date.isoformat(),
            "end_date": holiday.end_date.isoformat(), "days": holidays.days(holiday), "note": holiday.note}


def _fields(data: dict[str, Any]) -> tuple[str, Any, Any, str]:
    return (json_text(data, "name"), parse_date(data.get("start_date"), "start_date "),
            parse_date(data.get("end_date"), "end_date "), json_text(data, "note"))


spec.operation("get", "/hr/holidays", summary="某年的公休假期", tag=TAG,
               response={"type": "object", "required": ["year", "items"],
                         "properties": {"year": {"type": "integer"},
                                        "items": {"type": "array", "items": {"$ref": HOLIDAY}}}},
               parameters=[spec.query_param("year", "年份，默认今年", "integer")], errors=(403, 422))


@bp.get("/hr/holidays")
@require(HOLIDAYS)
def holiday_list() -> Any:
    year = query_int("year") if request.args.get("year") else clock.today().year
    if year is None or not 1900 <= year <= 9999:
        raise ValidationFailed("year 应为 1900 到 9999 之间的年份")
    return jsonify({"year": year, "items": [holiday_json(h) for h in db.session.scalars(holidays.in_year(year))]})


# 409: overlaps another holiday (the message names it); 422: no name, end before start, over the maximum length.
spec.operation("post", "/hr/holidays", summary="新增公休假期（一天或一段日期）", tag=TAG, request=HOLIDAY_INPUT,
               response=HOLIDAY, status=201, errors=(403, 409, 422))


@bp.post("/hr/holidays")
@require(HOLIDAYS)
def holiday_create() -> Any:
    holiday = holidays.create(db.session, current_user, *_fields(json_object()))
    db.session.commit()
    return jsonify(holiday_json(holiday)), 201


spec.operation("get", "/hr/holidays/{holiday_id}", summary="公休假期详情", tag=TAG, response=HOLIDAY,
               parameters=[HOLIDAY_ID], errors=(403, 404))


@bp.get("/hr/holidays/<int:holiday_id>")
@require(HOLIDAYS)
def holiday_get(holiday_id: int) -> Any:
    return jsonify(holiday_json(holidays.get(db.session, holiday_id)))


spec.operation("put", "/hr/holidays/{holiday_id}", summary="修改公休假期", tag=TAG, request=HOLIDAY_INPUT,
               response=HOLIDAY, parameters=[HOLIDAY_ID], errors=(403, 404, 409, 422))


@bp.put("/hr/holidays/<int:holiday_id>")
@require(HOLIDAYS)
def holiday_update(holiday_id: int) -> Any:
    holiday = holidays.get(db.session, holiday_id)
    holidays.update(db.session, holiday, *_fields(json_object()))
    db.session.commit()
    return jsonify(holiday_json(holiday))


spec.operation("delete", "/hr/holidays/{holiday_id}", summary="删除公休假期", tag=TAG, response=None, status=204,
               parameters=[HOLIDAY_ID], errors=(403, 404))


@bp.delete("/hr/holidays/<int:holiday_id>")
@require(HOLIDAYS)
def holiday_delete(holiday_id: int) -> Any:
    holidays.delete(db.session, holidays.get(db.session, holiday_id))
    db.session.commit()
    return "", 204
