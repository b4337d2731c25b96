"""Employee screens (用户维护): search and export, detail with level history, create, edit, 升降级, 离职,
unlock, password reset, and role assignment (用户角色维护). Every load goes through the data scope."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Select, select

from app.admin import dictionaries
from app.auth import services as auth_services
from app.auth.models import Role, User, UserStatus
from app.auth.permissions import ADMIN_ROLE, can, require
from app.errors import DomainError, ValidationFailed, refused
from app.exports import xlsx_response
from app.extensions import db
from app.org import scope as data_scope
from app.org import services
from app.org.access import USER_MANAGE, USER_ROLES, USER_VIEW
from app.org.scope import Scope
from forms.base import first_error
from forms.org import LevelChangeForm, ResetPasswordForm, UserCreateForm, UserEditForm, UserRolesForm

bp = Blueprint("users", __name__, url_prefix="/admin/users")

PER_PAGE = 30
STATUS_FILTERS = {"active": "在职", "left": "离职", "all": "全部"}


def _scope(permission: str) -> Scope:
    return data_scope.scope_of(db.session, current_user, permission)


def _load(user_id: int, permission: str) -> User:
    """Load an employee the current user may act on; out of scope looks exactly like missing (404)."""
    # Viewing includes oneself; changing goes by the scope alone (HR maintains others, not their own record).
    owner = "id" if permission == USER_VIEW else None
    return data_scope.get_or_404(db.session, User, user_id, _scope(permission), owner_attr=owner)


def _not_self(user: User, message: str) -> None:
    if user.id == current_user.id:
        raise ValidationFailed(message)


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() else None


def _filtered(scope: Scope) -> Select[Any]:
    status_key = request.args.get("status", "active")
    status = UserStatus(status_key) if status_key in ("active", "left") else None
    return services.user_query(db.session, scope, text=request.args.get("q", ""), org_id=_int_arg("org"),
                               status=status, role_id=_int_arg("role"))


def _org_choices(scope: Scope, include: int | None = None) -> list[tuple[int, str]]:
    allowed = set(data_scope.org_ids(db.session, scope))
    return [(o.id, "　" * o.depth + o.name) for o in services.org_tree(db.session)
            if o.id == include or (o.id in allowed and o.active)]


def _superior_choices(scope: Scope, user: User | None) -> list[tuple[int, str]]:
    stmt = data_scope.apply(select(User), scope, User.org_id).where(User.status == UserStatus.ACTIVE)
    people = [(u.id, f"{u.name}（{u.work_no}）") for u in db.session.scalars(stmt.order_by(User.work_no))
              if user is None or u.id != user.id]
    if user is not None and user.superior is not None and user.superior_id not in {i for i, _ in people}:
        people.insert(0, (user.superior.id, f"{user.superior.name}（{user.superior.work_no}）"))
    return [(0, "（无）")] + people


def _list_context(scope: Scope) -> dict[str, Any]:
    return {
        "page": db.paginate(_filtered(scope), per_page=PER_PAGE, error_out=False),
        "orgs": _org_choices(scope),
        "roles": db.session.scalars(select(Role).order_by(Role.id)).all(),
        "statuses": STATUS_FILTERS,
    }


@bp.get("/")
@require(USER_VIEW)
def index() -> Any:
    return render_template("org/users.html", **_list_context(_scope(USER_VIEW)))


@bp.get("/export")
@require(USER_VIEW)
def export() -> Any:
    headers = ["工号", "用户名", "姓名", "组织", "直属上级", "层级", "级别", "分配权重", "状态", "角色", "手机", "邮箱",
               "最近登录", "创建时间"]
    rows = ((u.work_no, u.username, u.name, u.org.name, u.superior.name if u.superior else "", u.level, u.tier,
             u.weight, u.status.label, "、".join(r.name for r in u.roles), u.phone, u.email, u.last_login_at,
             u.created_at)
            for u in db.session.scalars(_filtered(_scope(USER_VIEW))))
    return xlsx_response("用户", headers, rows)


def _detail(user: User, level_form: LevelChangeForm | None = None,
            password_form: ResetPasswordForm | None = None, open_modal: str = "") -> str:
    if level_form is None:
        level_form = LevelChangeForm(formdata=None, level=user.level, tier=user.tier)
        _level_choices(level_form)
    return render_template("org/user_detail.html", user=user, history=services.level_history(db.session, user),
                           level_form=level_form, password_form=password_form or ResetPasswordForm(formdata=None),
                           open_modal=open_modal, can_manage=can(USER_MANAGE) and _manageable(user),
                           locked_until=auth_services.locked_until(db.session, user))


def _manageable(user: User) -> bool:
    return data_scope.covers(db.session, _scope(USER_MANAGE), user.org_id)


def _level_choices(form: LevelChangeForm) -> None:
    form.level.choices = dictionaries.choices(db.session, dictionaries.USER_LEVEL, blank="请选择层级")
    form.tier.choices = dictionaries.choices(db.session, dictionaries.USER_TIER, blank="请选择级别")


@bp.get("/<int:user_id>")
@require(USER_VIEW)
def detail(user_id: int) -> Any:
    return _detail(_load(user_id, USER_VIEW))


def _user_form_choices(form: UserEditForm, scope: Scope, user: User | None) -> None:
    form.org_id.choices = _org_choices(scope, include=user.org_id if user else None)
    form.superior_id.choices = _superior_choices(scope, user)


@bp.route("/new", methods=["GET", "POST"])
@require(USER_MANAGE)
def create() -> Any:
    scope = _scope(USER_MANAGE)
    form = UserCreateForm()
    _user_form_choices(form, scope, None)
    form.level.choices = dictionaries.choices(db.session, dictionaries.USER_LEVEL, blank="（未定）")
    form.tier.choices = dictionaries.choices(db.session, dictionaries.USER_TIER, blank="（未定）")
    if not form.validate_on_submit():
        if form.is_submitted():
            flash(first_error(form), "danger")
            return render_template("org/user_form.html", form=form, user=None), 422
        return render_template("org/user_form.html", form=form, user=None)
    try:
        user = services.create_user(
            db.session, username=form.username.data or "", work_no=form.work_no.data or "",
            name=form.name.data or "", org_id=form.org_id.data, password=form.password.data or "",
            level=form.level.data or "", tier=form.tier.data or "", weight=form.weight.data or 0,
            superior_id=form.superior_id.data or None, phone=form.phone.data or "", email=form.email.data or "",
            extension=form.extension.data or "",
        )
    except DomainError as exc:
        return refused(exc, "org/user_form.html", form=form, user=None)
    db.session.commit()
    flash(f"已创建用户“{user.name}”，请为其分配角色", "success")
    return redirect(url_for("users.detail", user_id=user.id))


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@require(USER_MANAGE)
def edit(user_id: int) -> Any:
    user = _load(user_id, USER_MANAGE)
    form = UserEditForm(obj=user)
    if request.method == "GET":
        form.superior_id.data = user.superior_id or 0
    _user_form_choices(form, _scope(USER_MANAGE), user)
    if not form.validate_on_submit():
        if form.is_submitted():
            flash(first_error(form), "danger")
            return render_template("org/user_form.html", form=form, user=user), 422
        return render_template("org/user_form.html", form=form, user=user)
    try:
        services.update_user(db.session, user, name=form.name.data or "", org_id=form.org_id.data,
                             superior_id=form.superior_id.data or None, phone=form.phone.data or "",
                             email=form.email.data or "", weight=form.weight.data or 0,
                             extension=form.extension.data or "")
    except DomainError as exc:
        return refused(exc, "org/user_form.html", form=form, user=user)
    db.session.commit()
    flash("用户信息已保存", "success")
    return redirect(url_for("users.detail", user_id=user.id))


@bp.post("/<int:user_id>/level")
@require(USER_MANAGE)
def change_level(user_id: int) -> Any:
    user = _load(user_id, USER_MANAGE)
    form = LevelChangeForm()
    _level_choices(form)
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
        return _detail(user, level_form=form, open_modal="level-modal"), 422
    try:
        _not_self(user, "不能给自己升降级")
        services.change_level(db.session, user, form.level.data or "", form.tier.data or "", form.remark.data or "",
                              current_user)
    except DomainError as exc:
        return refused(exc, lambda: _detail(user, level_form=form, open_modal="level-modal"))
    db.session.commit()
    flash(f"{user.name} 的层级/级别已调整为 {user.level} / {user.tier}", "success")
    return redirect(url_for("users.detail", user_id=user.id))


@bp.post("/<int:user_id>/leave")
@require(USER_MANAGE)
def leave(user_id: int) -> Any:
    user = _load(user_id, USER_MANAGE)
    _not_self(user, "不能将自己设为离职")
    services.mark_left(db.session, user)
    db.session.commit()
    flash(f"{user.name} 已设为离职：登录会话与 API 令牌已失效", "success")
    return redirect(url_for("users.detail", user_id=user.id))


@bp.post("/<int:user_id>/unlock")
@require(USER_MANAGE)
def unlock(user_id: int) -> Any:
    user = _load(user_id, USER_MANAGE)
    services.unlock_user(db.session, user)
    db.session.commit()
    flash(f"{user.name} 的账户已解锁", "success")
    return redirect(url_for("users.detail", user_id=user.id))


@bp.post("/<int:user_id>/password")
@require(USER_MANAGE)
def reset_password(user_id: int) -> Any:
    user = _load(user_id, USER_MANAGE)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
        return _detail(user, password_form=form, open_modal="password-modal"), 422
    try:
        _not_self(user, "请在个人资料页修改自己的密码")
        services.reset_password(db.session, user, form.new_password.data or "")
    except DomainError as exc:
        return refused(exc, lambda: _detail(user, password_form=form, open_modal="password-modal"))
    db.session.commit()
    flash(f"已重置 {user.name} 的密码，其已登录的会话全部退出", "success")
    return redirect(url_for("users.detail", user_id=user.id))


# --- 用户角色维护 -------------------------------------------------------------------------------------------


@bp.get("/roles")
@require(USER_ROLES)
def role_list() -> Any:
    return render_template("org/user_role_list.html", **_list_context(_scope(USER_ROLES)))


@bp.route("/<int:user_id>/roles", methods=["GET", "POST"])
@require(USER_ROLES)
def roles(user_id: int) -> Any:
    user = _load(user_id, USER_ROLES)
    all_roles = db.session.scalars(select(Role).order_by(Role.builtin.desc(), Role.id)).all()
    form = UserRolesForm(data={"roles": [r.id for r in user.roles]} if request.method == "GET" else None)
    form.roles.choices = [(r.id, r.name) for r in all_roles]
    if not form.validate_on_submit():
        status = 200
        if form.is_submitted():
            flash(first_error(form), "danger")
            status = 422
        return render_template("org/user_roles.html", user=user, form=form, all_roles=all_roles), status
    try:
        _not_self(user, "不能修改自己的角色，请由其他管理员操作")
        changed = services.assign_roles(db.session, user, form.roles.data or [],
                                        by_admin=ADMIN_ROLE in current_user.role_codes)
    except DomainError as exc:
        return refused(exc, "org/user_roles.html", user=user, form=form, all_roles=all_roles)
    db.session.commit()
    flash(f"{user.name} 的角色已保存" if changed else "角色没有变化", "success" if changed else "info")
    return redirect(url_for("users.roles", user_id=user.id))
