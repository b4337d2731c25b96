"""Pool screens: 公共信息池 (extract), 个人信息池, 部门信息池 and 城市经理公共池 (assign, release),
标红客户处理, 回收预览; the pool-history section of 客户 360 and the "due for recycle" home panel."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from app import clock
from app.auth.permissions import can, require
from app.customers import exports as customer_exports
from app.customers import links, sections
from app.customers import routes as customer_screens
from app.customers import services as customer_services
from app.customers.access import CUSTOMERS_EXPORT
from app.customers.models import Customer, Pool
from app.database import DbSession
from app.errors import NotFound, ValidationFailed
from app.exports import EXPORT_CAP, capped, xlsx_response
from app.extensions import db
from app.home import panels
from app.org import scope as data_scope
from app.pagination import Page, page_number
from app.pools import recycle, services
from app.pools.access import (
    POOLS_ASSIGN,
    POOLS_CITY,
    POOLS_DEPARTMENT,
    POOLS_EXTRACT,
    POOLS_PERSONAL,
    POOLS_PUBLIC,
    POOLS_RECYCLE,
    POOLS_RED_FLAG,
)
from app.pools.models import MoveReason, PoolHistory, RedFlagApplication
from forms.base import first_error
from forms.pools import ApplicationForm, RedFlagForm

bp = Blueprint("pools", __name__, url_prefix="/pools")

links.register("流转记录", PoolHistory.__table__.c.customer_id)
links.register("标红申请", RedFlagApplication.__table__.c.customer_id)
POOL_ORDER_INDEX = "ix_customer_pool_changed"  # (pool, pool_changed_at): the pool lists' order


def row_page(stmt: Select[Any], per_page: int = 50) -> Page:
    page = page_number()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.execute(stmt.options(selectinload(Customer.phones), selectinload(Customer.service_seat))
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(rows), page, per_page, int(total))


def _scope(permission: str) -> data_scope.Scope:
    return data_scope.scope_of(db.session, current_user, permission)


def _ids() -> list[int]:
    return [int(v) for v in request.form.getlist("customer_id") if v.isdigit()]


def _searched(stmt: Select[Any]) -> Select[Any]:
    return customer_services.filter_customers(stmt, customer_screens.filter_from_args())


# --- 客户 360 section and home panel -----------------------------------------------------------------


def _pool_section(session: DbSession, customer: Customer) -> dict[str, Any]:
    settings = recycle.RecycleSettings.load(session)
    return {"moves": services.history_of(session, customer.id), "red_flag_form": RedFlagForm(),
            "settings": settings, "can_flag": can(POOLS_RED_FLAG)}


sections.add("pool_history", "数据池与流转记录", "pools/_section_history.html", _pool_section, order=30)


def _due_panel() -> dict[str, Any]:
    days = recycle.remind_days(db.session)
    stmt = recycle.due_soon_query(services.personal_pool(current_user.id), recycle.RecycleSettings.load(db.session),
                                  clock.now(), days)
    rows = [(c, MoveReason(reason)) for c, reason in db.session.execute(stmt.limit(8))]
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    return {"due_rows": rows, "due_total": total, "days": days, "settings": recycle.RecycleSettings.load(db.session)}


panels.add("即将回收的客户", "pools/_panel_due.html", _due_panel, permission=POOLS_PERSONAL, order=20)


# --- 公共信息池 -------------------------------------------------------------------------------------


@bp.get("/public")
@require(POOLS_PUBLIC)
def public() -> Any:
    page = customer_screens.keyset(_searched(services.public_pool(db.session, current_user)),
                                   Customer.pool_changed_at, Customer.id, walk_index=POOL_ORDER_INDEX)
    room = services.room_of(db.session, current_user) if can(POOLS_EXTRACT) else None
    return render_template("pools/public.html", page=page, room=room, filters=customer_screens.filter_from_args(),
                           **customer_screens.list_context(page.items))


@bp.post("/public/extract")
@require(POOLS_EXTRACT)
def extract() -> Any:
    result = services.extract(db.session, current_user, _ids())
    db.session.commit()
    flash(result.message("提取"), "success" if result.moved else "warning")
    if len(result.moved) == 1:
        return redirect(url_for("customers.detail", customer_id=result.moved[0]))
    return redirect(url_for("pools.public"))


@bp.post("/public/next")
@require(POOLS_EXTRACT)
def take_next() -> Any:
    customer_id = services.take_next(db.session, current_user)
    db.session.commit()
    if customer_id is None:
        flash("公共信息池中暂时没有可提取的客户", "info")
        return redirect(url_for("pools.public"))
    flash("已提取 1 个客户", "success")
    return redirect(url_for("customers.detail", customer_id=customer_id))


# --- 个人信息池 -------------------------------------------------------------------------------------


@bp.get("/personal")
@require(POOLS_PERSONAL)
def personal() -> Any:
    settings = recycle.RecycleSettings.load(db.session)
    stmt = _searched(services.personal_pool(current_user.id)).order_by(Customer.assigned_at.desc().nullslast(),
                                                                       Customer.id.desc())
    page = customer_screens.paginate(stmt)
    days = recycle.remind_days(db.session)
    due = [(c, MoveReason(reason)) for c, reason in db.session.execute(
        recycle.due_soon_query(services.personal_pool(current_user.id), settings, clock.now(), days).limit(50))]
    lost = db.session.scalars(services.lost_red_flags(current_user.id).order_by(Customer.pool_changed_at.desc())
                              ).all()
    limit = services.application_limit(db.session)
    used = services.applications_this_month(db.session, current_user.id)
    pending = {a.customer_id for a in services.recent_applications(db.session, current_user.id)
               if a.status.value == "pending"}
    return render_template("pools/personal.html", page=page, due=due, days=days, settings=settings, lost=lost,
                           chances_left=max(0, limit - used), chances=limit, pending=pending,
                           applications=services.recent_applications(db.session, current_user.id),
                           application_form=ApplicationForm(), room=services.room_of(db.session, current_user),
                           filters=customer_screens.filter_from_args(), **customer_screens.list_context(page.items))


@bp.post("/personal/give-up")
@require(POOLS_PERSONAL)
def give_up() -> Any:
    result = services.give_up(db.session, current_user, _ids())
    db.session.commit()
    flash(result.message("放回公共信息池"), "success" if result.moved else "warning")
    return redirect(url_for("pools.personal"))


@bp.post("/red-flags/<int:customer_id>/apply")
@require(POOLS_PERSONAL)
def apply(customer_id: int) -> Any:
    form = ApplicationForm()
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    services.apply_for_return(db.session, current_user, customer_id, form.reason.data or "")
    db.session.commit()
    flash("申请已提交，等待部门主管处理", "success")
    return redirect(url_for("pools.personal") + "#red-flags")


# --- 部门信息池 / 城市经理公共池 -------------------------------------------------------------------------

MANAGED_POOLS = {
    "department": (Pool.DEPARTMENT, POOLS_DEPARTMENT, "部门信息池",
                   "您管理的组织下、尚未分配坐席的客户（含导入的客户）。可分配给坐席，或放入公共信息池。"),
    "city": (Pool.CITY, POOLS_CITY, "城市经理公共池",
             "多次被回收（业务员过期）的客户，只有城市经理可以查看和处理：分配给坐席、退回部门信息池或放入公共信息池。"),
}


def _managed(key: str) -> tuple[Pool, str, str, str]:
    if key not in MANAGED_POOLS:
        abort(404)
    pool, permission, title, hint = MANAGED_POOLS[key]
    if not can(permission):
        abort(403)
    return pool, permission, title, hint


def _managed_page(key: str) -> Any:
    pool, permission, title, hint = _managed(key)
    sc = _scope(permission)
    page = customer_screens.keyset(_searched(services.scoped_pool(pool, sc)), Customer.pool_changed_at.desc(),
                                   Customer.id.desc(), walk_index=POOL_ORDER_INDEX)
    return render_template("pools/managed.html", key=key, pool=pool, title=title, hint=hint, page=page,
                           seats=customer_services.seat_choices(db.session, _scope(POOLS_ASSIGN))
                           if can(POOLS_ASSIGN) else [],
                           filters=customer_screens.filter_from_args(), **customer_screens.list_context(page.items))


@bp.get("/department")
@require(POOLS_DEPARTMENT)
def department() -> Any:
    return _managed_page("department")


@bp.get("/city")
@require(POOLS_CITY)
def city() -> Any:
    return _managed_page("city")


@bp.get("/<key>/export")
@require(CUSTOMERS_EXPORT)
def export(key: str) -> Any:
    """Export a pool list as the user sees it (public pool phones stay masked: app.customers.visibility)."""
    if key == "public" and can(POOLS_PUBLIC):
        stmt = _searched(services.public_pool(db.session, current_user))
        return xlsx_response("公共信息池", customer_exports.EXPORT_HEADERS,
                             customer_exports.export_rows(db.session, stmt.order_by(Customer.id)))
    if key == "personal" and can(POOLS_PERSONAL):
        stmt = _searched(services.personal_pool(current_user.id))
        return xlsx_response("个人信息池", customer_exports.EXPORT_HEADERS,
                             customer_exports.export_rows(db.session, stmt.order_by(Customer.id)))
    pool, permission, title, _hint = _managed(key)
    stmt = _searched(services.scoped_pool(pool, _scope(permission)))
    return xlsx_response(title, customer_exports.EXPORT_HEADERS,
                         customer_exports.export_rows(db.session, stmt.order_by(Customer.id)))


def _allowed_pools() -> list[Pool]:
    """The unassigned pools this user may take customers out of."""
    allowed = [Pool.PUBLIC]
    if can(POOLS_DEPARTMENT):
        allowed.append(Pool.DEPARTMENT)
    if can(POOLS_CITY):
        allowed.append(Pool.CITY)
    if can(POOLS_RED_FLAG):
        allowed.append(Pool.HEAD)
    return allowed


@bp.post("/assign")
@require(POOLS_ASSIGN)
def assign() -> Any:
    seat = request.form.get("seat_id", "")
    if not seat.isdigit():
        raise ValidationFailed("请选择要分配的坐席")
    result = services.assign(db.session, current_user, _scope(POOLS_ASSIGN), _ids(), int(seat), _allowed_pools())
    db.session.commit()
    flash(result.message("分配"), "success" if result.moved else "warning")
    return redirect(request.referrer or url_for("pools.department"))


@bp.post("/release")
@require(POOLS_ASSIGN)
def release() -> Any:
    target = request.form.get("to", Pool.PUBLIC.value)
    if target not in (Pool.PUBLIC.value, Pool.DEPARTMENT.value):
        raise ValidationFailed("目标数据池无效")
    result = services.release(db.session, current_user, _scope(POOLS_ASSIGN), _ids(), Pool(target), _allowed_pools())
    db.session.commit()
    flash(result.message(f"移入{Pool(target).label}"), "success" if result.moved else "warning")
    return redirect(request.referrer or url_for("pools.department"))


# --- 标红 (red flags) --------------------------------------------------------------------------------


@bp.get("/red-flags")
@require(POOLS_RED_FLAG)
def red_flags() -> Any:
    sc = _scope(POOLS_RED_FLAG)
    settings = recycle.RecycleSettings.load(db.session)
    head_pool = db.session.scalars(services.scoped_pool(Pool.HEAD, sc).options(selectinload(Customer.prev_seat))
                                   .order_by(Customer.pool_changed_at.desc()).limit(200)).all()
    flagged = db.session.scalars(
        data_scope.apply(select(Customer).where(Customer.pool == Pool.PERSONAL, Customer.red_flag_at.is_not(None)),
                         sc, Customer.service_org_id).order_by(Customer.red_flag_at).limit(200)).all()
    applications = db.session.scalars(services.pending_applications(sc)).all()
    return render_template("pools/red_flags.html", head_pool=head_pool, flagged=flagged, applications=applications,
                           settings=settings, seats=customer_services.seat_choices(db.session, sc),
                           red_flag_rule=MoveReason.RED_FLAG)


@bp.post("/customers/<int:customer_id>/red-flag")
@require(POOLS_RED_FLAG)
def flag(customer_id: int) -> Any:
    customer = customer_services.get_customer(db.session, _scope(POOLS_RED_FLAG), customer_id)
    form = RedFlagForm()
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    services.flag_red(db.session, current_user, customer, form.reason.data or "")
    db.session.commit()
    days = recycle.RecycleSettings.load(db.session).red_flag_days
    flash(f"已标红：坐席须在 {days} 天内有效电话跟进，否则转入部门主管池", "success")
    return redirect(url_for("customers.detail", customer_id=customer.id) + "#section-pool_history")


@bp.post("/customers/<int:customer_id>/red-flag/clear")
@require(POOLS_RED_FLAG)
def unflag(customer_id: int) -> Any:
    customer = customer_services.get_customer(db.session, _scope(POOLS_RED_FLAG), customer_id)
    services.clear_red_flag(db.session, customer)
    db.session.commit()
    flash("已取消标红", "success")
    return redirect(request.referrer or url_for("customers.detail", customer_id=customer.id))


@bp.post("/red-flags/customers/<int:customer_id>/return")
@require(POOLS_RED_FLAG)
def return_to_seat(customer_id: int) -> Any:
    customer = services.return_to_seat(db.session, current_user, _scope(POOLS_RED_FLAG), customer_id,
                                       request.form.get("note", "").strip())
    db.session.commit()
    flash(f"已将 {customer.name} 返回给原服务坐席", "success")
    return redirect(url_for("pools.red_flags"))


@bp.post("/red-flags/applications/<int:application_id>")
@require(POOLS_RED_FLAG)
def decide(application_id: int) -> Any:
    decision = request.form.get("decision", "")
    if decision not in ("approve", "reject"):
        raise ValidationFailed("请选择同意或驳回")
    services.decide_application(db.session, current_user, _scope(POOLS_RED_FLAG), application_id,
                                decision == "approve", request.form.get("note", ""))
    db.session.commit()
    flash("已同意申请，客户已返还坐席" if decision == "approve" else "已驳回申请", "success")
    return redirect(url_for("pools.red_flags"))


# --- 回收预览 ----------------------------------------------------------------------------------------


def _preview_reason() -> MoveReason | None:
    raw = request.args.get("reason", "")
    try:
        return MoveReason(raw) if raw else None
    except ValueError as exc:
        raise NotFound("回收规则不存在") from exc


@bp.get("/recycle")
@require(POOLS_RECYCLE)
def recycle_preview() -> Any:
    """What a recycle run would move now, per rule, and who is due within the reminder days."""
    sc = _scope(POOLS_RECYCLE)
    settings = recycle.RecycleSettings.load(db.session)
    now = clock.now()
    reason = _preview_reason()
    counts = recycle.preview_counts(db.session, sc, settings, now)
    page = row_page(recycle.preview_query(sc, settings, now, reason))
    days = recycle.remind_days(db.session)
    visible = customer_services.scoped(select(Customer), sc)
    due_total = db.session.scalar(select(func.count()).select_from(
        recycle.due_soon_query(visible, settings, now, days).order_by(None).subquery())) or 0
    return render_template("pools/recycle.html", counts=counts, page=page, settings=settings, reason=reason,
                           days=days, due_total=due_total, rules=recycle.RULE_ORDER,
                           rule_label=lambda value: MoveReason(value).label.removeprefix("回收规则："),
                           target=lambda c, value: settings.target_pool(c, MoveReason(value)).label)


@bp.get("/recycle/export")
@require(POOLS_RECYCLE)
def recycle_export() -> Any:
    sc = _scope(POOLS_RECYCLE)
    settings = recycle.RecycleSettings.load(db.session)
    stmt = recycle.preview_query(sc, settings, clock.now(), _preview_reason()).limit(EXPORT_CAP + 1)
    rows = ([c.number, c.name, c.service_seat.name if c.service_seat else "", c.service_org.name, c.type.label,
             c.assigned_at, c.followup_count, c.valid_call_count, c.last_valid_call_at, MoveReason(reason).label,
             settings.target_pool(c, MoveReason(reason)).label]
            for c, reason in db.session.execute(stmt.execution_options(yield_per=1000)))
    headers = ["客户编号", "姓名", "服务坐席", "服务组织", "客户类型", "分配/提取时间", "跟进次数", "有效电话次数",
               "最近有效电话", "回收规则", "将转入"]
    return xlsx_response("回收预览", headers, capped(rows))
