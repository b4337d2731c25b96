"""流程设计 API: process models with versions and live instances, drafts, validation and deployment."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user

from app.api import spec
from app.api.routes import bp
from app.auth.permissions import require
from app.designer import deployment, drafts
from app.designer.access import DESIGN
from app.errors import ValidationFailed
from app.extensions import db
from app.inputs import json_object

PROBLEM = spec.schema("DiagramProblem", {
    "type": "object",
    "required": ["element_id", "element_name", "message"],
    "properties": {"element_id": {"type": "string", "description": "BPMN 元素 id（空：整个流程图）"},
                   "element_name": {"type": "string"}, "message": {"type": "string"}},
})
VERSION = spec.schema("ProcessVersion", {
    "type": "object",
    "required": ["id", "version", "deployed_at", "comment", "source", "live_instances"],
    "properties": {"id": {"type": "integer"}, "version": {"type": "integer"},
                   "deployed_at": {"type": "string", "format": "date-time"}, "comment": {"type": "string"},
                   "source": {"type": "string"}, "live_instances": {"type": "integer"}},
})
DRAFT_FIELDS = {
    "type": "object",
    "required": ["kind", "key", "name", "base_version", "author", "updated_at"],
    "properties": {"kind": {"type": "string", "enum": ["bpmn", "dmn"]}, "key": {"type": "string"},
                   "name": {"type": "string"}, "base_version": {"type": "integer", "nullable": True},
                   "author": {"type": "string"}, "updated_at": {"type": "string", "format": "date-time"}},
}
DRAFT = spec.schema("DesignDraft", DRAFT_FIELDS)
PROCESS = spec.schema("DesignedProcess", {
    "type": "object",
    "required": ["key", "name", "versions", "live_instances", "draft"],
    "properties": {"key": {"type": "string"}, "name": {"type": "string"},
                   "versions": {"type": "array", "items": {"$ref": VERSION}},
                   "live_instances": {"type": "integer"},
                   # OpenAPI 3.0 cannot make a $ref nullable; a process without a draft has null here.
                   "draft": {**DRAFT_FIELDS, "nullable": True}},
})
DIAGRAM = spec.schema("DiagramSubmission", {
    "type": "object",
    "required": ["process_key", "xml"],
    "properties": {"process_key": {"type": "string"}, "xml": {"type": "string", "description": "BPMN 2.0 XML"}},
})
VALIDATION = spec.schema("DiagramValidation", {
    "type": "object",
    "required": ["ok", "problems"],
    "properties": {"ok": {"type": "boolean"}, "problems": {"type": "array", "items": {"$ref": PROBLEM}}},
})
DEPLOY_REQUEST = spec.schema("DeploymentRequest", {
    "type": "object",
    "required": ["process_key", "xml", "comment", "confirm"],
    "properties": {"process_key": {"type": "string"}, "xml": {"type": "string"},
                   "comment": {"type": "string", "description": "发布说明，必填"},
                   "confirm": {"type": "boolean", "description": "必须为 true：确认发布新版本"}},
})
DEPLOYMENT = spec.schema("Deployment", {
    "type": "object",
    "required": ["process_key", "version", "model_id", "created", "older_live_instances"],
    "properties": {"process_key": {"type": "string"}, "version": {"type": "integer"}, "model_id": {"type": "integer"},
                   "created": {"type": "boolean", "description": "false：内容与最新版本相同，未生成新版本"},
                   "older_live_instances": {"type": "integer", "description": "仍在旧版本上运行的实例数"}},
})


def _draft_json(draft: Any) -> dict[str, Any] | None:
    if draft is None:
        return None
    return {"kind": draft.kind.value, "key": draft.key, "name": draft.name, "base_version": draft.base_version,
            "author": draft.author.name if draft.author else "", "updated_at": draft.updated_at.isoformat()}


def _body() -> tuple[str, str, dict[str, Any]]:
    body = json_object()
    key, xml = body.get("process_key"), body.get("xml")
    if not isinstance(key, str) or not isinstance(xml, str) or not xml.strip():
        raise ValidationFailed("请求体必须包含 process_key 和 xml")
    return key, xml, body


spec.operation("get", "/designer/processes", summary="流程模型：版本、运行中实例数、草稿", tag="流程设计",
               response={"type": "object", "required": ["items"],
                         "properties": {"items": {"type": "array", "items": {"$ref": PROCESS}}}}, errors=(403,))


@bp.get("/designer/processes")
@require(DESIGN)
def processes() -> Any:
    items = []
    for summary in deployment.summaries(db.session):
        items.append({
            "key": summary.key, "name": summary.name, "live_instances": summary.live_total,
            "versions": [{"id": m.id, "version": m.version, "deployed_at": m.deployed_at.isoformat(),
                          "comment": m.comment, "source": m.source,
                          "live_instances": summary.live_by_version.get(m.version, 0)} for m in summary.versions],
            "draft": _draft_json(summary.draft),
        })
    return jsonify({"items": items})


spec.operation("get", "/designer/drafts", summary="流程图与规则表草稿", tag="流程设计",
               response={"type": "object", "required": ["items"],
                         "properties": {"items": {"type": "array", "items": {"$ref": DRAFT}}}}, errors=(403,))


@bp.get("/designer/drafts")
@require(DESIGN)
def draft_list() -> Any:
    return jsonify({"items": [_draft_json(d) for d in drafts.drafts(db.session)]})


spec.operation("post", "/designer/validate", summary="校验流程图（与发布时的校验相同），问题按元素列出", tag="流程设计",
               request=DIAGRAM, response=VALIDATION, errors=(403, 422))


@bp.post("/designer/validate")
@require(DESIGN)
def validate() -> Any:
    key, xml, _request = _body()
    problems = deployment.validate(db.session, key, xml)
    return jsonify({"ok": not problems, "problems": [deployment.problem_json(p) for p in problems]})


spec.operation("post", "/designer/deploy", summary="发布流程图为新版本（需 confirm=true 与发布说明）", tag="流程设计",
               request=DEPLOY_REQUEST, response=DEPLOYMENT, status=201, errors=(403, 422))


@bp.post("/designer/deploy")
@require(DESIGN)
def deploy_version() -> Any:
    key, xml, body = _body()
    if body.get("confirm") is not True:
        raise ValidationFailed("请确认发布（confirm 必须为 true）")
    result = deployment.deploy_process(db.session, key, xml, str(body.get("comment") or ""), current_user)
    db.session.commit()
    return jsonify({"process_key": result.model.key, "version": result.model.version, "model_id": result.model.id,
                    "created": result.created, "older_live_instances": result.older_live}), 201
