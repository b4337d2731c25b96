"""System parameters (系统参数维护) and 刷新系统缓存."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from app.admin import params
from app.admin.access import PARAMS_MANAGE
from app.admin.models import SystemParameter
from app.audit import services as audit
from app.auth.permissions import require
from app.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/params")
@require(PARAMS_MANAGE)
def params_list() -> Any:
    rows = db.session.scalars(select(SystemParameter).order_by(SystemParameter.section, SystemParameter.key)).all()
    return render_template("admin/params.html", rows=rows)


@bp.post("/params/<key>")
@require(PARAMS_MANAGE)
def params_update(key: str) -> Any:
    param = params.set_value(db.session, key, request.form.get("value", ""))
    db.session.commit()
    flash(f"参数“{param.label}”已保存", "success")
    return redirect(url_for("admin.params_list"))


@bp.post("/params/refresh-cache")
@require(PARAMS_MANAGE)
def refresh_cache() -> Any:
    params.bump_generation(db.session)
    audit.record(db.session, "system.refresh_cache", summary="刷新系统缓存")
    db.session.commit()
    flash("系统缓存已刷新，所有进程将在 30 秒内载入最新参数", "success")
    return redirect(url_for("admin.params_list"))
