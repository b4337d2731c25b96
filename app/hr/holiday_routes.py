"""Screens of 人事管理 → 公休假期维护: holidays of a year, add a day or a range, edit, delete, export."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock
from app.auth.permissions import require
from app.errors import DomainError, refused
from app.exports import xlsx_response
from app.extensions import db
from app.hr import holidays
from app.hr.access import HOLIDAYS
from app.hr.models import PublicHoliday
from forms.base import first_error
from forms.hr_attendance import HolidayForm

bp = Blueprint("hr_holidays", __name__, url_prefix="/hr/holidays")


def _year() -> int:
    text = request.args.get("year", "")
    year = int(text) if text.isdigit() and len(text) == 4 else clock.today().year
    return max(1900, year)


@bp.get("/")
@require(HOLIDAYS)
def index() -> Any:
    year = _year()
    rows = list(db.session.scalars(holidays.in_year(year)))
    return render_template("hr/holidays.html", rows=rows, year=year, years=holidays.years(db.session, year),
                           days=holidays.days, total_days=sum(holidays.days(h) for h in rows),
                           today=clock.today(), max_days=holidays.MAX_DAYS)


def _save(holiday: PublicHoliday | None) -> Any:
    form = HolidayForm(data=None if holiday is None else {
        "name": holiday.name, "start": holiday.start_date, "end": holiday.end_date, "note": holiday.note})
    if request.method == "GET":
        return render_template("hr/holiday_form.html", form=form, holiday=holiday)
    if not form.validate():
        flash(first_error(form), "danger")
        return render_template("hr/holiday_form.html", form=form, holiday=holiday), 422
    try:
        if holiday is None:
            holiday = holidays.create(db.session, current_user, form.name.data or "", form.start.data, form.end.data,
                                      form.note.data or "")
        else:
            holidays.update(db.session, holiday, form.name.data or "", form.start.data, form.end.data,
                            form.note.data or "")
    except DomainError as exc:
        return refused(exc, "hr/holiday_form.html", form=form, holiday=holiday)
    db.session.commit()
    flash(f"公休假期“{holiday.name}”（{holidays.describe(holiday)}）已保存", "success")
    return redirect(url_for("hr_holidays.index", year=holiday.start_date.year))


@bp.route("/new", methods=["GET", "POST"])
@require(HOLIDAYS)
def create() -> Any:
    return _save(None)


@bp.route("/<int:holiday_id>/edit", methods=["GET", "POST"])
@require(HOLIDAYS)
def edit(holiday_id: int) -> Any:
    return _save(holidays.get(db.session, holiday_id))


@bp.post("/<int:holiday_id>/delete")
@require(HOLIDAYS)
def delete(holiday_id: int) -> Any:
    holiday = holidays.get(db.session, holiday_id)
    name, year = holiday.name, holiday.start_date.year
    holidays.delete(db.session, holiday)
    db.session.commit()
    flash(f"公休假期“{name}”已删除", "success")
    return redirect(url_for("hr_holidays.index", year=year))


@bp.get("/export")
@require(HOLIDAYS)
def export() -> Any:
    year = _year()
    return xlsx_response(f"公休假期_{year}", holidays.EXPORT_HEADERS, holidays.export_rows(db.session, year))
