"""Log query screen (日志查询) with filters and export."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import Blueprint, render_template, request
from sqlalchemy import Select, or_, select

from app import clock, labels
from app.audit import fields, names
from app.audit.access import AUDIT_VIEW
from app.audit.models import AuditLog
from app.auth.models import User
from app.auth.permissions import require
from app.exports import EXPORT_CAP, capped, xlsx_response
from app.extensions import db
from app.pagination import keyset_page

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _parse_day(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        return None
    return datetime.combine(day, time.min, tzinfo=clock.SHANGHAI)


def _filtered() -> Select[Any]:
    stmt = select(AuditLog)
    args = request.args
    if actor := args.get("actor", "").strip():
        stmt = stmt.where(AuditLog.actor_name.contains(actor, autoescape=True))
    if action := args.get("action", "").strip():  # typed in Chinese (登录) or as the code
        stmt = stmt.where(AuditLog.action.in_(labels.codes_for("audit_action", action))
                          | AuditLog.action.contains(action, autoescape=True))
    if object_type := args.get("object_type", "").strip():
        stmt = stmt.where(AuditLog.object_type == object_type)
    if object_id := args.get("object_id", "").strip():
        stmt = stmt.where(AuditLog.object_id == object_id)
    if text := args.get("q", "").strip():
        stmt = stmt.where(or_(AuditLog.summary.contains(text, autoescape=True),
                              AuditLog.ip.contains(text, autoescape=True)))
    if start := _parse_day(args.get("start")):
        stmt = stmt.where(AuditLog.at >= start)
    if end := _parse_day(args.get("end")):
        stmt = stmt.where(AuditLog.at < end + timedelta(days=1))
    return stmt.order_by(AuditLog.id.desc())


@bp.get("/")
@require(AUDIT_VIEW)
def log() -> Any:
    page = keyset_page(_filtered(), (AuditLog.id.desc(),), 50, walk_index="rowid")
    # The choices are the labelled object types: ``SELECT DISTINCT object_type`` read a million rows on
    # PostgreSQL (about 200 ms a page, issue 16); an unlabelled type chosen by URL stays selectable.
    object_types = sorted(names.OBJECT_TYPE_LABELS, key=names.OBJECT_TYPE_LABELS.__getitem__)
    if (chosen := request.args.get("object_type", "").strip()) and chosen not in names.OBJECT_TYPE_LABELS:
        object_types.append(chosen)
    return render_template("audit/log.html", page=page, object_types=object_types,
                           actors=_login_actors(page.items), column_label=fields.column_label)


def _login_actors(rows: list[AuditLog]) -> dict[int, str]:
    """Who logged in, for login rows written before a login's actor was its user (then shown as 匿名)."""
    user_ids = {int(r.object_id) for r in rows if r.action == names.LOGIN and r.actor_id is None
                and r.object_type == User.__tablename__ and r.object_id.isdigit()}
    if not user_ids:
        return {}
    users = {u.id: u.name for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
    return {r.id: users[int(r.object_id)] for r in rows if r.action == names.LOGIN and r.actor_id is None
            and r.object_id.isdigit() and int(r.object_id) in users}


@bp.get("/export")
@require(AUDIT_VIEW)
def export() -> Any:
    rows = (
        (r.at, r.actor_name, labels.label(r.action, "audit_action"), labels.label(r.object_type, "audit_object"),
         r.object_id, r.summary, r.ip,
         fields.described(r.object_type, r.before), fields.described(r.object_type, r.after))
        for r in db.session.scalars(_filtered().limit(EXPORT_CAP + 1))
    )
    headers = ["时间", "操作人", "动作", "对象类型", "对象编号", "摘要", "IP", "修改前", "修改后"]
    return xlsx_response("日志", headers, capped(rows))
