"""流程设计 screens for DMN decision tables (规则表): a new table, the dmn-js editor and its actions
(draft, validate, publish), download and upload."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import require
from app.designer import deployment, drafts, rule_tables, uploads
from app.designer.access import DESIGN
from app.designer.models import DraftKind
from app.designer.routes import xml_of
from app.errors import ValidationFailed
from app.extensions import db
from app.inputs import json_object
from app.workflow import deploy, dmn_tables
from forms.base import first_error
from forms.designer import NewTableForm

bp = Blueprint("designer_rules", __name__, url_prefix="/designer/rules")


def _exists(key: str) -> bool:
    return (dmn_tables.published_xml(db.session, key) is not None
            or drafts.get_draft(db.session, DraftKind.DMN, key) is not None)


@bp.route("/new", methods=["GET", "POST"])
@require(DESIGN)
def new() -> Any:
    form = NewTableForm()
    if form.validate_on_submit():
        key = (form.key.data or "").strip()
        if not drafts.KEY_PATTERN.match(key):
            flash("规则表标识须以字母或下划线开头，只含字母、数字、下划线，2–100 个字符", "danger")
        elif _exists(key):
            flash(f"规则表 {key} 已存在", "danger")
        else:
            drafts.save_draft(db.session, DraftKind.DMN, key, drafts.new_table_xml(key, form.name.data or key),
                              current_user)
            db.session.commit()
            return redirect(url_for("designer_rules.editor", key=key))
    elif form.is_submitted():
        flash(first_error(form), "danger")
    return render_template("designer/new_table.html", form=form)


@bp.get("/<key>")
@require(DESIGN)
def editor(key: str) -> Any:
    document = rule_tables.open_table(db.session, key)
    current = dmn_tables.latest(db.session, key)
    config = {"key": key, "kind": "dmn", "source": document.source, "version": document.version,
              "latest_version": current.version if current else None,
              "urls": {"document": url_for("designer_rules.document", key=key),
                       "draft": url_for("designer_rules.save_draft", key=key),
                       "validate": url_for("designer_rules.validate", key=key),
                       "deploy": url_for("designer_rules.publish", key=key)}}
    return render_template("designer/dmn_editor.html", key=key, document=document, config=config,
                           draft=drafts.get_draft(db.session, DraftKind.DMN, key))


@bp.get("/<key>/document.json")
@require(DESIGN)
def document(key: str) -> Any:
    doc = rule_tables.open_table(db.session, key)
    return jsonify({"key": key, "xml": doc.xml, "source": doc.source, "version": doc.version, "label": doc.label,
                    "problems": []})


@bp.post("/<key>/draft")
@require(DESIGN)
def save_draft(key: str) -> Any:
    current = dmn_tables.latest(db.session, key)
    draft = drafts.save_draft(db.session, DraftKind.DMN, key, xml_of(json_object()), current_user,
                              base_version=current.version if current else None)
    db.session.commit()
    return jsonify({"saved": True, "updated_at": draft.updated_at.isoformat(), "message": "草稿已保存"})


@bp.post("/<key>/draft/discard")
@require(DESIGN)
def discard_draft(key: str) -> Any:
    drafts.discard_draft(db.session, DraftKind.DMN, key)
    db.session.commit()
    flash("草稿已放弃", "info")
    if dmn_tables.published_xml(db.session, key) is None:
        return redirect(url_for("designer.index"))
    return redirect(url_for("designer_rules.editor", key=key))


@bp.post("/<key>/validate")
@require(DESIGN)
def validate(key: str) -> Any:
    problems = rule_tables.validate(xml_of(json_object()))
    return jsonify({"ok": not problems, "problems": [deployment.problem_json(p) for p in problems]})


@bp.post("/<key>/publish")
@require(DESIGN)
def publish(key: str) -> Any:
    body = json_object()
    if body.get("confirm") is not True:
        raise ValidationFailed("请确认发布")
    result = rule_tables.publish(db.session, key, deploy.as_text(xml_of(body)), str(body.get("comment") or ""),
                                 current_user)
    db.session.commit()
    table = result.table
    if not result.created:
        message = f"内容与第 {table.version} 版相同，未生成新版本"
    else:
        redeployed = "、".join(f"{m.name} 第 {m.version} 版" for m in result.redeployed)
        message = f"已发布为第 {table.version} 版" + (f"；已随之发布：{redeployed}" if redeployed else "")
    return jsonify({"created": result.created, "version": table.version, "message": message,
                    "redeployed": [{"key": m.key, "version": m.version} for m in result.redeployed]}), \
        201 if result.created else 200


@bp.get("/<key>/download")
@require(DESIGN)
def download(key: str) -> Any:
    doc = rule_tables.open_table(db.session, key)
    response = Response(doc.xml, mimetype="application/xml")
    response.headers["Content-Disposition"] = f"attachment; filename={key}.dmn"
    return response


@bp.post("/<key>/upload")
@require(DESIGN)
def upload(key: str) -> Any:
    """Replace this table's draft with an uploaded .dmn file."""
    data = uploads.read_upload(request.files.get("file"), "DMN")
    drafts.save_draft(db.session, DraftKind.DMN, key, data, current_user)
    problems = rule_tables.validate(data)
    db.session.commit()
    if problems:
        flash(f"已上传为草稿，但有 {len(problems)} 个问题需要修改后才能发布", "warning")
    else:
        flash("已上传为草稿，校验通过", "success")
    return redirect(url_for("designer_rules.editor", key=key))
