"""行事历 screens: my calendar and those of my direct superior and subordinates (FullCalendar), the
event feed, and adding, changing and deleting my own plans and reports."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock
from app.assets import register_file
from app.auth.permissions import require
from app.errors import ValidationFailed
from app.extensions import db
from app.oa import calendar as services
from app.oa.access import CALENDAR
from app.oa.models import CalendarEntry, CalendarKind, CalendarPeriod
from forms.base import first_error
from forms.oa import CalendarEntryForm

bp = Blueprint("calendar", __name__, url_prefix="/oa/calendar")

register_file("fullcalendar.min.js", "fullcalendar/index.global.min.js")
register_file("fullcalendar-zh-cn.js", "@fullcalendar/core/locales/zh-cn.global.min.js")


def _owner_arg() -> int | None:
    raw = request.args.get("user", "")
    return int(raw) if raw.isdigit() else None


@bp.get("/")
@require(CALENDAR)
def index() -> Any:
    owner = services.calendar_owner(db.session, current_user, _owner_arg())
    today = clock.today()
    form = CalendarEntryForm(formdata=None, day=today)
    return render_template("oa/calendar.html", owner=owner, form=form, own=owner.id == current_user.id, today=today,
                           related=services.related_people(db.session, current_user),
                           initial=request.args.get("date", ""))


def _date_arg(name: str) -> date:
    try:
        return date.fromisoformat(request.args.get(name, "")[:10])
    except ValueError as exc:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD") from exc


def event_json(entry: CalendarEntry, own: bool) -> dict[str, Any]:
    return {
        "id": str(entry.id), "title": f"[{entry.kind.label}] {entry.title}", "allDay": True,
        "start": entry.start_date.isoformat(), "end": (entry.end_date + timedelta(days=1)).isoformat(),
        "classNames": [f"cal-{entry.kind.value}", f"cal-{entry.period.value}"],
        "extendedProps": {"kind": entry.kind.value, "kind_label": entry.kind.label, "period": entry.period.value,
                          "period_label": entry.period.label, "title": entry.title, "content": entry.content,
                          "day": entry.start_date.isoformat(), "editable": own,
                          "update_url": url_for("calendar.update", entry_id=entry.id) if own else "",
                          "delete_url": url_for("calendar.delete", entry_id=entry.id) if own else ""},
    }


@bp.get("/events.json")
@require(CALENDAR)
def events() -> Any:
    """FullCalendar's event feed for one calendar (mine, my superior's or a subordinate's)."""
    owner = services.calendar_owner(db.session, current_user, _owner_arg())
    rows = services.entries(db.session, owner, _date_arg("start"), _date_arg("end"))
    return jsonify([event_json(entry, owner.id == current_user.id) for entry in rows])


def _form_values(form: CalendarEntryForm) -> dict[str, Any]:
    return {"kind": CalendarKind(form.kind.data), "period": CalendarPeriod(form.period.data), "day": form.day.data,
            "title": form.title.data or "", "content": form.content.data or ""}


def _back(day: date | None) -> Any:
    return redirect(url_for("calendar.index", date=day.isoformat() if day else ""))


@bp.post("/entries")
@require(CALENDAR)
def create() -> Any:
    form = CalendarEntryForm()
    if not form.validate():
        flash(first_error(form), "danger")
        return _back(form.day.data)
    entry = services.create_entry(db.session, current_user, **_form_values(form))
    db.session.commit()
    flash(f"已添加{entry.period.label}{entry.kind.label}“{entry.title}”", "success")
    return _back(entry.start_date)


@bp.post("/entries/<int:entry_id>")
@require(CALENDAR)
def update(entry_id: int) -> Any:
    entry = services.own_entry(db.session, current_user, entry_id)
    form = CalendarEntryForm()
    if not form.validate():
        flash(first_error(form), "danger")
        return _back(entry.start_date)
    services.update_entry(db.session, entry, **_form_values(form))
    db.session.commit()
    flash("已保存", "success")
    return _back(entry.start_date)


@bp.post("/entries/<int:entry_id>/delete")
@require(CALENDAR)
def delete(entry_id: int) -> Any:
    entry = services.own_entry(db.session, current_user, entry_id)
    day = entry.start_date
    services.delete_entry(db.session, entry)
    db.session.commit()
    flash("已删除", "success")
    return _back(day)
