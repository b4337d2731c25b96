"""流程设计 screens for processes: the list, a new process, the modeler and its actions (draft, validate,
compare, deploy), version comparison, download and upload."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.auth.permissions import require
from app.designer import catalog, compare, deployment, drafts, rule_tables, task_forms, uploads
from app.designer.access import DESIGN
from app.designer.models import DraftKind
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.inputs import json_object
from app.workflow import camunda, deploy
from app.workflow.models import ProcessModel
from app.workflow.validation import KEY_RULE
from app.workflow.xmlsafe import parse_xml
from forms.base import first_error
from forms.designer import NewProcessForm

bp = Blueprint("designer", __name__, url_prefix="/designer")



def xml_of(body: dict[str, Any]) -> str:
    xml = body.get("xml")
    if not isinstance(xml, str) or not xml.strip():
        raise ValidationFailed("缺少流程图 XML")
    return xml


@bp.get("/", endpoint="index")
@require(DESIGN)
def index() -> Any:
    return render_template("designer/index.html", processes=deployment.summaries(db.session),
                           tables=rule_tables.tables(db.session), forms=task_forms.all_forms(db.session),
                           rule_drafts=drafts.drafts(db.session, DraftKind.DMN))


@bp.route("/processes/new", methods=["GET", "POST"])
@require(DESIGN)
def new_process() -> Any:
    form = NewProcessForm()
    form.lane.choices = list(catalog.role_names(db.session).items())
    if form.validate_on_submit():
        key = (form.key.data or "").strip()
        if not drafts.KEY_PATTERN.match(key):
            flash(f"流程标识“{key}”不合规：{KEY_RULE}", "danger")
        elif deploy.latest(db.session, key) is not None or drafts.get_draft(db.session, DraftKind.BPMN, key):
            flash(f"流程标识 {key} 已存在，请换一个或直接打开它", "danger")
        else:
            drafts.save_draft(db.session, DraftKind.BPMN, key,
                              drafts.new_process_xml(key, form.name.data or key, form.lane.data or ""), current_user)
            db.session.commit()
            flash("已创建流程草稿，请在图中添加任务", "success")
            return redirect(url_for("designer.editor", key=key))
    elif form.is_submitted():
        flash(first_error(form), "danger")
    return render_template("designer/new_process.html", form=form)


@bp.post("/upload")
@require(DESIGN)
def upload_new() -> Any:
    """Upload a .bpmn file as the draft of the process it defines (new or existing; with several processes,
    the first executable one, as deployment does)."""
    data = uploads.read_upload(request.files.get("file"), "BPMN")
    return _store_upload(drafts.main_process_id(data), data)


def _store_upload(key: str, data: bytes) -> Any:
    drafts.check_key(key)
    latest = deploy.latest(db.session, key)
    drafts.save_draft(db.session, DraftKind.BPMN, key, data, current_user,
                      base_version=latest.version if latest else None)
    problems = deployment.validate(db.session, key, data)
    db.session.commit()
    converted = "（已由 Camunda Modeler 格式转换）" if camunda.is_camunda(parse_xml(data, "BPMN")) else ""
    if problems:
        flash(f"已上传为草稿{converted}，但有 {len(problems)} 个问题需要修改后才能发布（已在图中标出）", "warning")
    else:
        flash(f"已上传为草稿{converted}，校验通过", "success")
    return redirect(url_for("designer.editor", key=key))


@bp.get("/processes/<key>")
@require(DESIGN)
def editor(key: str) -> Any:
    version = request.args.get("version", type=int)
    document = drafts.open_process(db.session, key, version)
    versions = drafts.versions(db.session, key)
    config = {
        "key": key, "kind": "bpmn", "source": document.source, "version": document.version,
        "latest_version": versions[0].version if versions else None,
        "versions": [{"id": m.id, "version": m.version} for m in versions],
        "urls": {
            "document": url_for("designer.document", key=key, version=version),
            "draft": url_for("designer.save_draft", key=key),
            "validate": url_for("designer.validate", key=key),
            "deploy": url_for("designer.deploy_version", key=key),
            "compare": url_for("designer.compare_draft", key=key),
            "new_form": url_for("designer_forms.new"),
        },
        "catalog": catalog.catalog(db.session),
    }
    return render_template("designer/bpmn_editor.html", key=key, document=document, versions=versions,
                           config=config,
                           draft=drafts.get_draft(db.session, DraftKind.BPMN, key))


@bp.get("/processes/<key>/document.json")
@require(DESIGN)
def document(key: str) -> Any:
    doc = drafts.open_process(db.session, key, request.args.get("version", type=int))
    return jsonify({"key": doc.key, "xml": doc.xml, "source": doc.source, "version": doc.version, "label": doc.label,
                    "problems": [deployment.problem_json(p) for p in deployment.validate(db.session, key, doc.xml)]
                    if doc.source == "draft" else []})


@bp.post("/processes/<key>/draft")
@require(DESIGN)
def save_draft(key: str) -> Any:
    body = json_object()
    latest = deploy.latest(db.session, key)
    draft = drafts.save_draft(db.session, DraftKind.BPMN, key, xml_of(body), current_user,
                              base_version=body.get("base_version") if isinstance(body.get("base_version"), int)
                              else (latest.version if latest else None))
    db.session.commit()
    return jsonify({"saved": True, "updated_at": draft.updated_at.isoformat(), "message": "草稿已保存"})


@bp.post("/processes/<key>/draft/discard")
@require(DESIGN)
def discard_draft(key: str) -> Any:
    drafts.discard_draft(db.session, DraftKind.BPMN, key)
    db.session.commit()
    flash("草稿已放弃", "info")
    if deploy.latest(db.session, key) is None:
        return redirect(url_for("designer.index"))
    return redirect(url_for("designer.editor", key=key))


@bp.post("/processes/<key>/validate")
@require(DESIGN)
def validate(key: str) -> Any:
    problems = deployment.validate(db.session, key, xml_of(json_object()))
    return jsonify({"ok": not problems, "problems": [deployment.problem_json(p) for p in problems]})


@bp.post("/processes/<key>/deploy")
@require(DESIGN)
def deploy_version(key: str) -> Any:
    body = json_object()
    if body.get("confirm") is not True:
        raise ValidationFailed("请确认发布")
    result = deployment.deploy_process(db.session, key, xml_of(body), str(body.get("comment") or ""), current_user)
    db.session.commit()
    model = result.model
    message = (f"已发布为第 {model.version} 版；运行中的实例仍在原版本上" if result.created
               else f"内容与第 {model.version} 版相同，未生成新版本")
    body = {"created": result.created, "version": model.version, "model_id": model.id, "message": message,
            "older_live": result.older_live, "migration_url": url_for("workflow.migration_plan", model_id=model.id)}
    return jsonify(body), 201 if result.created else 200


def _model(key: str, version: int) -> ProcessModel:
    model = db.session.scalar(select(ProcessModel).where(ProcessModel.key == key, ProcessModel.version == version))
    if model is None:
        raise NotFound(f"流程 {key} 没有第 {version} 版")
    return model


@bp.post("/processes/<key>/compare")
@require(DESIGN)
def compare_draft(key: str) -> Any:
    """The editor's diagram against a published version (the latest by default)."""
    body = json_object()
    against = body.get("version")
    model = _model(key, against) if isinstance(against, int) else deploy.latest(db.session, key)
    if model is None:
        return jsonify({"version": None, "changes": []})
    changes = compare.compare(model.bpmn_xml, xml_of(body), catalog.role_names(db.session))
    return jsonify({"version": model.version, "changes": [
        {"element_id": c.element_id, "kind": c.kind_label, "name": c.name, "change": c.change,
         "change_label": c.change_label, "details": c.details} for c in changes]})


def _xml_for(key: str, which: str) -> tuple[str, str]:
    if which == "draft":
        draft = drafts.get_draft(db.session, DraftKind.BPMN, key)
        if draft is None:
            raise NotFound("没有草稿")
        return draft.xml, "草稿"
    if not which.isdigit():
        raise NotFound("请选择版本")
    return _model(key, int(which)).bpmn_xml, f"第 {which} 版"


@bp.get("/processes/<key>/compare")
@require(DESIGN)
def compare_versions(key: str) -> Any:
    versions = drafts.versions(db.session, key)
    draft = drafts.get_draft(db.session, DraftKind.BPMN, key)
    if not versions:
        raise NotFound(f"流程 {key} 尚未发布，没有可比较的版本")
    default_b = "draft" if draft else str(versions[0].version)
    default_a = str(versions[0].version if draft or len(versions) == 1 else versions[1].version)
    a, b = request.args.get("a", default_a), request.args.get("b", default_b)
    old_xml, old_label = _xml_for(key, a)
    new_xml, new_label = _xml_for(key, b)
    return render_template("designer/compare.html", key=key, versions=versions, draft=draft, a=a, b=b,
                           old_label=old_label, new_label=new_label,
                           changes=compare.compare(old_xml, new_xml, catalog.role_names(db.session)))


@bp.get("/processes/<key>/download")
@require(DESIGN)
def download(key: str) -> Any:
    which = request.args.get("version", "")
    if not which:
        which = "draft" if drafts.get_draft(db.session, DraftKind.BPMN, key) else str(
            drafts.open_process(db.session, key).version)
    xml, _label = _xml_for(key, which)
    suffix = "draft" if which == "draft" else f"v{which}"
    response = Response(xml, mimetype="application/xml")
    response.headers["Content-Disposition"] = f"attachment; filename={key}-{suffix}.bpmn"
    return response


@bp.post("/processes/<key>/upload")
@require(DESIGN)
def upload(key: str) -> Any:
    """Replace this process's draft with an uploaded .bpmn file (its process id must be ``key``)."""
    data = uploads.read_upload(request.files.get("file"), "BPMN")
    if key not in drafts.process_ids(data):
        raise ValidationFailed(f"上传的文件中没有 id 为 {key} 的流程")
    return _store_upload(key, data)
