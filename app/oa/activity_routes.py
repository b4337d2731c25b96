"""活动管理 screens: upcoming and past activities, plan and change (managers), invite customers, sign in."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock
from app.admin import dictionaries
from app.auth.permissions import can, require
from app.customers import links
from app.errors import DomainError, NotFound, refused
from app.extensions import db
from app.oa import activities as services
from app.oa import branches
from app.oa.access import ACTIVITIES, ACTIVITY_MANAGE
from app.oa.models import Activity, ActivityInvitee, ActivityStatus, InviteeStatus
from app.org import scope as data_scope
from app.org.scope import Scope
from forms.base import first_error
from forms.oa import ActivityForm, AttendanceForm, InviteeForm

# Invitees that are customers follow a customer merge (合并客户) to the surviving number.
links.register("活动邀约", ActivityInvitee.__table__.c.customer_id)
bp = Blueprint("activities", __name__, url_prefix="/oa/activities")
WHEN = {"upcoming": "进行中 / 即将举办", "past": "已过去", "all": "全部"}


def _manage_scope() -> Scope | None:
    return data_scope.scope_of(db.session, current_user, ACTIVITY_MANAGE) if can(ACTIVITY_MANAGE) else None


def _load(activity_id: int) -> Activity:
    return services.get_visible(db.session, current_user, activity_id, _manage_scope())


@bp.get("/")
@require(ACTIVITIES)
def index() -> Any:
    when = request.args.get("when", "upcoming")
    when = when if when in WHEN else "upcoming"
    page = db.paginate(services.listing(current_user, _manage_scope(), when), per_page=30, error_out=False)
    kinds = dict(dictionaries.choices(db.session, services.KINDS))
    return render_template("oa/activities.html", page=page, when=when, whens=WHEN, kinds=kinds)


def _form(activity: Activity | None, scope: Scope) -> ActivityForm:
    form = ActivityForm(obj=activity)
    form.kind.choices = dictionaries.choices(db.session, services.KINDS, blank="请选择")
    form.org_id.choices = [(o.id, "　" * o.depth + o.name) for o in services.organising_orgs(db.session, scope)]
    form.branch_id.choices = [(0, "（不在网点举办）")] + [(b.id, f"{b.name}（{b.city}）")
                                                    for b in db.session.scalars(branches.search())]
    if request.method == "GET":
        if activity is not None:
            form.starts_at.data = clock.local(activity.starts_at).replace(tzinfo=None)  # type: ignore[union-attr]
            form.ends_at.data = clock.local(activity.ends_at).replace(tzinfo=None)  # type: ignore[union-attr]
            form.branch_id.data = activity.branch_id or 0
        else:
            form.org_id.data = current_user.org_id
    return form


def _save(activity: Activity | None) -> Any:
    scope = data_scope.scope_of(db.session, current_user, ACTIVITY_MANAGE)
    if activity is not None and not services.manages(db.session, scope, activity):
        raise NotFound("活动不存在或您无权修改")
    form = _form(activity, scope)
    if request.method == "GET":
        return render_template("oa/activity_form.html", form=form, activity=activity)
    if not form.validate():
        flash(first_error(form), "danger")
        return render_template("oa/activity_form.html", form=form, activity=activity), 422
    values = {"title": form.title.data or "", "kind": form.kind.data or "", "org_id": form.org_id.data,
              "starts_at": services.local_to_utc(form.starts_at.data) if form.starts_at.data else None,
              "ends_at": services.local_to_utc(form.ends_at.data) if form.ends_at.data else None,
              "location": form.location.data or "", "branch_id": form.branch_id.data or None,
              "capacity": form.capacity.data or 0, "description": form.description.data or ""}
    try:
        if activity is None:
            activity = services.create(db.session, current_user, scope, values)
        else:
            services.update(db.session, activity, scope, values)
    except DomainError as exc:
        return refused(exc, "oa/activity_form.html", form=form, activity=activity)
    db.session.commit()
    flash(f"活动“{activity.title}”已保存", "success")
    return redirect(url_for("activities.detail", activity_id=activity.id))


@bp.route("/new", methods=["GET", "POST"])
@require(ACTIVITY_MANAGE)
def create() -> Any:
    return _save(None)


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
@require(ACTIVITY_MANAGE)
def edit(activity_id: int) -> Any:
    return _save(_load(activity_id))


@bp.get("/<int:activity_id>")
@require(ACTIVITIES)
def detail(activity_id: int) -> Any:
    activity = _load(activity_id)
    manager = services.manages(db.session, _manage_scope(), activity)
    invitees = services.invitees(db.session, activity, current_user, manager)
    return render_template(
        "oa/activity_detail.html", activity=activity, manager=manager, invitees=invitees,
        numbers=services.customer_numbers(db.session, invitees), unrecorded=services.unrecorded(db.session, activity),
        counts=services.counts(db.session, activity), form=InviteeForm(formdata=None),
        kind_label=dictionaries.label(db.session, services.KINDS, activity.kind), statuses=list(InviteeStatus),
        started=activity.starts_at <= clock.now())


@bp.get("/customers.json")
@require(ACTIVITIES)
def customer_options() -> Any:
    """邀约's customer search: the user's own customers by number prefix or name, for the number box."""
    found = services.invitable_customers(db.session, current_user, request.args.get("q", "")[:50])
    return jsonify([{"number": c.number, "name": c.name} for c in found])


@bp.post("/<int:activity_id>/finish")
@require(ACTIVITY_MANAGE)
def finish(activity_id: int) -> Any:
    services.set_status(db.session, _load(activity_id), data_scope.scope_of(db.session, current_user, ACTIVITY_MANAGE),
                        ActivityStatus.FINISHED, confirmed=request.form.get("confirmed") == "1")
    db.session.commit()
    flash("活动已结束", "success")
    return redirect(url_for("activities.detail", activity_id=activity_id))


@bp.post("/<int:activity_id>/cancel")
@require(ACTIVITY_MANAGE)
def cancel(activity_id: int) -> Any:
    services.set_status(db.session, _load(activity_id), data_scope.scope_of(db.session, current_user, ACTIVITY_MANAGE),
                        ActivityStatus.CANCELLED)
    db.session.commit()
    flash("活动已取消", "success")
    return redirect(url_for("activities.detail", activity_id=activity_id))


@bp.post("/<int:activity_id>/invitees")
@require(ACTIVITIES)
def invite(activity_id: int) -> Any:
    activity = _load(activity_id)
    form = InviteeForm()
    if not form.validate():
        flash(first_error(form), "danger")
        return redirect(url_for("activities.detail", activity_id=activity_id))
    invitee = services.invite(db.session, activity, current_user, name=form.name.data or "",
                              phone=form.phone.data or "", customer_number=form.customer_number.data or "",
                              remark=form.remark.data or "")
    db.session.commit()
    flash(f"已邀约 {invitee.name}", "success")
    return redirect(url_for("activities.detail", activity_id=activity_id))


@bp.post("/<int:activity_id>/invitees/<int:invitee_id>/attendance")
@require(ACTIVITIES)
def attendance(activity_id: int, invitee_id: int) -> Any:
    activity = _load(activity_id)
    manager = services.manages(db.session, _manage_scope(), activity)
    invitee = services.get_invitee(db.session, activity, invitee_id, current_user, manager)
    form = AttendanceForm()
    if not form.validate():
        flash(first_error(form), "danger")
        return redirect(url_for("activities.detail", activity_id=activity_id))
    services.record_attendance(db.session, activity, invitee, current_user, InviteeStatus(form.status.data))
    db.session.commit()
    flash(f"{invitee.name}：{invitee.status.label}", "success")
    return redirect(url_for("activities.detail", activity_id=activity_id))
