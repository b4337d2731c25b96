"""Quotas and task-calendar API: 配额 list / set / withdraw, a seat's calendar, a head's team month."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request
from flask_login import current_user
from sqlalchemy import func, select

from app.api import spec
from app.api.routes import bp, page_args, page_body, query_int
from app.auth.permissions import require
from app.errors import ValidationFailed
from app.extensions import db
from app.inputs import json_object, json_text
from app.quotas import calendar, services
from app.quotas.access import CALENDAR_VIEW, QUOTAS_MANAGE, TEAM_VIEW
from app.quotas.calendar import DayStatus
from app.quotas.metrics import Metric
from app.quotas.models import Quota

TAG = "任务日历"
_TARGET = {"type": "integer", "nullable": True, "minimum": 0, "maximum": services.MAX_DAILY}
QUOTA = spec.schema("Quota", {
    "type": "object",
    "required": ["id", "level", "tier", "effective_from", *[m.value for m in Metric], "remark"],
    "properties": {
        "id": {"type": "integer"}, "level": {"type": "string", "description": "层级（基础数据 user_level）"},
        "tier": {"type": "string", "description": "级别（基础数据 user_tier）"},
        "effective_from": {"type": "string", "format": "date", "description": "生效日期（含）"},
        **{m.value: {**_TARGET, "description": f"{m.label}（每天）；null 表示不考核"} for m in Metric},
        "remark": {"type": "string"}, "created_by_id": {"type": "integer", "nullable": True},
        "updated_at": {"type": "string", "format": "date-time"},
    },
})
QUOTA_INPUT = spec.schema("QuotaInput", {
    "type": "object", "required": ["level", "tier", "effective_from"],
    "properties": {
        "level": {"type": "string"}, "tier": {"type": "string"},
        "effective_from": {"type": "string", "format": "date", "description": "今天或以后；同一天再次设定会覆盖"},
        **{m.value: {**_TARGET, "description": f"{m.label}（每天）"} for m in Metric},
        "remark": {"type": "string", "maxLength": 200},
    },
})
CALENDAR_DAY = spec.schema("TaskCalendarDay", {
    "type": "object", "required": ["user_id", "day", "status", "status_label", "complete", "reason", "metrics"],
    "properties": {
        "user_id": {"type": "integer"}, "day": {"type": "string", "format": "date"},
        "level": {"type": "string"}, "tier": {"type": "string"},
        "status": {"type": "string", "enum": [s.value for s in DayStatus]}, "status_label": {"type": "string"},
        "complete": {"type": "boolean", "description": "已完成或视为完成（公休、请假…）"},
        "reason": {"type": "string", "description": "视为完成的原因；其余为空"},
        "judged": {"type": "boolean", "description": "计入完成天数统计（截至今天、有配额或视为完成、不是进行中）"},
        "metrics": {"type": "array", "items": {
            "type": "object", "required": ["metric", "label", "required", "done", "shortfall", "met"],
            "properties": {"metric": {"type": "string", "enum": [m.value for m in Metric]}, "label": {"type": "string"},
                           "required": {"type": "integer", "nullable": True}, "done": {"type": "integer"},
                           "shortfall": {"type": "integer"}, "met": {"type": "boolean"}}}},
    },
})
CALENDAR = spec.schema("TaskCalendar", {
    "type": "object", "required": ["user_id", "name", "days"],
    "properties": {"user_id": {"type": "integer"}, "name": {"type": "string"},
                   "days": {"type": "array", "items": {"$ref": CALENDAR_DAY}}},
})
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "nullable": True},
           "description": "按指标代码（" + "、".join(f"{m.value} {m.label}" for m in Metric) + "）"}
TEAM_DAY = spec.schema("TaskCalendarTeamDay", {
    "type": "object", "required": ["day", "status", "complete", "reason", "required", "done"],
    "properties": {"day": {"type": "string", "format": "date"},
                   "status": {"type": "string", "enum": [s.value for s in DayStatus]},
                   "complete": {"type": "boolean"}, "reason": {"type": "string"},
                   "required": {**_COUNTS, "description": "当天配额；null 表示该指标不考核"},
                   "done": {**_COUNTS, "description": "当天已完成"}},
})
TEAM = spec.schema("TaskCalendarTeam", {
    "type": "object", "required": ["month", "seats"],
    "properties": {"month": {"type": "string"}, "seats": {"type": "array", "items": {
        "type": "object", "required": ["user_id", "name", "work_no", "complete_days", "judged_days", "days"],
        "properties": {"user_id": {"type": "integer"}, "name": {"type": "string"}, "work_no": {"type": "string"},
                       "org_id": {"type": "integer"},
                       "complete_days": {"type": "integer", "description": "截至今天完成或视为完成的天数"},
                       "judged_days": {"type": "integer",
                                       "description": "截至今天需要判断的天数（有配额或视为完成；今天未完成的不计）"},
                       "days": {"type": "array", "items": {"$ref": TEAM_DAY}}}}}},
})
QUOTA_ID = spec.path_param("quota_id", "配额调整记录编号")


def quota_json(quota: Quota) -> dict[str, Any]:
    return {"id": quota.id, "level": quota.level, "tier": quota.tier,
            "effective_from": quota.effective_from.isoformat(),
            **{m.value: getattr(quota, m.value) for m in Metric}, "remark": quota.remark,
            "created_by_id": quota.created_by_id, "updated_at": quota.updated_at.isoformat()}




def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise ValidationFailed(f"{what}格式应为 YYYY-MM-DD") from exc


spec.operation("get", "/quotas", summary="配额调整记录（可按层级、级别筛选；新的在前）", tag=TAG,
               response=spec.page_of(QUOTA), errors=(401, 403),
               parameters=[spec.query_param("level", "层级"), spec.query_param("tier", "级别"), *spec.PAGE_PARAMS])


@bp.get("/quotas")
@require(QUOTAS_MANAGE)
def quota_list() -> Any:
    page, per_page = page_args()
    stmt = select(Quota)
    for name in ("level", "tier"):
        if value := request.args.get(name, "")[:30]:
            stmt = stmt.where(getattr(Quota, name) == value)
    total = int(db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = db.session.scalars(stmt.order_by(Quota.level, Quota.tier, Quota.effective_from.desc())
                              .limit(per_page).offset((page - 1) * per_page))
    return jsonify(page_body([quota_json(q) for q in rows], page, per_page, total))


# 422: level/tier not in base data, negative or non-integer targets, none given, a date before today.
spec.operation("post", "/quotas", summary="设定某层级×级别自某日起的每日配额", tag=TAG, request=QUOTA_INPUT,
               response=QUOTA, status=201, errors=(403, 409, 422))


@bp.post("/quotas")
@require(QUOTAS_MANAGE)
def quota_set() -> Any:
    body = json_object()
    targets: dict[Metric, Any] = {m: body.get(m.value) for m in Metric}
    data = services.QuotaInput(level=json_text(body, "level"), tier=json_text(body, "tier"),
                               effective_from=_day(json_text(body, "effective_from"), "生效日期") if body.get(
                                   "effective_from") is not None else None,
                               targets=targets, remark=json_text(body, "remark"))
    quota = services.save_quota(db.session, data, current_user)
    db.session.commit()
    return jsonify(quota_json(quota)), 201


spec.operation("get", "/quotas/{quota_id}", summary="一条配额调整记录", tag=TAG, response=QUOTA,
               parameters=[QUOTA_ID], errors=(403, 404))


@bp.get("/quotas/<int:quota_id>")
@require(QUOTAS_MANAGE)
def quota_detail(quota_id: int) -> Any:
    return jsonify(quota_json(services.get_quota(db.session, quota_id)))


spec.operation("delete", "/quotas/{quota_id}", summary="撤销尚未生效的配额调整", tag=TAG, response=None, status=204,
               parameters=[QUOTA_ID], errors=(403, 404, 422))


@bp.delete("/quotas/<int:quota_id>")
@require(QUOTAS_MANAGE)
def quota_withdraw(quota_id: int) -> Any:
    services.withdraw_quota(db.session, quota_id)
    db.session.commit()
    return "", 204


spec.operation("get", "/quotas/calendar", summary="任务日历：某人每天的配额与完成情况（默认本人）", tag=TAG,
               response=CALENDAR, errors=(401, 403, 404, 422),
               parameters=[spec.query_param("user_id", "坐席编号（主管查看数据范围内坐席；默认本人）", "integer"),
                           spec.query_param("start", "开始日期 YYYY-MM-DD（含）"),
                           spec.query_param("end", f"结束日期 YYYY-MM-DD（含；最多 {calendar.MAX_RANGE_DAYS} 天）")])


@bp.get("/quotas/calendar")
@require(CALENDAR_VIEW)
def calendar_days() -> Any:
    owner = calendar.visible_user(db.session, current_user, query_int("user_id"))
    start = _day(request.args.get("start", ""), "开始日期")
    end = _day(request.args.get("end", ""), "结束日期")
    days = calendar.calendar_of(db.session, owner, start, end)
    return jsonify({"user_id": owner.id, "name": owner.name, "days": [day.as_dict() for day in days]})


spec.operation("get", "/quotas/team", summary="团队任务完成：数据范围内坐席一个月每天的完成情况", tag=TAG,
               response=TEAM, errors=(401, 403, 404, 422),
               parameters=[spec.query_param("month", "月份 YYYY-MM（默认本月）"),
                           spec.query_param("org_id", "只看该组织及下级", "integer")])


@bp.get("/quotas/team")
@require(TEAM_VIEW)
def team_month() -> Any:
    month = request.args.get("month", "")[:7]
    start, end = calendar.month_range(month) if month else calendar.current_month()
    seats = calendar.team_seats(db.session, current_user, query_int("org_id"))
    grid = calendar.calendars(db.session, seats, start, end)
    result = []
    for seat in seats:
        judged = [d for d in grid[seat.id] if d.judged]
        result.append({"user_id": seat.id, "name": seat.name, "work_no": seat.work_no, "org_id": seat.org_id,
                       "complete_days": sum(1 for d in judged if d.complete), "judged_days": len(judged),
                       "days": [{"day": d.day.isoformat(), "status": d.status, "complete": d.complete,
                                 "reason": d.reason, "required": {m.metric: m.required for m in d.metrics},
                                 "done": {m.metric: m.done for m in d.metrics}} for d in grid[seat.id]]})
    return jsonify({"month": start.strftime("%Y-%m"), "seats": result})
