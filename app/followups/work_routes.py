"""有效跟进 (seed 000 §1.3): one page in three parts — the customers to work (查询), the chosen customer's
appointments and follow-up form (预约维护), and its basic information (基础信息维护). Each part is a panel that
htmx posts to and swaps; a refusal lands in the panel's error line and leaves what was typed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any, TypeVar

from flask import flash, make_response, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app import clock
from app.admin import dictionaries
from app.auth.permissions import require
from app.customers import routes as customer_screens
from app.customers import services as customer_services
from app.customers.access import CUSTOMER_GRADE, CUSTOMERS_EDIT
from app.customers.models import CUSTOMER_TYPE_LABELS, Customer, CustomerType
from app.errors import DomainError, ValidationFailed
from app.extensions import db
from app.followups import bp, services, work
from app.followups.access import FOLLOWUP_RESULT, FOLLOWUPS_VIEW
from app.pagination import Page, page_number
from forms.base import first_error
from forms.customers import AddressForm, PhoneForm
from forms.followups import AppointmentForm, BasicInfoForm, FollowUpForm, PhoneFixForm
from rules import phones as phone_rules

F = TypeVar("F", bound=Callable[..., Any])
PER_PAGE = 20
PANELS = {
    "appointments": "followups/_work_appointments.html",
    "follow_up": "followups/_work_follow_up.html",
    "basic": "followups/_work_basic.html",
}


def is_htmx() -> bool:
    return bool(request.headers.get("HX-Request"))


def refusals(target: str) -> Callable[[F], F]:
    """Decorate an htmx view: a refused action answers with its Chinese reason swapped into ``target``.

    Plain requests keep the one error path (app.errors): a flash on the page they came from.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not is_htmx():
                return view(*args, **kwargs)
            try:
                return view(*args, **kwargs)
            except DomainError as exc:
                db.session.rollback()
                response = make_response(render_template("followups/_work_error.html", message=exc.message),
                                         exc.status)
                response.headers["HX-Retarget"] = target
                response.headers["HX-Reswap"] = "innerHTML"
                return response

        return wrapped  # type: ignore[return-value]

    return decorator


def follow_up_form(customer: Customer, formdata: Any = ...) -> FollowUpForm:
    """The follow-up form with the customer's phones and the result dictionary; ``formdata=None`` for a blank one."""
    form = FollowUpForm() if formdata is ... else FollowUpForm(formdata=formdata)
    form.phone.choices = [(p.phone, f"{p.phone}（{p.kind_label}）") for p in customer.phones]
    form.result.choices = dictionaries.choices(db.session, FOLLOWUP_RESULT, blank="（请选择）")
    # 无效 needs a reason and moves the customer to the invalid pool: it has its own form (标记无效).
    form.new_type.choices = [("", "（不变）")] + [(k, v) for k, v in CUSTOMER_TYPE_LABELS.items()
                                                 if k != CustomerType.INVALID]
    return form


def basic_form(customer: Customer) -> BasicInfoForm:
    form = BasicInfoForm(formdata=None, obj=customer)
    form.gender.data = customer.gender.value
    form.grade.choices = dictionaries.choices(db.session, CUSTOMER_GRADE, blank="（未评级）")
    return form


def panel_context(customer: Customer) -> dict[str, Any]:
    """What the three panels and the header of one customer show."""
    return {
        "customer": customer, "selected": customer.id, "next_at": work.next_appointment(db.session, customer.id),
        "mask": phone_rules.mask, "today": clock.today(),
        "appointments": services.appointments_of(db.session, customer.id),
        "appointment_form": AppointmentForm(formdata=None),
        "follow_up_form": follow_up_form(customer, formdata=None),
        "follow_ups": services.follow_ups_of(db.session, customer.id, limit=5),
        "results": dict(dictionaries.choices(db.session, FOLLOWUP_RESULT)),
        "valid_seconds": services.valid_call_seconds(db.session),
        "basic_form": basic_form(customer), "phone_form": PhoneForm(formdata=None),
        "address_form": AddressForm(formdata=None),
        "blacklisted": customer_screens.blacklisted_on([customer]),
    }


def answer(customer_id: int, panel: str, message: str, *, fallback: str | None = None) -> Any:
    """Commit one action; htmx gets the panel again plus the changed header and list row, a form post a redirect."""
    db.session.commit()
    if is_htmx():
        customer = customer_screens.load(customer_id)
        return render_template(PANELS[panel], oob=True, panel=panel, notice=message, **panel_context(customer))
    flash(message, "success")
    return redirect(fallback or url_for("followups.index", customer=customer_id))


def _editable(customer_id: int) -> Customer:
    return customer_screens.load(customer_id, CUSTOMERS_EDIT)


# --- the page and its top part (有效跟进客户查询) ----------------------------------------------------------


def _day(name: str) -> date | None:
    try:
        return datetime.strptime(request.args.get(name, ""), "%Y-%m-%d").date()
    except ValueError:
        return None


def work_filter() -> tuple[work.WorkFilter, str]:
    """The search of the top part from the query string, and a warning for input it had to ignore."""
    args = request.args
    kind, status = args.get("type", ""), args.get("status", "")
    f = work.WorkFilter(q=args.get("q", "").strip()[:50], type=kind if kind in CUSTOMER_TYPE_LABELS else "",
                        status=status if status in work.WORK_STATUS_LABELS else "",
                        day_from=_day("from"), day_to=_day("to"))
    try:
        f.phone_tail = work.clean_phone_tail(args.get("phone", "")[:30])
    except ValidationFailed as exc:
        return f, exc.message
    return f, ""


def work_page(f: work.WorkFilter) -> Page:
    stmt = work.work_customers(customer_screens.scope(), f)
    page = page_number()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.execute(stmt.options(selectinload(Customer.phones))
                              .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return Page(list(rows), page, PER_PAGE, int(total))


@bp.get("/")
@require(FOLLOWUPS_VIEW)
def index() -> Any:
    """The 有效跟进 page; ``?customer=`` opens that customer below the list."""
    f, warning = work_filter()
    context: dict[str, Any] = {"page": work_page(f), "filters": f, "warning": warning, "mask": phone_rules.mask,
                               "today": clock.today(), "statuses": work.WORK_STATUS_LABELS,
                               "types": CUSTOMER_TYPE_LABELS}
    if is_htmx():  # a search or another page of the list
        return render_template("followups/_work_list.html", **context)
    selected = request.args.get("customer", type=int)
    if selected:
        context.update(panel_context(customer_screens.load(selected)))
    context.setdefault("selected", None)
    return render_template("followups/work.html", **context)


@bp.get("/customers/<int:customer_id>/work")
@require(FOLLOWUPS_VIEW)
@refusals("#customer-work")
def work_customer(customer_id: int) -> Any:
    """The middle and bottom parts for one customer (预约维护, 跟进, 基础信息维护)."""
    return render_template("followups/_work_customer.html", **panel_context(customer_screens.load(customer_id)))


# --- bottom part: 客户基础信息维护 -------------------------------------------------------------------


@bp.post("/customers/<int:customer_id>/basic")
@require(CUSTOMERS_EDIT)
@refusals("#work-basic-error")
def save_basic(customer_id: int) -> Any:
    customer = _editable(customer_id)
    form = BasicInfoForm()
    form.grade.choices = dictionaries.choices(db.session, CUSTOMER_GRADE, blank="（未评级）")
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    work.save_basic_info(db.session, customer, name=form.name.data or "", gender=form.gender.data or "",
                         birthday=form.birthday.data, grade=form.grade.data or "")
    return answer(customer.id, "basic", "基本信息已保存")


@bp.post("/customers/<int:customer_id>/work-phones")
@require(CUSTOMERS_EDIT)
@refusals("#work-basic-error")
def add_phone(customer_id: int) -> Any:
    customer = _editable(customer_id)
    form = PhoneForm()
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    record = customer_services.add_phone(db.session, customer, form.phone.data or "", form.remark.data or "")
    return answer(customer.id, "basic", f"已添加电话 {record.phone}")


@bp.post("/customers/<int:customer_id>/work-phones/<int:phone_id>")
@require(CUSTOMERS_EDIT)
@refusals("#work-basic-error")
def fix_phone(customer_id: int, phone_id: int) -> Any:
    customer = _editable(customer_id)
    form = PhoneFixForm()
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    record = work.correct_phone(db.session, customer, phone_id, form.phone.data or "")
    return answer(customer.id, "basic", f"电话已改为 {record.phone}")


@bp.post("/customers/<int:customer_id>/work-phones/<int:phone_id>/primary")
@require(CUSTOMERS_EDIT)
@refusals("#work-basic-error")
def primary_phone(customer_id: int, phone_id: int) -> Any:
    customer = _editable(customer_id)
    customer_services.make_primary_phone(db.session, customer, phone_id)
    return answer(customer.id, "basic", "已设为主要电话")


@bp.post("/customers/<int:customer_id>/work-addresses")
@require(CUSTOMERS_EDIT)
@refusals("#work-basic-error")
def add_address(customer_id: int) -> Any:
    customer = _editable(customer_id)
    form = AddressForm()
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    customer_services.add_address(db.session, customer, form.kind.data or "", form.address.data or "",
                                  form.postcode.data or "")
    return answer(customer.id, "basic", "地址已添加")


@bp.post("/customers/<int:customer_id>/work-addresses/<int:address_id>/delete")
@require(CUSTOMERS_EDIT)
@refusals("#work-basic-error")
def remove_address(customer_id: int, address_id: int) -> Any:
    customer = _editable(customer_id)
    customer_services.remove_address(db.session, customer, address_id)
    return answer(customer.id, "basic", "地址已删除")
