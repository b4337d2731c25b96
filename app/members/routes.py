"""Membership screens: 会员综合管理 (search, the member page with level history and ledger), adjustment requests
and their approval, referral points, 会员等级设置 with the rules table in force, 会员价格策略, and the 客户 360
section."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app import signals
from app.auth.permissions import can, require
from app.customers import links, sections
from app.customers import services as customer_services
from app.customers.models import Customer
from app.database import DbSession, table_of
from app.errors import ValidationFailed
from app.extensions import db
from app.members import adjustments, ledger, levels, points, prices, services
from app.members import demo as _demo  # noqa: F401  (registers the demo-data loader)
from app.members import events as _events  # noqa: F401  (connects the trade and activity signals)
from app.members.access import ADJUST, APPROVE, SETTINGS, VIEW
from app.members.models import LevelChange, Member, PointsAdjustment, PointsEntry
from app.products.models import Project, ProjectCategory
from app.workflow import dmn_tables

bp = Blueprint("members", __name__, url_prefix="/members")
PER_PAGE = 30
LEDGER_ROWS = 200

# A merged customer's membership follows it: its ledger, history and requests move to the survivor, the
# survivor keeps one member row and its balance is recounted from the ledger (customers_merged below).
links.register("会员", Member.__table__.c.customer_id, unique_with=Member.__table__.c.customer_id)
links.register("积分流水", PointsEntry.__table__.c.customer_id)
links.register("会员等级变更", LevelChange.__table__.c.customer_id)
links.register("积分调整申请", PointsAdjustment.__table__.c.customer_id)


def _on_merge(session: DbSession, survivor_id: int, merged_ids: list[int], **_: Any) -> None:
    """The survivor's balance is the sum of the ledger rows it now has; its subscription is recounted."""
    total = session.scalar(select(func.coalesce(func.sum(PointsEntry.delta), 0))
                           .where(PointsEntry.customer_id == survivor_id))
    if total or session.scalar(select(Member.id).where(Member.customer_id == survivor_id)) is not None:
        ledger.ensure_member(session, survivor_id)
        session.execute(table_of(Member).update().where(Member.customer_id == survivor_id)
                        .values(points_balance=int(total or 0)))
        points.refresh_subscription(session, survivor_id)


signals.customers_merged.connect(_on_merge)


def _int(raw: Any, label: str) -> int:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(f"{label}必须是整数") from None


@bp.get("/")
@require(VIEW)
def index() -> Any:
    args = request.args
    level = args.get("level")
    names = levels.level_names(db.session)
    f = services.MemberFilter(text=args.get("q", "")[:100], level_code=level if level in names else None,
                              min_points=int(args["min_points"]) if args.get("min_points", "").isdigit() else None)
    stmt = services.member_query(services.member_scope(db.session, current_user), f)
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    return render_template("members/index.html", page=page, names=names, f=f)


def _member_page(customer_id: int) -> Any:
    scope = services.member_scope(db.session, current_user)
    customer, member = services.get_member(db.session, scope, customer_id)
    entries = list(db.session.scalars(ledger.ledger_query(customer.id).limit(LEDGER_ROWS)))
    requests = list(db.session.scalars(adjustments.pending_query().where(PointsAdjustment.customer_id == customer.id)
                                       .limit(50)))
    return render_template("members/detail.html", customer=customer, member=member, entries=entries,
                           history=levels.history(db.session, customer.id), requests=requests,
                           names=levels.level_names(db.session))


@bp.get("/<int:customer_id>")
@require(VIEW)
def detail(customer_id: int) -> Any:
    return _member_page(customer_id)


@bp.post("/<int:customer_id>/adjustments")
@require(ADJUST)
def request_adjustment(customer_id: int) -> Any:
    customer = customer_services.get_customer(db.session, services.member_scope(db.session, current_user, ADJUST),
                                              customer_id)
    delta = _int(request.form.get("delta"), "调整积分")
    adjustments.request_adjustment(db.session, customer, delta, request.form.get("reason", ""), current_user)
    db.session.commit()
    flash("已提交积分调整申请，等待另一位同事审批", "success")
    return redirect(url_for("members.detail", customer_id=customer.id))


@bp.post("/<int:customer_id>/referral")
@require(ADJUST)
def referral(customer_id: int) -> Any:
    scope = services.member_scope(db.session, current_user, ADJUST)
    customer = customer_services.get_customer(db.session, scope, customer_id)
    referred_id = customer_services.resolve_number(db.session, request.form.get("referred_number", ""))
    if referred_id is None:
        raise ValidationFailed("请填写被推荐客户的客户编号")
    referred = customer_services.get_customer(db.session, scope, referred_id)
    entry = points.credit_referral(db.session, customer, referred, current_user.id)
    db.session.commit()
    flash(f"已登记推荐积分 {entry.delta} 分", "success")
    return redirect(url_for("members.detail", customer_id=customer.id))


@bp.get("/adjustments")
@require(APPROVE)
def adjustments_index() -> Any:
    scope = services.member_scope(db.session, current_user, APPROVE)
    stmt = adjustments.pending_query(services.scoped_customer_ids(scope))
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    return render_template("members/adjustments.html", page=page)


def _adjustment_in_scope(adjustment_id: int) -> PointsAdjustment:
    adjustment = adjustments.get_adjustment(db.session, adjustment_id)
    customer_services.get_customer(db.session, services.member_scope(db.session, current_user, APPROVE),
                                   adjustment.customer_id)
    return adjustment


@bp.post("/adjustments/<int:adjustment_id>/approve")
@require(APPROVE)
def approve(adjustment_id: int) -> Any:
    adjustment = _adjustment_in_scope(adjustment_id)
    adjustments.approve(db.session, adjustment, current_user, request.form.get("note", ""))
    db.session.commit()
    flash(f"已批准：{adjustment.customer.name} 积分 {adjustment.delta:+d}", "success")
    return redirect(request.referrer or url_for("members.adjustments_index"))


@bp.post("/adjustments/<int:adjustment_id>/reject")
@require(APPROVE)
def reject(adjustment_id: int) -> Any:
    adjustment = _adjustment_in_scope(adjustment_id)
    adjustments.reject(db.session, adjustment, current_user, request.form.get("note", ""))
    db.session.commit()
    flash("已驳回积分调整", "success")
    return redirect(request.referrer or url_for("members.adjustments_index"))


def _rule_rows(key: str = levels.LEVEL_TABLE) -> tuple[Any, str]:
    """A table in force for the settings page, or why it cannot be read."""
    try:
        return dmn_tables.load(db.session, key), ""
    except ValidationFailed as exc:
        return None, exc.message


@bp.get("/levels")
@require(SETTINGS)
def levels_index() -> Any:
    table, table_error = _rule_rows()
    problems = levels.table_problems(db.session, table) if table is not None else []
    counts = dict(db.session.execute(select(Member.level_code, func.count()).group_by(Member.level_code)).all())
    points_table, points_error = _rule_rows(points.POINTS_TABLE)
    return render_template("members/levels.html", levels=levels.all_levels(db.session), table=table,
                           table_error=table_error, problems=problems, counts=counts, points_table=points_table,
                           points_error=points_error,
                           names=levels.level_names(db.session))


def _level_input() -> levels.LevelInput:
    form = request.form
    return levels.LevelInput(code=form.get("code", ""), name=form.get("name", ""),
                             rank=_int(form.get("rank") or "0", "等级顺序"), description=form.get("description", ""))


@bp.post("/levels")
@require(SETTINGS)
def create_level() -> Any:
    level = levels.create_level(db.session, _level_input())
    db.session.commit()
    flash(f"已新增会员等级“{level.name}”", "success")
    return redirect(url_for("members.levels_index"))


@bp.post("/levels/<int:level_id>")
@require(SETTINGS)
def update_level(level_id: int) -> Any:
    level = levels.get_level(db.session, level_id)
    levels.update_level(db.session, level, _level_input())
    db.session.commit()
    flash(f"已保存会员等级“{level.name}”", "success")
    return redirect(url_for("members.levels_index"))


@bp.post("/levels/<int:level_id>/delete")
@require(SETTINGS)
def delete_level(level_id: int) -> Any:
    level = levels.get_level(db.session, level_id)
    name = level.name
    levels.delete_level(db.session, level)
    db.session.commit()
    flash(f"已删除会员等级“{name}”", "success")
    return redirect(url_for("members.levels_index"))


@bp.post("/levels/evaluate")
@require(SETTINGS)
def evaluate() -> Any:
    changed = levels.evaluate_all(db.session)
    db.session.commit()
    flash(f"已按规则表重新评定全部会员：{changed} 位会员等级变化", "success")
    return redirect(url_for("members.levels_index"))


@bp.get("/prices")
@require(SETTINGS)
def prices_index() -> Any:
    projects = list(db.session.scalars(select(Project).order_by(Project.id.desc()).limit(500)))
    categories = list(db.session.scalars(select(ProjectCategory).order_by(ProjectCategory.id)))
    return render_template("members/prices.html", prices=prices.all_prices(db.session), projects=projects,
                           categories=categories, levels=levels.all_levels(db.session),
                           names=levels.level_names(db.session))


@bp.post("/prices")
@require(SETTINGS)
def save_price() -> Any:
    form = request.form
    target = form.get("target", "")
    kind, _, raw_id = target.partition(":")
    if kind not in ("project", "category") or not raw_id.isdigit():
        raise ValidationFailed("请选择一个理财项目或一个项目分类")
    data = prices.PriceInput(level_code=form.get("level_code", ""),
                             project_id=int(raw_id) if kind == "project" else None,
                             category_id=int(raw_id) if kind == "category" else None,
                             fee_discount=form.get("fee_discount", "0"), min_reduction=form.get("min_reduction", "0"),
                             yield_bonus=form.get("yield_bonus", "0"))
    prices.save_price(db.session, data)
    db.session.commit()
    flash("已保存会员价格策略", "success")
    return redirect(url_for("members.prices_index"))


@bp.post("/prices/<int:price_id>/delete")
@require(SETTINGS)
def delete_price(price_id: int) -> Any:
    db.session.delete(prices.get_price(db.session, price_id))
    db.session.commit()
    flash("已删除会员价格策略", "success")
    return redirect(url_for("members.prices_index"))


def _customer_section(session: DbSession, customer: Customer) -> dict[str, Any]:
    """客户 360: level, balance and the latest ledger rows of the customer, if a member."""
    member = session.scalar(select(Member).where(Member.customer_id == customer.id))
    entries = list(session.scalars(ledger.ledger_query(customer.id).limit(5))) if member else []
    return {"member": member, "entries": entries, "names": levels.level_names(session),
            "member_link": can(VIEW)}


sections.add("members", "会员与积分", "members/_customer_section.html", _customer_section, order=45)

