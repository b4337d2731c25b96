"""合并客户信息 screens: suggested duplicate groups, preview of what moves, merge and batch merge."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import require
from app.customers import merge, services
from app.customers.access import CUSTOMERS_MERGE
from app.errors import ValidationFailed
from app.extensions import db

bp = Blueprint("customer_merge", __name__, url_prefix="/customers/merge")


def _scope() -> Any:
    return services.customer_scope(db.session, current_user, CUSTOMERS_MERGE)


def _ids(values: list[str]) -> list[int]:
    ids = []
    for value in values:
        for part in value.replace("，", ",").split(","):
            part = part.strip()
            if part.isdigit():
                ids.append(int(part))
            elif part:
                found = services.resolve_number(db.session, part)
                if found is None:
                    raise ValidationFailed(f"客户编号 {part} 不存在")
                ids.append(found)
    return ids


@bp.get("/")
@require(CUSTOMERS_MERGE)
def index() -> Any:
    groups = merge.duplicate_groups(db.session, _scope())
    return render_template("customers/merge.html", groups=groups)


@bp.get("/preview")
@require(CUSTOMERS_MERGE)
def preview() -> Any:
    survivor = _ids(request.args.getlist("survivor"))
    merged = _ids(request.args.getlist("merged")) + _ids(request.args.getlist("customer_id"))
    if not survivor:
        # From the list's 合并所选: keep the customer a seat serves, else the furthest along, else the oldest.
        if len(set(merged)) < 2:
            raise ValidationFailed("请至少勾选两个要合并的客户")
        chosen = [services.get_customer(db.session, _scope(), cid) for cid in sorted(set(merged))]
        survivor = [merge.DuplicateGroup("", chosen).suggested_survivor.id]
    if len(survivor) != 1:
        raise ValidationFailed("请指定一个保留的客户")
    plan = merge.plan_merge(db.session, _scope(), survivor[0], merged)
    return render_template("customers/merge_preview.html", plan=plan)


@bp.post("/")
@require(CUSTOMERS_MERGE)
def execute() -> Any:
    survivor = _ids(request.form.getlist("survivor"))
    if len(survivor) != 1:
        raise ValidationFailed("请指定一个保留的客户")
    plan = merge.plan_merge(db.session, _scope(), survivor[0], _ids(request.form.getlist("merged")))
    kept = merge.merge(db.session, current_user.id, plan)
    db.session.commit()
    flash(f"已将 {len(plan.merged)} 个客户并入 {kept.number}（{kept.name}）", "success")
    return redirect(url_for("customers.detail", customer_id=kept.id))


@bp.post("/batch")
@require(CUSTOMERS_MERGE)
def batch() -> Any:
    """Merge every ticked suggested group into its chosen survivor; all groups or none."""
    groups: list[tuple[int, list[int]]] = []
    for key in request.form.getlist("group"):
        survivor = request.form.get(f"survivor_{key}", "")
        members = _ids(request.form.getlist(f"members_{key}"))
        if not survivor.isdigit():
            raise ValidationFailed("每个合并组都要选择保留的客户")
        groups.append((int(survivor), [m for m in members if m != int(survivor)]))
    kept = merge.batch_merge(db.session, current_user.id, _scope(), groups)
    db.session.commit()
    flash(f"批量合并完成：{len(kept)} 组客户已合并", "success")
    return redirect(url_for("customer_merge.index"))
