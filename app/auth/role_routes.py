"""Role and permission screens (角色维护, 权限维护)."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import select

from app.auth import role_services as services
from app.auth.access import PERMISSION_MANAGE, ROLE_MANAGE
from app.auth.models import DataScope, Permission, Role
from app.auth.permissions import ADMIN_ROLE, require
from app.errors import DomainError, ValidationFailed, refused
from app.extensions import db
from forms.auth import PermissionForm, RoleForm
from forms.base import first_error

bp = Blueprint("roles", __name__, url_prefix="/admin")


def _all_permissions() -> list[Permission]:
    return list(db.session.scalars(select(Permission)))


def _grouped(permissions: list[Permission]) -> list[tuple[str, list[Permission]]]:
    """Permissions by section, menus before actions, for checkboxes and the permission list."""
    ordered = sorted(permissions, key=lambda p: (p.section or "其他", p.kind != "menu", p.code))
    return [(section, list(items)) for section, items in groupby(ordered, key=lambda p: p.section or "其他")]


def _role_page(form: RoleForm, role: Role | None, status: int = 200) -> Any:
    permissions = _all_permissions()
    return render_template("auth/role_form.html", form=form, role=role, groups=_grouped(permissions),
                           chosen=set(form.permissions.data or []), admin_role=ADMIN_ROLE), status


def _role_form(role: Role | None, from_request: bool) -> RoleForm:
    if from_request:
        form = RoleForm()
    elif role is None:
        form = RoleForm(formdata=None)
    else:
        form = RoleForm(formdata=None, code=role.code, name=role.name, description=role.description,
                        data_scope=role.data_scope.value, permissions=[p.id for p in role.permissions])
    form.permissions.choices = [(p.id, p.name) for p in _all_permissions()]
    return form


@bp.get("/roles/")
@require(ROLE_MANAGE)
def index() -> Any:
    roles = db.session.scalars(select(Role).order_by(Role.builtin.desc(), Role.id)).all()
    return render_template("auth/roles.html", roles=roles, holders=services.holder_counts(db.session),
                           admin_role=ADMIN_ROLE)


@bp.route("/roles/new", methods=["GET", "POST"])
@require(ROLE_MANAGE)
def create() -> Any:
    form = _role_form(None, from_request=True)
    if not form.is_submitted():
        return _role_page(_role_form(None, from_request=False), None)
    if not form.validate():
        flash(first_error(form), "danger")
        return _role_page(form, None, 422)
    try:
        role = services.create_role(db.session, code=form.code.data or "", name=form.name.data or "",
                                    description=form.description.data or "", data_scope=DataScope(form.data_scope.data),
                                    permission_ids=form.permissions.data or [])
    except DomainError as exc:
        return refused(exc, lambda: _role_page(form, None))
    db.session.commit()
    flash(f"已创建角色“{role.name}”", "success")
    return redirect(url_for("roles.index"))


@bp.route("/roles/<int:role_id>", methods=["GET", "POST"])
@require(ROLE_MANAGE)
def edit(role_id: int) -> Any:
    role = services.get_role(db.session, role_id)
    form = _role_form(role, from_request=True)
    if not form.is_submitted():
        return _role_page(_role_form(role, from_request=False), role)
    if not form.validate():
        flash(first_error(form), "danger")
        return _role_page(form, role, 422)
    try:
        services.update_role(db.session, role, name=form.name.data or "", description=form.description.data or "",
                             data_scope=DataScope(form.data_scope.data), permission_ids=form.permissions.data or [])
    except DomainError as exc:
        return refused(exc, lambda: _role_page(form, services.get_role(db.session, role_id)))
    db.session.commit()
    flash(f"角色“{role.name}”已保存", "success")
    return redirect(url_for("roles.index"))


@bp.post("/roles/<int:role_id>/delete")
@require(ROLE_MANAGE)
def delete(role_id: int) -> Any:
    role = services.get_role(db.session, role_id)
    name = role.name
    services.delete_role(db.session, role)
    db.session.commit()
    flash(f"已删除角色“{name}”", "success")
    return redirect(url_for("roles.index"))


# --- 权限维护 -----------------------------------------------------------------------------------------------


def _permission_page(form: PermissionForm, status: int = 200) -> Any:
    permissions = _all_permissions()
    sections = sorted({p.section for p in permissions if p.section})
    return render_template("auth/permissions.html", groups=_grouped(permissions), form=form, sections=sections,
                           granted=services.grant_counts(db.session), kinds=services.PERMISSION_KINDS), status


@bp.get("/permissions/")
@require(PERMISSION_MANAGE)
def permissions() -> Any:
    return _permission_page(PermissionForm(formdata=None))


@bp.post("/permissions/")
@require(PERMISSION_MANAGE)
def create_permission() -> Any:
    form = PermissionForm()
    if not form.validate():
        flash(first_error(form), "danger")
        return _permission_page(form, 422)
    try:
        permission = services.create_permission(db.session, code=form.code.data or "", name=form.name.data or "",
                                                kind=form.kind.data or "", section=form.section.data or "",
                                                description=form.description.data or "")
    except DomainError as exc:
        return refused(exc, lambda: _permission_page(form))
    db.session.commit()
    flash(f"已新增权限“{permission.name}”（{permission.code}），可在角色维护中授予", "success")
    return redirect(url_for("roles.permissions"))


@bp.post("/permissions/<int:permission_id>")
@require(PERMISSION_MANAGE)
def update_permission(permission_id: int) -> Any:
    permission = services.get_permission(db.session, permission_id)
    form = PermissionForm()
    if not form.validate():
        raise ValidationFailed(first_error(form))
    services.update_permission(db.session, permission, name=form.name.data or "", section=form.section.data or "",
                               description=form.description.data or "")
    db.session.commit()
    flash(f"权限“{permission.name}”已保存", "success")
    return redirect(url_for("roles.permissions"))


@bp.post("/permissions/<int:permission_id>/delete")
@require(PERMISSION_MANAGE)
def delete_permission(permission_id: int) -> Any:
    permission = services.get_permission(db.session, permission_id)
    name = permission.name
    services.delete_permission(db.session, permission)
    db.session.commit()
    flash(f"已删除权限“{name}”", "success")
    return redirect(url_for("roles.permissions"))
