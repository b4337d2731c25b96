"""Questionnaire screens: 问卷管理 (list, designer, preview, publish, close), filling (for a customer from the
客户 360 page, or 我的问卷 by staff) and 问卷结果 (figures, charts, .xlsx of raw answers)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock, exports
from app.auth.permissions import can, require
from app.customers import links, sections
from app.customers.models import Customer
from app.database import DbSession
from app.errors import DomainError, NotFound, ValidationFailed, refused
from app.extensions import db
from app.inputs import json_object
from app.org import scope as data_scope
from app.org import services as org_services
from app.surveys import definition, results, services
from app.surveys import demo as _demo  # noqa: F401  (registers the demo-data loader)
from app.surveys.access import FILL, MANAGE, RESULTS
from app.surveys.models import Survey, SurveyAudience, SurveyResponse, SurveyStatus

bp = Blueprint("surveys", __name__, url_prefix="/surveys")
# A merged customer's answers follow it; where both answered the same survey, the survivor's answers stay.
links.register("问卷答卷", SurveyResponse.__table__.c.customer_id, unique_with=SurveyResponse.__table__.c.survey_id)


@bp.get("/")
@require(MANAGE)
def index() -> Any:
    page = db.paginate(services.manage_listing(db.session, current_user), per_page=30, error_out=False)
    return render_template("surveys/index.html", page=page)


def _stamp(text: Any) -> datetime | None:
    """A designer date (YYYY-MM-DD, local) as the start of that day; empty is none."""
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(str(text)), time.min, tzinfo=clock.SHANGHAI)
    except ValueError:
        raise ValidationFailed("日期格式无效") from None


def _designer(survey: Survey | None) -> Any:
    return render_template("surveys/designer.html", survey=survey, kinds=definition.KINDS,
                           audiences=SurveyAudience.choices())


@bp.get("/new")
@require(MANAGE)
def new() -> Any:
    return _designer(None)


@bp.get("/<int:survey_id>/edit")
@require(MANAGE)
def edit(survey_id: int) -> Any:
    survey = services.get_managed(db.session, current_user, survey_id)
    if survey.status != SurveyStatus.DRAFT:
        flash("问卷已发布，题目不能再修改", "warning")
        return redirect(url_for("surveys.preview", survey_id=survey.id))
    return _designer(survey)


@bp.post("/save")
@require(MANAGE)
def save() -> Any:
    """The designer's JSON: create a draft, or update one (``id``); answers {"id", "url"} or an error body."""
    body = json_object()
    survey_id = body.get("id")
    survey = services.get_managed(db.session, current_user, survey_id) if isinstance(survey_id, int) else None
    data = dict(body, opens_at=_stamp(body.get("opens_at")), closes_at=_stamp(body.get("closes_at")))
    survey = services.save_draft(db.session, current_user, survey, data)
    db.session.commit()
    return jsonify({"id": survey.id, "url": url_for("surveys.preview", survey_id=survey.id),
                    "edit_url": url_for("surveys.edit", survey_id=survey.id)})


@bp.get("/<int:survey_id>")
@require(MANAGE)
def preview(survey_id: int) -> Any:
    survey = services.get_managed(db.session, current_user, survey_id)
    return render_template("surveys/preview.html", survey=survey, kinds=definition.KINDS)


@bp.post("/<int:survey_id>/publish")
@require(MANAGE)
def publish(survey_id: int) -> Any:
    survey = services.get_managed(db.session, current_user, survey_id)
    try:
        services.publish(db.session, survey)
    except DomainError as exc:
        return refused(exc, lambda: redirect(url_for("surveys.preview", survey_id=survey_id)))
    db.session.commit()
    flash(f"问卷“{survey.title}”已发布，题目不能再修改", "success")
    return redirect(url_for("surveys.preview", survey_id=survey_id))


@bp.post("/<int:survey_id>/close")
@require(MANAGE)
def close(survey_id: int) -> Any:
    survey = services.get_managed(db.session, current_user, survey_id)
    try:
        services.close(db.session, survey)
    except DomainError as exc:
        return refused(exc, lambda: redirect(url_for("surveys.preview", survey_id=survey_id)))
    db.session.commit()
    flash(f"问卷“{survey.title}”已关闭，不再接受填写", "success")
    return redirect(url_for("surveys.preview", survey_id=survey_id))


@bp.get("/mine")
@require(FILL)
def mine() -> Any:
    now = clock.now()
    return render_template("surveys/mine.html", surveys=services.open_surveys(db.session, SurveyAudience.STAFF, now),
                           answered=services.staff_answered(db.session, current_user))


def _fill(survey: Survey, customer: Customer | None) -> Any:
    back = url_for("customers.detail", customer_id=customer.id) if customer else url_for("surveys.mine")
    context = {"survey": survey, "customer": customer, "back": back, "kinds": definition.KINDS,
               "is_open": services.is_open(survey, clock.now()),
               "done": services.submitted(db.session, current_user, survey, customer)}
    if request.method == "GET":
        return render_template("surveys/fill.html", **context)
    form = {key[2:]: request.form.getlist(key) for key in request.form if key.startswith("q_")}
    try:
        services.submit(db.session, current_user, survey, form, customer=customer)
    except DomainError as exc:
        return refused(exc, "surveys/fill.html", given=form, **context)
    db.session.commit()
    flash(f"问卷“{survey.title}”已提交", "success")
    return redirect(back)


@bp.route("/<int:survey_id>/fill", methods=["GET", "POST"])
@require(FILL)
def fill(survey_id: int) -> Any:
    survey = services.get_survey(db.session, survey_id)
    if survey.audience != SurveyAudience.STAFF or survey.status == SurveyStatus.DRAFT:
        raise NotFound("问卷不存在")
    return _fill(survey, None)


@bp.route("/<int:survey_id>/customers/<int:customer_id>/fill", methods=["GET", "POST"])
@require(FILL)
def fill_customer(survey_id: int, customer_id: int) -> Any:
    survey = services.get_survey(db.session, survey_id)
    if survey.status == SurveyStatus.DRAFT:
        raise NotFound("问卷不存在")
    return _fill(survey, services.customer_for_fill(db.session, current_user, survey, customer_id))


def result_filter() -> results.ResultFilter:
    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None

    org = request.args.get("org_id", "")
    return results.ResultFilter(org_id=int(org) if org.isdigit() else None, date_from=day("date_from"),
                                date_to=day("date_to"))


def result_survey(survey_id: int) -> Survey:
    survey = services.get_survey(db.session, survey_id)
    if survey.status == SurveyStatus.DRAFT:
        raise NotFound("问卷不存在")
    return survey


@bp.get("/results")
@require(RESULTS)
def results_index() -> Any:
    page = db.paginate(services.results_listing(), per_page=30, error_out=False)
    return render_template("surveys/results_index.html", page=page)


@bp.get("/<int:survey_id>/results")
@require(RESULTS)
def results_page(survey_id: int) -> Any:
    survey = result_survey(survey_id)
    f = result_filter()
    scope = data_scope.scope_of(db.session, current_user, RESULTS)
    in_scope = set(data_scope.org_ids(db.session, scope))
    orgs = [o for o in org_services.org_tree(db.session) if o.id in in_scope]
    return render_template("surveys/results.html", survey=survey, f=f, orgs=orgs, kinds=definition.KINDS,
                           figures=results.summary(db.session, current_user, survey, f))


@bp.get("/<int:survey_id>/results.xlsx")
@require(RESULTS)
def export(survey_id: int) -> Any:
    survey = result_survey(survey_id)
    rows = results.export_rows(db.session, current_user, survey, result_filter())
    return exports.xlsx_response(f"问卷原始答卷_{survey.id}", results.EXPORT_HEADERS, exports.capped(rows))


def _customer_panel(session: DbSession, customer: Customer) -> dict[str, Any]:
    """客户 360: the open customer surveys a seat may fill in now, and the customer's past answers."""
    responses = services.customer_responses(session, customer.id)
    done = {r.survey_id for r in responses}
    open_now = services.open_surveys(session, SurveyAudience.CUSTOMER, clock.now()) if can(FILL) else []
    return {"survey_open": [s for s in open_now if s.id not in done], "survey_responses": responses,
            "survey_answers": services.response_answers(session, [r.id for r in responses])}


sections.add("surveys", "问卷", "surveys/_customer_panel.html", _customer_panel, order=70)
