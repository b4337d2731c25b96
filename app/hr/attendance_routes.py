"""Screens of 人事管理 → 用户考勤维护 (list, record a day or a range, export) and 考勤类型设置."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app import clock
from app.auth.models import User
from app.auth.permissions import require
from app.errors import DomainError, refused
from app.exports import xlsx_response
from app.extensions import db
from app.hr import attendance, types
from app.hr import days_demo as _demo  # noqa: F401  (registers the demo-data loader)
from app.hr.access import ATTENDANCE, ATTENDANCE_TYPES
from app.inputs import DB_INT_MAX
from app.org import scope as data_scope
from app.org.models import Org
from forms.base import first_error
from forms.hr_attendance import AttendanceForm

bp = Blueprint("hr_attendance", __name__, url_prefix="/hr/attendance")

PER_PAGE = 50
FILTER_FIELDS = ("org", "user", "from", "to", "type")


def _scope() -> data_scope.Scope:
    return data_scope.scope_of(db.session, current_user, ATTENDANCE)


def _digits(value: str | None) -> int | None:
    if not value or not value.isdigit() or len(value) > 10 or int(value) > DB_INT_MAX:
        return None
    return int(value)


def _day(value: str | None) -> date | None:
    try:
        return datetime.strptime(value or "", "%Y-%m-%d").date()
    except ValueError:
        return None


def filter_from(args: MultiDict[str, str]) -> attendance.AttendanceFilter:
    """Read the list's filter from the query string; with no dates at all it shows the current month."""
    start, end = _day(args.get("from")), _day(args.get("to"))
    if "from" not in args and "to" not in args:
        today = clock.today()
        start = today.replace(day=1)
    return attendance.AttendanceFilter(org_id=_digits(args.get("org")), user_id=_digits(args.get("user")),
                                       start=start, end=end, type_code=(args.get("type") or "")[:50])


def _form() -> AttendanceForm:
    form = AttendanceForm()
    form.user_id.choices = [(0, "请选择员工")] + [
        (u.id, f"{u.name}（{u.work_no} · {u.org.name}）") for u in attendance.users_in_scope(db.session, _scope())]
    form.type_code.choices = [("", "请选择")] + [(t.code, t.label) for t in types.all_types(db.session)]
    return form


def _render(form: AttendanceForm, status: int = 200) -> Any:
    sc = _scope()
    f = filter_from(request.args)
    page = db.paginate(attendance.search(sc, f), per_page=PER_PAGE, error_out=False)
    orgs = list(db.session.scalars(select(Org).where(Org.id.in_(data_scope.org_ids(db.session, sc)),
                                                     Org.active.is_(True)).order_by(Org.path)))
    all_types = types.all_types(db.session, include_inactive=True)
    return render_template("hr/attendance.html", page=page, filters=f, form=form, orgs=orgs,
                           users=attendance.users_in_scope(db.session, sc), all_types=all_types,
                           type_by_code={t.code: t for t in all_types}, source_label=attendance.source_label,
                           latest=attendance.latest_allowed_day(db.session),
                           filter_args={k: v for k, v in request.args.items() if k in FILTER_FIELDS and v}), status


@bp.get("/")
@require(ATTENDANCE)
def index() -> Any:
    return _render(_form())


@bp.post("/")
@require(ATTENDANCE)
def record() -> Any:
    form = _form()
    if not form.validate():
        flash(first_error(form), "danger")
        return _render(form, 422)
    try:
        first, last = attendance.record(db.session, current_user, _scope(), form.user_id.data, form.start.data,
                                        form.end.data, form.type_code.data or "", form.note.data or "")
    except DomainError as exc:
        return refused(exc, lambda: _render(form))
    db.session.commit()
    name = db.session.get(User, form.user_id.data).name  # type: ignore[union-attr]  # record() found the user
    count = (last - first).days + 1
    if form.type_code.data == types.NORMAL:
        flash(f"已将 {name} 的 {count} 天恢复为正常考勤", "success")
    else:
        flash(f"已为 {name} 登记“{types.labels(db.session).get(form.type_code.data or '')}” {count} 天", "success")
    query = request.query_string.decode()
    return redirect(url_for("hr_attendance.index") + (f"?{query}" if query else ""))


@bp.get("/export")
@require(ATTENDANCE)
def export() -> Any:
    f = filter_from(request.args)
    return xlsx_response("用户考勤", attendance.EXPORT_HEADERS, attendance.export_rows(db.session, _scope(), f))


@bp.get("/types")
@require(ATTENDANCE_TYPES)
def types_index() -> Any:
    return render_template("hr/attendance_types.html", all_types=types.all_types(db.session, include_inactive=True))


@bp.post("/types/<code>")
@require(ATTENDANCE_TYPES)
def set_type_rule(code: str) -> Any:
    excused = request.form.get("excused") == "1"
    types.set_excused(db.session, code[:50], excused)
    db.session.commit()
    label = types.labels(db.session).get(code, code)
    rule = "不计入考勤，任务日历视为完成" if excused else "计入考勤，按任务完成情况计算"
    flash(f"“{label}”已设为{rule}", "success")
    return redirect(url_for("hr_attendance.types_index"))
