"""API of 客户数据回收, 客户转移 and 离职交接 (app/pools/recovery.py, app/pools/handover.py)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_login import current_user

from app import clock
from app.api import spec
from app.api.routes import bp
from app.auth.permissions import require
from app.errors import ValidationFailed
from app.extensions import db
from app.inputs import is_json_int, json_object
from app.org import scope as data_scope
from app.pools import handover, recovery
from app.pools.handover_models import Handover
from app.pools.recovery_access import MINING_HANDOVER, MINING_RECOVERY, MINING_TRANSFER

_IDS = {"type": "array", "items": {"type": "integer"}, "maxItems": recovery.MAX_SOURCES}
_DAY = {"type": "string", "format": "date", "nullable": True}
_DAYS = {"type": "integer", "minimum": 0, "maximum": recovery.MAX_DAYS, "nullable": True}
RECOVERY = spec.schema("RecoveryRequest", {
    "type": "object",
    "description": ("来源（坐席和/或组织，至少一个）、时间条件（至少一个；日期或天数二选一）、"
                    "回收目标（部门或坐席二选一；预览时可省略）"),
    "properties": {
        "seat_ids": {**_IDS, "description": "来源坐席"},
        "org_ids": {**_IDS, "description": "来源组织（含下级组织）"},
        "assigned_before": {**_DAY, "description": "分配时间早于该日"},
        "assigned_days": {**_DAYS, "description": "分配已满 N 天"},
        "no_valid_since": {**_DAY, "description": "该日以来无有效跟进"},
        "no_valid_days": {**_DAYS, "description": "N 天内无有效跟进"},
        "to_org_id": {"type": "integer", "nullable": True, "description": "回收到该组织的部门信息池"},
        "to_seat_id": {"type": "integer", "nullable": True,
                       "description": "回收到该坐席的个人信息池（受个人客户数上限限制）"},
    },
})
RECOVERY_ROW = spec.schema("RecoveryRow", {
    "type": "object", "required": ["id", "number", "name", "type", "service_seat_id"],
    "properties": {"id": {"type": "integer"}, "number": {"type": "string"}, "name": {"type": "string"},
                   "type": {"type": "string"}, "service_seat_id": {"type": "integer", "nullable": True},
                   "assigned_at": {"type": "string", "format": "date-time", "nullable": True},
                   "last_valid_call_at": {"type": "string", "format": "date-time", "nullable": True}},
})
RECOVERY_PREVIEW = spec.schema("RecoveryPreview", {
    "type": "object", "required": ["total", "per_seat", "rows", "conditions"],
    "properties": {
        "total": {"type": "integer"},
        "per_seat": {"type": "array", "items": {
            "type": "object", "required": ["seat_id", "name", "count"],
            "properties": {"seat_id": {"type": "integer"}, "name": {"type": "string"}, "work_no": {"type": "string"},
                           "count": {"type": "integer"}}}},
        "rows": {"type": "array", "items": {"$ref": RECOVERY_ROW}, "description": "前 50 个客户"},
        "conditions": {"type": "array", "items": {"type": "string"}},
        "target": {"type": "string"},
    },
})
RECOVERY_RESULT = spec.schema("RecoveryResult", {
    "type": "object", "required": ["moved", "batch", "message"],
    "properties": {"moved": {"type": "integer"}, "message": {"type": "string"},
                   "batch": {"type": "integer", "description": "移动批次（流转记录中标明）"}},
})
TRANSFER = spec.schema("TransferRequest", {
    "type": "object", "required": ["from_seat_id", "to_seat_id", "customer_ids", "reason"],
    "properties": {"from_seat_id": {"type": "integer"}, "to_seat_id": {"type": "integer"},
                   "customer_ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 500},
                   "reason": {"type": "string", "maxLength": 200, "description": "转移原因（必填）"}},
})
HANDOVER = spec.schema("Handover", {
    "type": "object", "required": ["id", "leaver_id", "leaver", "org_id", "status", "deadline", "total", "pending"],
    "properties": {
        "id": {"type": "integer"}, "leaver_id": {"type": "integer"}, "leaver": {"type": "string"},
        "org_id": {"type": "integer"}, "status": {"type": "string", "enum": ["pending", "done", "expired"]},
        "created_at": {"type": "string", "format": "date-time"},
        "deadline": {"type": "string", "format": "date-time"}, "total": {"type": "integer"},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}, "description": "离职时按客户类型"},
        "pending": {"type": "object", "additionalProperties": {"type": "integer"},
                    "description": "仍待交接，按客户类型"},
        "handed": {"type": "integer"}, "overdue": {"type": "integer"},
        "successor_id": {"type": "integer", "nullable": True},
    },
})
HANDOVER_ACTION = spec.schema("HandoverAction", {
    "type": "object", "description": "seat_id（交给一个继任坐席）或 seat_ids（用分配引擎平均分给多个坐席）二选一",
    "properties": {"seat_id": {"type": "integer",
                               "description": "继任坐席：成交客户全部交接，其余受个人客户数上限限制"},
                   "seat_ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 100,
                                "description": "平均分给这些坐席（每个坐席受个人客户数上限限制）"},
                   "note": {"type": "string", "maxLength": 200}},
})
HANDOVER_RESULT = spec.schema("HandoverResult", {
    "type": "object", "required": ["moved", "left", "message", "handover"],
    "properties": {"moved": {"type": "integer"}, "dealt": {"type": "integer", "description": "交给继任坐席时"},
                   "run_id": {"type": "integer", "description": "平均分给多个坐席时的分配记录"},
                   "left": {"type": "integer", "description": "因个人客户数上限未交接、仍待交接的客户数"},
                   "message": {"type": "string"}, "handover": {"$ref": HANDOVER}},
})



def _int(body: dict[str, Any], key: str, label: str) -> int:
    value = body.get(key)
    if not is_json_int(value):
        raise ValidationFailed(f"请选择{label}")
    return value


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def handover_json(record: Handover) -> dict[str, Any]:
    pending = handover.counts_by_type(db.session, handover.pending_condition(record.leaver_id))
    return {"id": record.id, "leaver_id": record.leaver_id, "leaver": record.leaver.name, "org_id": record.org_id,
            "status": record.status.value, "created_at": record.created_at.isoformat(),
            "deadline": record.deadline.isoformat(), "total": record.total, "counts": dict(record.counts or {}),
            "pending": pending, "handed": record.handed, "overdue": record.overdue,
            "successor_id": record.successor_id}


def _recovery_spec(need_target: bool) -> tuple[data_scope.Scope, recovery.RecoverySpec]:
    scope = data_scope.scope_of(db.session, current_user, MINING_RECOVERY)
    return scope, recovery.parse(db.session, scope, json_object(), clock.now(), need_target)


spec.operation("post", "/pools/recovery/preview", summary="客户数据回收预览（按来源坐席计数、前 50 个客户）",
               tag="数据挖掘", request=RECOVERY, response=RECOVERY_PREVIEW, errors=(403, 404, 422))


@bp.post("/pools/recovery/preview")
@require(MINING_RECOVERY)
def recovery_preview() -> Any:
    scope, parsed = _recovery_spec(need_target=False)
    result = recovery.preview(db.session, scope, parsed)
    return jsonify({
        "total": result.total, "conditions": list(parsed.words), "target": parsed.target_label,
        "per_seat": [{"seat_id": u.id, "name": u.name, "work_no": u.work_no, "count": n} for u, n in result.per_seat],
        "rows": [{"id": c.id, "number": c.number, "name": c.name, "type": c.type.value,
                  "service_seat_id": c.service_seat_id, "assigned_at": _iso(c.assigned_at),
                  "last_valid_call_at": _iso(c.last_valid_call_at)} for c in result.rows],
    })


spec.operation("post", "/pools/recovery", summary="执行客户数据回收（成交客户除外，集合式移动并写流转记录）",
               tag="数据挖掘", request=RECOVERY, response=RECOVERY_RESULT, errors=(403, 404, 422))


@bp.post("/pools/recovery")
@require(MINING_RECOVERY)
def recovery_execute() -> Any:
    scope, parsed = _recovery_spec(need_target=True)
    moved = recovery.execute(db.session, current_user, scope, parsed)
    db.session.commit()
    return jsonify({"moved": moved.count, "batch": moved.batch,
                    "message": f"已回收 {moved.count} 个客户到{parsed.target_label}"})


spec.operation("post", "/pools/transfer", summary="客户转移：把一个坐席的所选客户转给另一个坐席（须填写原因）",
               tag="数据挖掘", request=TRANSFER, response=spec.ref("PoolMoveResult"), errors=(403, 404, 422))


@bp.post("/pools/transfer")
@require(MINING_TRANSFER)
def transfer() -> Any:
    body = json_object()
    ids = body.get("customer_ids", [])
    if not isinstance(ids, list) or not all(is_json_int(i) for i in ids):
        raise ValidationFailed("customer_ids 应为整数数组")
    reason = body.get("reason", "")
    if not isinstance(reason, str):
        raise ValidationFailed("请填写转移原因")
    scope = data_scope.scope_of(db.session, current_user, MINING_TRANSFER)
    result = recovery.transfer(db.session, current_user, scope, _int(body, "from_seat_id", "转出坐席"),
                               _int(body, "to_seat_id", "转入坐席"), ids, reason)
    db.session.commit()
    return jsonify({"moved": result.moved, "skipped": result.skipped, "message": result.message("转移")})


spec.operation("get", "/pools/handovers", summary="离职交接列表（管理范围内，默认待交接）", tag="数据挖掘",
               response={"type": "object", "required": ["items"],
                         "properties": {"items": {"type": "array", "items": {"$ref": HANDOVER}}}},
               errors=(403, 422),
               parameters=[spec.query_param("status", "pending（默认）、done、expired 或 all",
                                            enum=["pending", "done", "expired", "all"])])


@bp.get("/pools/handovers")
@require(MINING_HANDOVER)
def handovers() -> Any:
    raw = request.args.get("status", "pending")
    if raw not in ("pending", "done", "expired", "all"):
        raise ValidationFailed("status 应为 pending、done、expired 或 all")
    status = None if raw == "all" else handover.HandoverStatus(raw)
    scope = data_scope.scope_of(db.session, current_user, MINING_HANDOVER)
    records = db.session.scalars(handover.visible(scope, status).limit(500))
    return jsonify({"items": [handover_json(r) for r in records]})


spec.operation("post", "/pools/handovers/{handover_id}",
               summary="离职交接：交给继任坐席，或用分配引擎平均分给多个坐席", tag="数据挖掘",
               request=HANDOVER_ACTION, response=HANDOVER_RESULT, errors=(403, 404, 409, 422),
               parameters=[spec.path_param("handover_id", "离职交接编号")])


@bp.post("/pools/handovers/<int:handover_id>")
@require(MINING_HANDOVER)
def hand_over(handover_id: int) -> Any:
    body = json_object()
    note = body.get("note", "")
    if not isinstance(note, str):
        raise ValidationFailed("note 应为文字")
    scope = data_scope.scope_of(db.session, current_user, MINING_HANDOVER)
    if "seat_ids" in body and body["seat_ids"] is not None:
        seat_ids = body["seat_ids"]
        if not isinstance(seat_ids, list) or not all(is_json_int(i) for i in seat_ids) or len(seat_ids) > 100:
            raise ValidationFailed("seat_ids 应为整数数组（最多 100 个坐席）")
        spread = handover.spread(db.session, current_user, scope, handover_id, seat_ids, note[:200])
        db.session.commit()
        return jsonify({"moved": spread.moved, "run_id": spread.run_id, "left": spread.left,
                        "message": spread.message(), "handover": handover_json(spread.handover)})
    result = handover.hand_to_seat(db.session, current_user, scope, handover_id, _int(body, "seat_id", "继任坐席"),
                                   note[:200])
    db.session.commit()
    return jsonify({"moved": result.moved, "dealt": result.dealt, "left": result.left, "message": result.message(),
                    "handover": handover_json(result.handover)})

