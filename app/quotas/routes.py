"""Screens: 配额维护 (list, edit, history, withdraw a planned change), 任务日历 (FullCalendar over a JSON feed)
and the head's 团队任务完成 grid (seats × days of a month)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock
from app.admin import dictionaries
from app.assets import register_file
from app.auth.permissions import can, require
from app.errors import DomainError, ValidationFailed, refused
from app.extensions import db
from app.quotas import calendar, services
from app.quotas import demo as _demo  # noqa: F401  (registers the demo-data loader)
from app.quotas import panels as _panels  # noqa: F401  (registers the home-page panel)
from app.quotas.access import CALENDAR_VIEW, QUOTAS_MANAGE, TEAM_VIEW
from app.quotas.metrics import Metric
from forms.base import first_error
from forms.quotas import QuotaForm

bp = Blueprint("quotas", __name__, url_prefix="/quotas")

register_file("fullcalendar.min.js", "fullcalendar/index.global.min.js")
register_file("fullcalendar-zh-cn.js", "@fullcalendar/core/locales/zh-cn.global.min.js")


# --- 配额维护 ------------------------------------------------------------------------------------------


@bp.get("/")
@require(QUOTAS_MANAGE)
def index() -> Any:
    return render_template("quotas/index.html", lines=services.overview(db.session), metrics=list(Metric),
                           today=clock.today())


def _quota_form() -> QuotaForm:
    form = QuotaForm()
    form.level.choices = dictionaries.choices(db.session, dictionaries.USER_LEVEL, blank="请选择")
    form.tier.choices = dictionaries.choices(db.session, dictionaries.USER_TIER, blank="请选择")
    if request.method == "GET":
        level, tier = request.args.get("level", ""), request.args.get("tier", "")
        form.level.data, form.tier.data, form.effective_from.data = level, tier, clock.today()
        book = services.quota_book(db.session, [(level, tier)], clock.today())
        for metric, value in book.on(level, tier, clock.today()).items():
            getattr(form, metric.value).data = value
    return form


@bp.route("/edit", methods=["GET", "POST"])
@require(QUOTAS_MANAGE)
def edit() -> Any:
    form = _quota_form()
    if request.method == "GET":
        return render_template("quotas/edit.html", form=form)
    if not form.validate():
        flash(first_error(form), "danger")
        return render_template("quotas/edit.html", form=form), 422
    data = services.QuotaInput(level=form.level.data or "", tier=form.tier.data or "",
                               effective_from=form.effective_from.data, remark=form.remark.data or "",
                               targets={metric: getattr(form, metric.value).data for metric in Metric})
    try:
        quota = services.save_quota(db.session, data, current_user)
    except DomainError as exc:
        return refused(exc, "quotas/edit.html", form=form)
    db.session.commit()
    flash(f"{quota.level} / {quota.tier} 的配额已保存，自 {quota.effective_from.isoformat()} 起生效", "success")
    return redirect(url_for("quotas.index"))


@bp.get("/history")
@require(QUOTAS_MANAGE)
def history() -> Any:
    level, tier = request.args.get("level", "")[:30], request.args.get("tier", "")[:30]
    return render_template("quotas/history.html", level=level, tier=tier, metrics=list(Metric), today=clock.today(),
                           rows=services.history(db.session, level, tier))


@bp.post("/<int:quota_id>/withdraw")
@require(QUOTAS_MANAGE)
def withdraw(quota_id: int) -> Any:
    quota = services.get_quota(db.session, quota_id)
    level, tier = quota.level, quota.tier
    try:
        services.withdraw_quota(db.session, quota_id)
    except DomainError as exc:
        return refused(exc, lambda: redirect(url_for("quotas.history", level=level, tier=tier)))
    db.session.commit()
    flash("尚未生效的配额调整已撤销", "success")
    return redirect(url_for("quotas.history", level=level, tier=tier))


@bp.post("/rebuild")
@require(QUOTAS_MANAGE)
def rebuild() -> Any:
    """重算实绩 for a range of days (the nightly job repairs the last week by itself)."""
    try:
        rows = services.rebuild_facts(db.session, _optional_date("start"), _optional_date("end"))
    except DomainError as exc:
        return refused(exc, lambda: redirect(url_for("quotas.index")))
    db.session.commit()
    flash(f"任务日历实绩已重算（{rows} 条人·日记录）", "success")
    return redirect(url_for("quotas.index"))


def _optional_date(name: str) -> date | None:
    text = request.form.get(name, "")[:10]
    try:
        return date.fromisoformat(text) if text else None
    except ValueError as exc:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD") from exc


# --- 任务日历 ------------------------------------------------------------------------------------------


def _user_arg() -> int | None:
    raw = request.args.get("user", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _date_arg(name: str) -> date:
    try:
        return date.fromisoformat(request.args.get(name, "")[:10])
    except ValueError as exc:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD") from exc


@bp.get("/calendar")
@require(CALENDAR_VIEW)
def calendar_page() -> Any:
    owner = calendar.visible_user(db.session, current_user, _user_arg())
    seats = calendar.team_seats(db.session, current_user)
    if owner not in seats:
        seats = [owner, *seats]
    return render_template("quotas/calendar.html", owner=owner, seats=seats, today=clock.today(),
                           initial=request.args.get("date", "")[:10])


@bp.get("/calendar/events.json")
@require(CALENDAR_VIEW)
def events() -> Any:
    """FullCalendar's feed: one all-day event per day with its status and required/done per metric.

    FullCalendar's ``end`` is exclusive."""
    owner = calendar.visible_user(db.session, current_user, _user_arg())
    start, end = _date_arg("start"), _date_arg("end")
    if end <= start:
        raise ValidationFailed("结束日期应晚于开始日期")
    days = calendar.calendar_of(db.session, owner, start, end - timedelta(days=1))
    return jsonify([{"id": f"{owner.id}-{day.day.isoformat()}", "start": day.day.isoformat(), "allDay": True,
                     "title": day.reason or day.status.label, "classNames": [f"task-day-{day.status.value}"],
                     "extendedProps": day.as_dict()} for day in days])


@bp.get("/team")
@require(TEAM_VIEW)
def team() -> Any:
    month = request.args.get("month", "")[:7] or clock.today().strftime("%Y-%m")
    start, end = calendar.month_range(month)
    org_arg = request.args.get("org", "")
    org_id = int(org_arg) if org_arg.isdigit() and len(org_arg) < 10 else None
    seats = calendar.team_seats(db.session, current_user, org_id)
    grid = calendar.calendars(db.session, seats, start, end)
    previous, following = start - timedelta(days=1), end + timedelta(days=1)
    return render_template("quotas/team.html", seats=seats, grid=grid, start=start, end=end, month=month,
                           days=[start + timedelta(days=i) for i in range((end - start).days + 1)],
                           orgs=calendar.team_orgs(db.session, current_user), org_id=org_id, today=clock.today(),
                           previous=previous.strftime("%Y-%m"), following=following.strftime("%Y-%m"),
                           can_open=can(CALENDAR_VIEW))
