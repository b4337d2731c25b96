"""网点信息查询 (every employee) and 网点维护 (administrators)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.auth.permissions import require
from app.errors import DomainError, refused
from app.extensions import db
from app.oa import branches as services
from app.oa.access import BRANCH_MANAGE, BRANCHES
from app.oa.models import Branch
from forms.base import first_error
from forms.oa import BranchForm

bp = Blueprint("branches", __name__, url_prefix="/oa/branches")


@bp.get("/")
@require(BRANCHES)
def search() -> Any:
    stmt = services.search(request.args.get("q", "").strip(), request.args.get("city", ""))
    page = db.paginate(stmt, per_page=30, error_out=False)
    return render_template("oa/branches.html", page=page, cities=services.cities(db.session), manage=False)


@bp.get("/<int:branch_id>")
@require(BRANCHES)
def detail(branch_id: int) -> Any:
    return render_template("oa/branch_detail.html", branch=services.get(db.session, branch_id))


@bp.get("/manage")
@require(BRANCH_MANAGE)
def manage() -> Any:
    stmt = services.search(request.args.get("q", "").strip(), request.args.get("city", ""), include_inactive=True)
    page = db.paginate(stmt, per_page=30, error_out=False)
    return render_template("oa/branches.html", page=page, cities=services.cities(db.session), manage=True)


def _form(branch: Branch | None) -> BranchForm:
    form = BranchForm(obj=branch)
    form.org_id.choices = [(0, "（不指定）")] + [(o.id, o.name) for o in services.branch_orgs(db.session)]
    if branch is not None and request.method == "GET":
        form.org_id.data = branch.org_id or 0
    return form


def _save(branch: Branch | None) -> Any:
    form = _form(branch)
    if request.method == "GET":
        return render_template("oa/branch_form.html", form=form, branch=branch)
    if not form.validate():
        flash(first_error(form), "danger")
        return render_template("oa/branch_form.html", form=form, branch=branch), 422
    values = {name: getattr(form, name).data for name in services.FIELDS} | {"org_id": form.org_id.data or None}
    try:
        if branch is None:
            branch = services.create(db.session, values)
        else:
            services.update(db.session, branch, values)
    except DomainError as exc:
        return refused(exc, "oa/branch_form.html", form=form, branch=branch)
    db.session.commit()
    flash(f"网点“{branch.name}”已保存", "success")
    return redirect(url_for("branches.manage"))


@bp.route("/manage/new", methods=["GET", "POST"])
@require(BRANCH_MANAGE)
def create() -> Any:
    return _save(None)


@bp.route("/manage/<int:branch_id>/edit", methods=["GET", "POST"])
@require(BRANCH_MANAGE)
def edit(branch_id: int) -> Any:
    return _save(services.get(db.session, branch_id, include_inactive=True))


@bp.post("/manage/<int:branch_id>/active")
@require(BRANCH_MANAGE)
def toggle(branch_id: int) -> Any:
    branch = services.get(db.session, branch_id, include_inactive=True)
    services.set_active(db.session, branch, not branch.active)
    db.session.commit()
    flash(f"网点“{branch.name}”已" + ("恢复营业" if branch.active else "停用"), "success")
    return redirect(url_for("branches.manage"))
