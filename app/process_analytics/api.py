"""Process analytics API (流程性能): one process's instance and element figures over a period."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from app.api import spec
from app.api.routes import bp
from app.auth.permissions import require
from app.extensions import db
from app.performance import period as periods
from app.process_analytics import figures, services
from app.process_analytics.access import ANALYTICS

TAG = "流程性能"
SPREAD = spec.schema("DurationSpread", {
    "type": "object", "required": ["count", "median_seconds", "p90_seconds"],
    "properties": {"count": {"type": "integer", "description": "参与统计的时长个数"},
                   "median_seconds": {"type": "number", "nullable": True,
                                      "description": "中位数（秒；偶数个取中间两个的平均）"},
                   "p90_seconds": {"type": "number", "nullable": True, "description": "P90（秒；第 ⌈0.9n⌉ 小的值）"}},
})
INSTANCES = spec.schema("ProcessInstanceFigures", {
    "type": "object", "required": ["started", "completed", "live", "error", "duration"],
    "properties": {"started": {"type": "integer", "description": "期间发起的实例数"},
                   "completed": {"type": "integer", "description": "期间完成的实例数"},
                   "live": {"type": "integer", "description": "当前运行中（含等待定时器/消息）"},
                   "error": {"type": "integer", "description": "当前异常"},
                   "duration": {"$ref": SPREAD}},
})
ELEMENT = spec.schema("ProcessElementFigures", {
    "type": "object",
    "required": ["element_id", "name", "completed", "waiting", "handling", "late", "open", "unclaimed",
                 "overdue_open", "overdue"],
    "properties": {"element_id": {"type": "string"}, "name": {"type": "string"},
                   "completed": {"type": "integer", "description": "期间完成的任务数"},
                   "waiting": {"$ref": SPREAD}, "handling": {"$ref": SPREAD},
                   "late": {"type": "integer", "description": "期间完成但晚于期限的任务数"},
                   "open": {"type": "integer", "description": "当前待办数"},
                   "unclaimed": {"type": "integer", "description": "当前待办中未认领的"},
                   "overdue_open": {"type": "integer", "description": "当前待办中已过期限的"},
                   "overdue": {"type": "integer", "description": "late + overdue_open"}},
})
ANALYTICS_BODY = spec.schema("ProcessAnalytics", {
    "type": "object", "required": ["process_key", "name", "period", "version", "totals", "versions", "elements"],
    "properties": {
        "process_key": {"type": "string"}, "name": {"type": "string"},
        "period": {"type": "object", "required": ["grain", "start", "end", "label"],
                   "properties": {"grain": {"type": "string"}, "start": {"type": "string", "format": "date"},
                                  "end": {"type": "string", "format": "date"}, "label": {"type": "string"}}},
        "version": {"type": "integer", "nullable": True, "description": "所选版本；null 表示全部版本"},
        "totals": {"$ref": INSTANCES},
        "versions": {"type": "array", "items": {"allOf": [{"$ref": INSTANCES}, {
            "type": "object", "required": ["version", "deployed_at"],
            "properties": {"version": {"type": "integer"},
                           "deployed_at": {"type": "string", "format": "date-time"}}}]}},
        "elements": {"type": "array", "items": {"$ref": ELEMENT}},
    },
})

spec.operation("get", "/process-analytics/{process_key}",
               summary="流程性能：实例时长与各环节等待/办理时间（中位数、P90）、逾期", tag=TAG,
               response=ANALYTICS_BODY, errors=(401, 403, 404, 422), parameters=[
                   {"name": "process_key", "in": "path", "required": True, "schema": {"type": "string"},
                    "description": "流程标识（BPMN process id）"},
                   spec.query_param("grain", "统计周期", enum=[g.value for g in periods.Grain]),
                   spec.query_param("value", "日 YYYY-MM-DD / 周 YYYY-Www / 月 YYYY-MM；缺省为当前"),
                   spec.query_param("start", "区间开始日期（grain=range）"),
                   spec.query_param("end", "区间结束日期（grain=range）"),
                   spec.query_param("version", "版本号；缺省为全部版本", "integer")])


@bp.get("/process-analytics/<process_key>")
@require(ANALYTICS)
def process_analytics(process_key: str) -> Any:
    found = services.process_figures(db.session, process_key, periods.from_args(request.args),
                                     request.args.get("version"))
    period = found.period
    return jsonify({
        "process_key": process_key, "name": found.models[0].name,
        "period": {"grain": period.grain.value, "start": period.start.isoformat(), "end": period.end.isoformat(),
                   "label": period.label},
        "version": found.chosen.version if found.chosen else None, "totals": services.instance_json(found.totals),
        "versions": [{"version": m.version, "deployed_at": m.deployed_at.isoformat(),
                      **services.instance_json(found.per_version.get(m.id, figures.InstanceFigures()))}
                     for m in found.models],
        "elements": [services.element_json(e) for e in found.elements],
    })
