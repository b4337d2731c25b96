"""员工信息 screens: the staff list with filters and export, an employee's profile with certificates, editing the
profile and certificates, and 离职. Every load goes through the data scope (out of scope looks missing)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock
from app.admin import dictionaries
from app.auth.models import User, UserStatus
from app.auth.permissions import can, require
from app.errors import DomainError, refused
from app.exports import xlsx_response
from app.extensions import db
from app.hr import staff, staff_demo, staff_panels, staff_reminders  # noqa: F401  (demo and panels register)
from app.hr.staff_access import STAFF_MANAGE, STAFF_VIEW
from app.hr.staff_models import StaffCertificate
from app.org import scope as data_scope
from app.org import services as org_services
from app.org.access import USER_MANAGE
from app.pagination import Page, page_number
from app.pools import handover
from forms.base import first_error
from forms.hr_staff import CertificateForm, LeavingForm, StaffProfileForm
from rules.identity import mask_id_number

bp = Blueprint("staff", __name__, url_prefix="/hr/staff")

PER_PAGE = 30
STATUS_FILTERS = {"active": "在职", "left": "离职", "all": "全部"}


def _scope(permission: str) -> data_scope.Scope:
    return data_scope.scope_of(db.session, current_user, permission)


def _load(user_id: int, permission: str) -> User:
    """Load an employee the current user may see (themselves included) or maintain (by the scope alone)."""
    owner = "id" if permission == STAFF_VIEW else None
    return data_scope.get_or_404(db.session, User, user_id, _scope(permission), owner_attr=owner)


def _labels() -> dict[str, dict[str, str]]:
    return {code: dict(dictionaries.choices(db.session, code))
            for code in (staff.CONTRACT_TYPE, staff.EDUCATION, staff.CERTIFICATE_TYPE)}


def _org_choices(scope: data_scope.Scope) -> list[tuple[int, str]]:
    allowed = set(data_scope.org_ids(db.session, scope))
    return [(o.id, "　" * o.depth + o.name) for o in org_services.org_tree(db.session) if o.id in allowed]


def _window() -> dict[str, Any]:
    return {"today": clock.today(), "days": staff_reminders.window_days(db.session)}


@bp.get("/")
@require(STAFF_VIEW)
def index() -> Any:
    scope = _scope(STAFF_VIEW)
    stmt = staff.staff_query(db.session, scope, staff.filters_from(request.args))
    number = page_number()
    rows = list(db.session.execute(stmt.limit(PER_PAGE).offset((number - 1) * PER_PAGE)).all())
    certificates = staff.certificates_of(db.session, [user.id for user, _profile in rows])
    return render_template("hr/staff_list.html", page=Page(rows, number, PER_PAGE, staff.count(db.session, stmt)),
                           certificates=certificates, orgs=_org_choices(scope), statuses=STATUS_FILTERS,
                           labels=_labels(), mask=mask_id_number, **_window())


@bp.get("/export")
@require(STAFF_VIEW)
def export() -> Any:
    labels, window = _labels(), _window()
    stmt = staff.staff_query(db.session, _scope(STAFF_VIEW), staff.filters_from(request.args))

    def rows() -> Any:
        staff_rows = db.session.execute(stmt).all()
        certificates = staff.certificates_of(db.session, [user.id for user, _profile in staff_rows])
        for user, profile in staff_rows:
            p = staff.ProfileInput.of(profile)
            held = certificates[user.id]
            yield (user.work_no, user.name, user.org.name, user.status.label, p.hire_date,
                   labels[staff.CONTRACT_TYPE].get(p.contract_type, p.contract_type), p.contract_start,
                   p.contract_end, labels[staff.EDUCATION].get(p.education, p.education), p.school, p.major,
                   mask_id_number(p.id_number), p.emergency_name, p.emergency_relation, p.emergency_phone,
                   "；".join(f"{labels[staff.CERTIFICATE_TYPE].get(c.cert_type, c.cert_type)} {c.number}"
                            f"（{c.expires_on or '长期'}，{c.state(window['today'], window['days']).label}）"
                            for c in held), staff.leaving_date(user, profile), p.remark)

    headers = ["工号", "姓名", "组织", "状态", "入职日期", "合同类型", "合同开始", "合同结束", "学历", "毕业院校",
               "专业", "身份证号", "紧急联系人", "关系", "紧急联系人电话", "资格证书（到期日，状态）",
               "离职日期", "备注"]
    return xlsx_response("员工信息", headers, rows())


def _detail(user: User, *, cert_form: CertificateForm | None = None, leaving_form: LeavingForm | None = None,
            open_modal: str = "") -> str:
    profile = staff.profile_of(db.session, user)
    manageable = can(STAFF_MANAGE) and data_scope.covers(db.session, _scope(STAFF_MANAGE), user.org_id)
    active = user.status == UserStatus.ACTIVE
    if cert_form is None:
        cert_form = CertificateForm(formdata=None)
        _certificate_choices(cert_form, "")
    return render_template(
        "hr/staff_detail.html", user=user, profile=profile,
        certificates=staff.certificates_of(db.session, [user.id])[user.id], labels=_labels(),
        cert_form=cert_form, leaving_form=leaving_form or LeavingForm(formdata=None, end_date=clock.today()),
        can_manage=manageable and active, end_date=staff.leaving_date(user, profile),
        can_leave=manageable and active and can(USER_MANAGE) and user.id != current_user.id,
        open_modal=open_modal, **_window())


@bp.get("/<int:user_id>")
@require(STAFF_VIEW)
def detail(user_id: int) -> Any:
    return _detail(_load(user_id, STAFF_VIEW))


def _choices(dict_code: str, current: str, blank: str) -> list[tuple[str, str]]:
    """Base-data choices, keeping a disabled code the record already has so saving does not lose it."""
    pairs = dictionaries.choices(db.session, dict_code, blank=blank)
    if current and current not in {code for code, _ in pairs}:
        pairs.append((current, dictionaries.label(db.session, dict_code, current) + "（已停用）"))
    return pairs


def _certificate_choices(form: CertificateForm, current: str) -> None:
    form.cert_type.choices = _choices(staff.CERTIFICATE_TYPE, current, "请选择证书类型")


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@require(STAFF_MANAGE)
def edit(user_id: int) -> Any:
    user = _load(user_id, STAFF_MANAGE)
    current = staff.ProfileInput.of(staff.profile_of(db.session, user))
    form = StaffProfileForm(data=asdict(current) if request.method == "GET" else None)
    form.contract_type.choices = _choices(staff.CONTRACT_TYPE, current.contract_type, "（未填）")
    form.education.choices = _choices(staff.EDUCATION, current.education, "（未填）")
    if not form.validate_on_submit():
        if form.is_submitted():
            flash(first_error(form), "danger")
            return render_template("hr/staff_form.html", form=form, user=user), 422
        return render_template("hr/staff_form.html", form=form, user=user)
    data = staff.ProfileInput(
        hire_date=form.hire_date.data, contract_type=form.contract_type.data or "",
        contract_start=form.contract_start.data, contract_end=form.contract_end.data,
        education=form.education.data or "", school=form.school.data or "", major=form.major.data or "",
        id_number=form.id_number.data or "", emergency_name=form.emergency_name.data or "",
        emergency_phone=form.emergency_phone.data or "", emergency_relation=form.emergency_relation.data or "",
        remark=form.remark.data or "")
    try:
        staff.save_profile(db.session, user, data)
    except DomainError as exc:
        return refused(exc, "hr/staff_form.html", form=form, user=user)
    db.session.commit()
    flash(f"{user.name} 的员工信息已保存", "success")
    return redirect(url_for("staff.detail", user_id=user.id))


def _certificate_input(form: CertificateForm) -> staff.CertificateInput:
    return staff.CertificateInput(cert_type=form.cert_type.data or "", number=form.number.data or "",
                                  issued_on=form.issued_on.data, expires_on=form.expires_on.data)


@bp.post("/<int:user_id>/certificates")
@require(STAFF_MANAGE)
def add_certificate(user_id: int) -> Any:
    user = _load(user_id, STAFF_MANAGE)
    form = CertificateForm()
    _certificate_choices(form, "")
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
        return _detail(user, cert_form=form, open_modal="certificate-modal"), 422
    try:
        certificate = staff.add_certificate(db.session, user, _certificate_input(form))
    except DomainError as exc:
        return refused(exc, lambda: _detail(user, cert_form=form, open_modal="certificate-modal"))
    db.session.commit()
    label = dictionaries.label(db.session, staff.CERTIFICATE_TYPE, certificate.cert_type)
    flash(f"已为 {user.name} 登记{label}（{certificate.number}）", "success")
    return redirect(url_for("staff.detail", user_id=user.id))


@bp.route("/<int:user_id>/certificates/<int:certificate_id>/edit", methods=["GET", "POST"])
@require(STAFF_MANAGE)
def edit_certificate(user_id: int, certificate_id: int) -> Any:
    user = _load(user_id, STAFF_MANAGE)
    certificate = staff.get_certificate(db.session, user, certificate_id)
    form = CertificateForm(obj=certificate if request.method == "GET" else None)
    _certificate_choices(form, certificate.cert_type)
    context = {"form": form, "user": user, "certificate": certificate}
    if not form.validate_on_submit():
        if form.is_submitted():
            flash(first_error(form), "danger")
            return render_template("hr/staff_certificate_form.html", **context), 422
        return render_template("hr/staff_certificate_form.html", **context)
    try:
        staff.update_certificate(db.session, user, certificate, _certificate_input(form))
    except DomainError as exc:
        return refused(exc, "hr/staff_certificate_form.html", **context)
    db.session.commit()
    flash("资格证书已保存", "success")
    return redirect(url_for("staff.detail", user_id=user.id))


@bp.post("/<int:user_id>/certificates/<int:certificate_id>/delete")
@require(STAFF_MANAGE)
def delete_certificate(user_id: int, certificate_id: int) -> Any:
    user = _load(user_id, STAFF_MANAGE)
    certificate: StaffCertificate = staff.get_certificate(db.session, user, certificate_id)
    number = certificate.number
    staff.delete_certificate(db.session, user, certificate)
    db.session.commit()
    flash(f"已删除证书 {number}", "success")
    return redirect(url_for("staff.detail", user_id=user.id))


@bp.post("/<int:user_id>/leave")
@require(STAFF_MANAGE)
def leave(user_id: int) -> Any:
    user = _load(user_id, STAFF_MANAGE)
    form = LeavingForm()
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
        return _detail(user, leaving_form=form, open_modal="leave-modal"), 422
    if not can(USER_MANAGE):
        flash("办理离职还需要“用户维护”权限", "danger")
        return _detail(user, leaving_form=form, open_modal="leave-modal"), 403
    try:
        staff.record_leaving(db.session, current_user, user, form.end_date.data)
    except DomainError as exc:
        return refused(exc, lambda: _detail(user, leaving_form=form, open_modal="leave-modal"))
    waiting = sum(handover.counts_by_type(db.session, handover.pending_condition(user.id)).values())
    db.session.commit()
    flash(f"{user.name} 已办理离职（离职日期 {form.end_date.data:%Y-%m-%d}）：账号已停用，"
          f"{waiting} 个客户转入离职待交接，由部门主管交接给其他坐席", "success")
    return redirect(url_for("staff.detail", user_id=user.id))
