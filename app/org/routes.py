"""Org tree screen: create, rename, move, disable."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for

from app.auth.permissions import require
from app.errors import ValidationFailed
from app.extensions import db
from app.org import services
from app.org.access import ORG_MANAGE
from app.org.models import Org, OrgKind
from forms.base import first_error
from forms.org import MoveOrgForm, OrgForm, RenameOrgForm

bp = Blueprint("org", __name__, url_prefix="/org")


def _parent_choices(orgs: list[Org]) -> list[tuple[int, str]]:
    return [(o.id, "　" * o.depth + o.name) for o in orgs if o.active]


@bp.get("/")
@require(ORG_MANAGE)
def tree() -> Any:
    orgs = services.org_tree(db.session)
    form = OrgForm()
    form.parent_id.choices = [(0, "（无，顶级）")] + _parent_choices(orgs)
    move_form = MoveOrgForm()
    move_form.parent_id.choices = _parent_choices(orgs)
    return render_template("org/tree.html", orgs=orgs, form=form, rename_form=RenameOrgForm(), move_form=move_form)


@bp.post("/")
@require(ORG_MANAGE)
def create() -> Any:
    form = OrgForm()
    form.parent_id.choices = [(0, "")] + [(o.id, o.name) for o in services.org_tree(db.session)]
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    org = services.create_org(db.session, form.name.data or "", form.code.data or "", OrgKind(form.kind.data),
                              form.parent_id.data or None, form.sort.data or 0)
    db.session.commit()
    flash(f"已创建组织“{org.name}”", "success")
    return redirect(url_for("org.tree"))


@bp.post("/<int:org_id>/rename")
@require(ORG_MANAGE)
def rename(org_id: int) -> Any:
    form = RenameOrgForm()
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    org = services.get_org(db.session, org_id)
    services.rename_org(db.session, org, form.name.data or "")
    db.session.commit()
    flash("组织已改名", "success")
    return redirect(url_for("org.tree"))


@bp.post("/<int:org_id>/move")
@require(ORG_MANAGE)
def move(org_id: int) -> Any:
    form = MoveOrgForm()
    form.parent_id.choices = [(o.id, o.name) for o in services.org_tree(db.session)]
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    org = services.get_org(db.session, org_id)
    services.move_org(db.session, org, form.parent_id.data)
    db.session.commit()
    flash("组织已移动", "success")
    return redirect(url_for("org.tree"))


@bp.post("/<int:org_id>/disable")
@require(ORG_MANAGE)
def disable(org_id: int) -> Any:
    services.set_org_active(db.session, services.get_org(db.session, org_id), False)
    db.session.commit()
    flash("组织已停用", "success")
    return redirect(url_for("org.tree"))


@bp.post("/<int:org_id>/enable")
@require(ORG_MANAGE)
def enable(org_id: int) -> Any:
    services.set_org_active(db.session, services.get_org(db.session, org_id), True)
    db.session.commit()
    flash("组织已启用", "success")
    return redirect(url_for("org.tree"))
