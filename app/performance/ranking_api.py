"""Rankings API: GET /api/v1/performance/rankings — a month's boards (成单量, 邀约量, 交易金额) and the
caller's own place."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user

from app.api import spec
from app.api.routes import bp, query_int
from app.auth.permissions import require
from app.errors import ValidationFailed
from app.extensions import db
from app.performance import rankings
from app.performance.metrics import PerfMetric
from app.performance.rankings_access import RANKINGS_VIEW

TAG = "业绩排名"
DEFAULT_LIMIT, MAX_LIMIT = 100, 5000
ENTRY = spec.schema("RankingEntry", {
    "type": "object", "required": ["rank", "user_id", "name", "work_no", "org_name", "value"],
    "properties": {"rank": {"type": "integer", "description": "名次（并列同名次，下一名跳过）"},
                   "user_id": {"type": "integer"}, "name": {"type": "string"}, "work_no": {"type": "string"},
                   "org_name": {"type": "string", "description": "所在部门"},
                   "value": {"type": "string", "description": "指标值：次数为整数文本，交易金额为元（两位小数）"}},
})
BOARD = spec.schema("RankingBoard", {
    "type": "object", "required": ["metric", "label", "unit", "total", "entries", "me"],
    "properties": {
        "metric": {"type": "string", "enum": [m.value for m in rankings.RANKED]}, "label": {"type": "string"},
        "unit": {"type": "string"}, "total": {"type": "integer", "description": "参与排名的在职坐席人数"},
        "entries": {"type": "array", "items": {"$ref": ENTRY}, "description": "前 limit 名"},
        "me": {"type": "object", "nullable": True, "description": "调用者本人的名次（不是在职坐席时为 null）",
               "required": ["rank", "value"], "properties": {"rank": {"type": "integer"}, "value": {"type": "string"}}},
    },
})
RANKINGS = spec.schema("Rankings", {
    "type": "object", "required": ["month", "start", "end", "org_id", "boards"],
    "properties": {"month": {"type": "string", "description": "YYYY-MM"},
                   "start": {"type": "string", "format": "date"}, "end": {"type": "string", "format": "date"},
                   "org_id": {"type": "integer", "nullable": True, "description": "只排该分公司/部门（null 为全公司）"},
                   "boards": {"type": "array", "items": {"$ref": BOARD}}},
})


def _value(value: Any) -> str:
    return str(value)


def board_json(board: rankings.Board, limit: int, user_id: int) -> dict[str, Any]:
    mine = board.entry_of(user_id)
    return {"metric": board.metric.value, "label": board.metric.label, "unit": board.metric.unit,
            "total": board.total,
            "entries": [{"rank": e.rank, "user_id": e.seat.user_id, "name": e.seat.name, "work_no": e.seat.work_no,
                         "org_name": e.seat.org_name, "value": _value(e.value)} for e in board.top(limit)],
            "me": {"rank": mine.rank, "value": _value(mine.value)} if mine is not None else None}


spec.operation("get", "/performance/rankings",
               summary="业绩排名：某月全公司或某分公司/部门在职坐席的成单量、邀约量、交易金额排名", tag=TAG,
               response=RANKINGS, errors=(401, 403, 404, 422),
               parameters=[spec.query_param("month", "月份 YYYY-MM（默认本月）"),
                           spec.query_param("org_id", "只排该分公司/部门及下级", "integer"),
                           spec.query_param("metric", "只要这一项排名（默认三项）",
                                            enum=[m.value for m in rankings.RANKED]),
                           spec.query_param("limit", f"每项返回前几名（默认 {DEFAULT_LIMIT}，最多 {MAX_LIMIT}）",
                                            "integer")])


@bp.get("/performance/rankings")
@require(RANKINGS_VIEW)
def performance_rankings() -> Any:
    month = rankings.month_of(request.args.get("month", ""))
    org = rankings.org_of(db.session, query_int("org_id"))
    wanted = request.args.get("metric", "").strip()
    if wanted and wanted not in {m.value for m in rankings.RANKED}:
        raise ValidationFailed("排名指标应为 deals（成单量）、invitations（邀约量）或 amount（交易金额）")
    limit = query_int("limit")
    limit = DEFAULT_LIMIT if limit is None else max(1, min(MAX_LIMIT, limit))
    if wanted:
        found = [rankings.board(db.session, PerfMetric(wanted), month.start, month.end, org)]
    else:
        found = list(rankings.boards(db.session, month.start, month.end, org).values())
    return jsonify({"month": month.value, "start": month.start.isoformat(), "end": month.end.isoformat(),
                    "org_id": org.id if org is not None else None,
                    "boards": [board_json(board, limit, current_user.id) for board in found]})
