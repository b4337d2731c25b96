"""Customer screens: 客户信息管理 list and export, 客户 360, create/edit, phones and addresses,
classification tree, blacklist, and the seat's 当前客户 / 意向客户 / 有效客户 views."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from app.admin import dictionaries
from app.auth.models import DataScope
from app.auth.permissions import can, current_permissions, require
from app.customers import blacklist, exports, search, sections, services, visibility
from app.customers import demo as _demo  # noqa: F401  (registers the demo-data loader)
from app.customers import processes as _processes  # noqa: F401  (registers the 相关流程 section)
from app.customers.access import (
    BLACKLIST_MANAGE,
    BLACKLIST_MARK,
    CUSTOMER_GRADE,
    CUSTOMER_SOURCE,
    CUSTOMERS_EDIT,
    CUSTOMERS_EXPORT,
    CUSTOMERS_VIEW,
    WORKBENCH,
)
from app.customers.categories import category_label, category_labels
from app.customers.models import (
    CUSTOMER_TYPE_LABELS,
    POOL_LABELS,
    Customer,
    CustomerAlias,
    CustomerCategory,
    CustomerType,
)
from app.errors import NotFound, ValidationFailed
from app.exports import xlsx_response
from app.extensions import db
from app.org import scope as data_scope
from app.org.models import Org
from app.pagination import KeysetPage, keyset_page
from app.pools.services import seat_for_assignment
from forms.base import first_error
from forms.customers import AddressForm, BlacklistMarkForm, CustomerForm, NewCustomerForm, PhoneForm
from rules import phones as phone_rules
from rules.identity import ID_TYPE_LABELS

bp = Blueprint("customers", __name__, url_prefix="/customers")
# What a customer's pool lets a page show (app.customers.visibility), for every template.
bp.add_app_template_global(visibility.masked, "pool_masked")
bp.add_app_template_global(visibility.phone_shown, "shown_phone")
bp.add_app_template_global(visibility.id_number_shown, "shown_id_number")

PER_PAGE = 50
CURRENT_KEY = "current_customer_id"


# --- shared helpers (the pools and follow-up screens use these too) -----------------------------------


def scope(permission: str = CUSTOMERS_VIEW) -> data_scope.Scope:
    return services.customer_scope(db.session, current_user, permission)


def filter_from_args() -> services.CustomerFilter:
    """Read the combined-search form (组合查询) from the query string."""
    args = request.args

    def _int(name: str) -> int | None:
        try:
            return int(args.get(name, "") or 0) or None
        except ValueError:
            return None

    def _day(name: str) -> date | None:
        try:
            return datetime.strptime(args.get(name, ""), "%Y-%m-%d").date()
        except ValueError:
            return None

    types = tuple(t for t in args.getlist("type") if t in CUSTOMER_TYPE_LABELS)
    pool = args.get("pool", "")
    return services.CustomerFilter(
        q=args.get("q", "").strip()[:100], types=types, pool=pool if pool in POOL_LABELS else "",
        category_id=_int("category"), grade=args.get("grade", ""), source=args.get("source", ""),
        import_batch=args.get("batch", "").strip(), seat_id=_int("seat"), org_id=_int("org"),
        created_from=_day("from"), created_to=_day("to"),
        holding=args.get("holding", "") if args.get("holding", "") in ("0", "1") else "",
    )


def blacklisted_on(customers: list[Customer]) -> set[str]:
    return blacklist.blacklisted(db.session, (p.phone for c in customers for p in c.phones))


def list_context(customers: list[Customer]) -> dict[str, Any]:
    """What the shared customer table needs besides the rows."""
    return {"blacklisted": blacklisted_on(customers), "category_labels": category_labels(db.session),
            "mask": phone_rules.mask}


def _with_table_options(stmt: Select[Any]) -> Select[Any]:
    return stmt.options(selectinload(Customer.phones), selectinload(Customer.service_seat),
                        selectinload(Customer.service_org))


def paginate(stmt: Select[Any]) -> Any:
    """Numbered pages with the exact total, for lists bounded by design (a seat's own customers)."""
    return db.paginate(_with_table_options(stmt), per_page=PER_PAGE, error_out=False)


def keyset(stmt: Select[Any], *order: Any, walk_index: str) -> KeysetPage:
    """首页 / 上一页 / 下一页 / 末页 by ``order`` with a bounded count, for lists as wide as a city
    (``walk_index``: see app.pagination.keyset_page); a search counts to search.COUNT_CAP."""
    searching = bool(request.args.get("q", "").strip())
    return keyset_page(_with_table_options(stmt), order, PER_PAGE, walk_index=walk_index,
                       count_cap=search.COUNT_CAP if searching else None)


def _choices(form: CustomerForm) -> None:
    form.category_id.choices = [(0, "（未分类）")] + list(category_labels(db.session).items())
    form.grade.choices = dictionaries.choices(db.session, CUSTOMER_GRADE, blank="（未评级）")
    form.source.choices = dictionaries.choices(db.session, CUSTOMER_SOURCE, blank="（未填写）")


def _customer_input(form: CustomerForm, new: bool) -> services.CustomerInput:
    data = services.CustomerInput(
        name=form.name.data or "", gender=form.gender.data or "", birthday=form.birthday.data,
        id_type=form.id_type.data or "", id_number=form.id_number.data or "",
        category_id=form.category_id.data or None, type=form.type.data or "", grade=form.grade.data or "",
        source=form.source.data or "", tags=form.tags.data or "", remark=form.remark.data or "")
    if new and isinstance(form, NewCustomerForm):
        data.phones = [form.phone.data or "", form.phone2.data or ""]
        data.address = form.address.data or ""
    return data


def load(customer_id: int, permission: str = CUSTOMERS_VIEW) -> Customer:
    """The customer in the user's scope for ``permission``; loaded to change it (CUSTOMERS_EDIT), not a masked one."""
    customer = services.get_customer(db.session, scope(permission), customer_id)
    if permission == CUSTOMERS_EDIT:
        visibility.check_change(customer)
    return customer


def current_customer() -> Customer | None:
    """The customer the seat put on 当前客户 (seed 000 §1.4), if still visible to them."""
    customer_id = session.get(CURRENT_KEY)
    if not customer_id:
        return None
    try:
        return load(int(customer_id))
    except NotFound:
        session.pop(CURRENT_KEY, None)
        return None


# --- list, search, export ------------------------------------------------------------------------


@bp.get("/")
@require(CUSTOMERS_VIEW)
def index() -> Any:
    f = filter_from_args()
    page = keyset(services.filter_customers(services.scoped(select(Customer), scope()), f), Customer.id.desc(),
                  walk_index="rowid")
    seats = services.seat_choices(db.session, scope())
    org_choices = data_scope.org_ids(db.session, scope())
    orgs = list(db.session.scalars(select(Org).where(Org.id.in_(org_choices)).order_by(Org.path)))
    return render_template("customers/index.html", page=page, filters=f, seats=seats, orgs=orgs,
                           grades=dictionaries.choices(db.session, CUSTOMER_GRADE),
                           sources=dictionaries.choices(db.session, CUSTOMER_SOURCE),
                           **list_context(page.items))


@bp.get("/export")
@require(CUSTOMERS_EXPORT)
def export() -> Any:
    stmt = services.filter_customers(services.scoped(select(Customer), scope()), filter_from_args())
    stmt = stmt.order_by(Customer.id)
    return xlsx_response("客户信息", exports.EXPORT_HEADERS, exports.export_rows(db.session, stmt))


@bp.get("/n/<number>")
@require(CUSTOMERS_VIEW)
def by_number(number: str) -> Any:
    """Open a customer by number — a merged number (alias) leads to the survivor."""
    customer_id = services.resolve_number(db.session, number)
    if customer_id is None:
        raise NotFound("客户编号不存在")
    return redirect(url_for("customers.detail", customer_id=load(customer_id).id))


# --- 客户 360 --------------------------------------------------------------------------------------


@bp.get("/<int:customer_id>")
@require(CUSTOMERS_VIEW)
def detail(customer_id: int) -> Any:
    customer = load(customer_id)
    shown = [(section, section.context(db.session, customer))
             for section in sections.visible(current_permissions())]
    category = db.session.get(CustomerCategory, customer.category_id) if customer.category_id else None
    return render_template(
        "customers/detail.html", customer=customer, sections=shown,
        category_label=category_label(db.session, category) if category else "",
        blacklisted=blacklisted_on([customer]), phone_form=PhoneForm(), address_form=AddressForm(),
        mark_form=BlacklistMarkForm(), source_label=dictionaries.label(db.session, CUSTOMER_SOURCE, customer.source),
        aliases=_aliases(customer.id), id_type_labels=ID_TYPE_LABELS,
        is_current=session.get(CURRENT_KEY) == customer.id)


def _aliases(customer_id: int) -> list[str]:
    return list(db.session.scalars(select(CustomerAlias.number).where(CustomerAlias.customer_id == customer_id)
                                   .order_by(CustomerAlias.number)))


@bp.post("/<int:customer_id>/current")
@require(WORKBENCH)
def make_current(customer_id: int) -> Any:
    customer = load(customer_id)
    session[CURRENT_KEY] = customer.id
    flash(f"已将 {customer.name}（{customer.number}）设为当前客户", "success")
    return redirect(url_for("customers.current"))


# --- create and edit -----------------------------------------------------------------------------


def _placement_choices(form: NewCustomerForm) -> None:
    sc = scope(CUSTOMERS_EDIT)
    ids = data_scope.org_ids(db.session, sc)
    orgs = list(db.session.scalars(select(Org).where(Org.id.in_(ids), Org.active.is_(True)).order_by(Org.path)))
    form.org_id.choices = [(o.id, "　" * o.depth + o.name) for o in orgs] or [(current_user.org_id,
                                                                              current_user.org.name)]
    form.seat_id.choices = [(0, "（不指定，进入部门信息池）")] + [
        (u.id, f"{u.name}（{u.work_no}）") for u in services.seat_choices(db.session, sc)]


def _is_seat_only() -> bool:
    """Seats create customers straight into their own personal pool (意向客户 新增)."""
    return data_scope.scope_of(db.session, current_user, CUSTOMERS_EDIT).level == DataScope.SELF


@bp.route("/new", methods=["GET", "POST"])
@require(CUSTOMERS_EDIT)
def create() -> Any:
    form = NewCustomerForm()
    _choices(form)
    seat_only = _is_seat_only()
    if seat_only:
        del form.org_id
        del form.seat_id
    else:
        _placement_choices(form)
    if request.method == "GET":
        form.type.data = request.args.get("type", CustomerType.NEW.value)
        form.phone.data = request.args.get("phone", "")[:30]  # 来电弹屏 “新客户” opens the form with the number
        return render_template("customers/form.html", form=form, customer=None)
    if not form.validate_on_submit():
        return render_template("customers/form.html", form=form, customer=None), 422
    if seat_only:
        org_id, seat_id = current_user.org_id, current_user.id
    else:
        org_id = form.org_id.data
        if org_id not in data_scope.org_ids(db.session, scope(CUSTOMERS_EDIT)):
            raise ValidationFailed("服务组织不在您的管理范围内")
        seat_id = form.seat_id.data or None
        if seat_id:
            org_id = seat_for_assignment(db.session, scope(CUSTOMERS_EDIT), seat_id).org_id
    customer = services.create_customer(db.session, _customer_input(form, True), org_id=org_id, seat_id=seat_id,
                                        actor_id=current_user.id, source_default="phone")
    db.session.commit()
    flash(f"已新建客户 {customer.name}（{customer.number}）", "success")
    return redirect(url_for("customers.detail", customer_id=customer.id))


@bp.route("/<int:customer_id>/edit", methods=["GET", "POST"])
@require(CUSTOMERS_EDIT)
def edit(customer_id: int) -> Any:
    customer = load(customer_id, CUSTOMERS_EDIT)
    form = CustomerForm(obj=customer) if request.method == "GET" else CustomerForm()
    _choices(form)
    if request.method == "GET":
        form.category_id.data = customer.category_id or 0
        form.gender.data, form.id_type.data = customer.gender.value, customer.id_type.value
        form.type.data = customer.type.value
        return render_template("customers/form.html", form=form, customer=customer)
    if not form.validate_on_submit():
        return render_template("customers/form.html", form=form, customer=customer), 422
    services.update_customer(db.session, customer, _customer_input(form, False))
    db.session.commit()
    flash("客户资料已保存", "success")
    return redirect(url_for("customers.detail", customer_id=customer.id))


@bp.post("/<int:customer_id>/type")
@require(CUSTOMERS_EDIT)
def change_type(customer_id: int) -> Any:
    customer = load(customer_id, CUSTOMERS_EDIT)
    new_type = request.form.get("type", "")
    services.set_type(db.session, customer, new_type)
    db.session.commit()
    flash(f"客户类型已改为“{customer.type.label}”", "success")
    return redirect(request.form.get("next") or url_for("customers.detail", customer_id=customer.id))


def _to_contacts(customer: Customer) -> Any:
    """Back to 客户 360, scrolled to the phones and addresses."""
    return redirect(url_for("customers.detail", customer_id=customer.id, _anchor="contacts"))


@bp.post("/<int:customer_id>/phones")
@require(CUSTOMERS_EDIT)
def add_phone(customer_id: int) -> Any:
    customer = load(customer_id, CUSTOMERS_EDIT)
    form = PhoneForm()
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    services.add_phone(db.session, customer, form.phone.data or "", form.remark.data or "")
    db.session.commit()
    flash("电话已添加", "success")
    return _to_contacts(customer)


@bp.post("/<int:customer_id>/phones/<int:phone_id>/delete")
@require(CUSTOMERS_EDIT)
def remove_phone(customer_id: int, phone_id: int) -> Any:
    customer = load(customer_id, CUSTOMERS_EDIT)
    services.remove_phone(db.session, customer, phone_id)
    db.session.commit()
    flash("电话已删除", "success")
    return _to_contacts(customer)


@bp.post("/<int:customer_id>/phones/<int:phone_id>/primary")
@require(CUSTOMERS_EDIT)
def primary_phone(customer_id: int, phone_id: int) -> Any:
    customer = load(customer_id, CUSTOMERS_EDIT)
    services.make_primary_phone(db.session, customer, phone_id)
    db.session.commit()
    return _to_contacts(customer)


@bp.post("/<int:customer_id>/addresses")
@require(CUSTOMERS_EDIT)
def add_address(customer_id: int) -> Any:
    customer = load(customer_id, CUSTOMERS_EDIT)
    form = AddressForm()
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    services.add_address(db.session, customer, form.kind.data or "", form.address.data or "", form.postcode.data or "")
    db.session.commit()
    flash("地址已添加", "success")
    return _to_contacts(customer)


@bp.post("/<int:customer_id>/addresses/<int:address_id>/delete")
@require(CUSTOMERS_EDIT)
def remove_address(customer_id: int, address_id: int) -> Any:
    customer = load(customer_id, CUSTOMERS_EDIT)
    services.remove_address(db.session, customer, address_id)
    db.session.commit()
    flash("地址已删除", "success")
    return _to_contacts(customer)


@bp.post("/move-category")
@require(CUSTOMERS_EDIT)
def move_category() -> Any:
    ids = [int(v) for v in request.form.getlist("customer_id") if v.isdigit()]
    raw = request.form.get("category_id", "")
    category_id = int(raw) if raw.isdigit() and int(raw) else None
    moved = services.move_to_category(db.session, scope(CUSTOMERS_EDIT), ids, category_id)
    db.session.commit()
    flash(f"已将 {moved} 个客户移动到{'所选分类' if category_id else '“未分类”'}", "success")
    return redirect(request.referrer or url_for("customers.index"))


# --- blacklist (黑名单) ------------------------------------------------------------------------------


@bp.post("/<int:customer_id>/blacklist")
@require(BLACKLIST_MARK)
def mark_blacklist(customer_id: int) -> Any:
    customer = load(customer_id)
    form = BlacklistMarkForm()
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    phone = phone_rules.clean(form.phone.data or "")
    if phone not in {p.phone for p in customer.phones}:
        raise ValidationFailed("请选择该客户登记的电话")
    count = blacklist.mark(db.session, current_user, phone, form.reason.data or "")
    db.session.commit()
    limit = blacklist.threshold(db.session)
    if count >= limit:
        flash(f"已标记。该电话已被 {count} 名坐席标记，列入黑名单", "warning")
    else:
        flash(f"已标记（{count}/{limit}），达到 {limit} 次后将列入黑名单", "success")
    return _to_contacts(customer)


@bp.post("/blacklist/mark")
@require(BLACKLIST_MARK)
def mark_incoming() -> Any:
    """Mark a harassing caller's number (骚扰来电) that may belong to no customer of the seat."""
    form = BlacklistMarkForm()
    if not form.validate_on_submit():
        raise ValidationFailed(first_error(form))
    count = blacklist.mark(db.session, current_user, form.phone.data or "", form.reason.data or "")
    db.session.commit()
    limit = blacklist.threshold(db.session)
    flash(f"已标记（{min(count, limit)}/{limit}）" + ("，该电话已列入黑名单" if count >= limit else ""),
          "warning" if count >= limit else "success")
    return redirect(request.referrer or url_for("followups.index"))


@bp.get("/blacklist")
@require(BLACKLIST_MANAGE)
def blacklist_page() -> Any:
    only = request.args.get("only") == "1"
    q = request.args.get("q", "").strip()
    stmt = blacklist.entries_query(db.session, only_blacklisted=only, q=q)
    rows = blacklist.entries(db.session, stmt.limit(500))
    return render_template("customers/blacklist.html", rows=rows, threshold=blacklist.threshold(db.session),
                           only=only, q=q)


@bp.post("/blacklist/<phone>/clear")
@require(BLACKLIST_MANAGE)
def blacklist_clear(phone: str) -> Any:
    removed = blacklist.clear(db.session, phone)
    db.session.commit()
    flash(f"已解除，删除标记 {removed} 条", "success")
    return redirect(url_for("customers.blacklist_page"))


# --- the seat's work platform (工作平台) ------------------------------------------------------------


def _mine(types: tuple[CustomerType, ...] | None) -> Select[Any]:
    stmt = select(Customer).where(Customer.service_seat_id == current_user.id)
    if types:
        stmt = stmt.where(Customer.type.in_(types))
    f = filter_from_args()
    f.types = ()
    return services.filter_customers(stmt, f).order_by(Customer.last_followup_at.desc().nullsfirst(),
                                                       Customer.id.desc())


WORKBENCH_VIEWS = {
    "current": ("当前客户", None, "个人信息池中的全部客户；可把一个客户设为“当前客户”，在此页处理"),
    "intent": ("意向客户", (CustomerType.NEW, CustomerType.INTENT), "新建和意向客户：手工新增，或判断后提交为意向"),
    "valid": ("有效客户", (CustomerType.VALID,), "已确认有效的客户"),
}


def _workbench(view: str) -> Any:
    title, types, hint = WORKBENCH_VIEWS[view]
    page = paginate(_mine(types))
    current = current_customer() if view == "current" else None
    shown = page.items + ([current] if current else [])
    return render_template("customers/workbench.html", view=view, title=title, hint=hint, page=page,
                           current=current, can_create=can(CUSTOMERS_EDIT), filters=filter_from_args(),
                           **list_context(shown))


@bp.get("/workbench/current")
@require(WORKBENCH)
def current() -> Any:
    return _workbench("current")


@bp.get("/workbench/intent")
@require(WORKBENCH)
def intent() -> Any:
    return _workbench("intent")


@bp.get("/workbench/valid")
@require(WORKBENCH)
def valid() -> Any:
    return _workbench("valid")


@bp.get("/workbench/<view>/export")
@require(WORKBENCH)
def workbench_export(view: str) -> Any:
    if view not in WORKBENCH_VIEWS:
        abort(404)
    title, types, _hint = WORKBENCH_VIEWS[view]
    return xlsx_response(title, exports.EXPORT_HEADERS, exports.export_rows(db.session, _mine(types)))
