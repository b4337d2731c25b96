"""Customer records (客户资料): create, edit, search, phones, addresses, types and the classification tree."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, func, literal, select, update

from app import clock, signals
from app.auth.models import Role, User, UserStatus, user_roles
from app.customers import search, visibility
from app.customers.access import CUSTOMERS_VIEW
from app.customers.categories import category_subtree
from app.customers.models import (
    AddressKind,
    Customer,
    CustomerAddress,
    CustomerAlias,
    CustomerCategory,
    CustomerPhone,
    CustomerType,
    Gender,
    Pool,
)
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.org import scope as data_scope
from app.performance import deals
from app.pools import history
from app.pools.models import MoveReason
from app.sequences import allocate
from rules import phones as phone_rules
from rules.identity import IdType, InvalidIdNumber, disagreements, normalize_id_number, parse_id_card

NUMBER_SEQUENCE = "customer"
NUMBER_PREFIX = "KH"
MAX_PHONES = 5
_TAG_SPLIT = re.compile(r"[,，;；、\s]+")


def format_number(sequence_value: int) -> str:
    """Render a customer number (客户编号) from its sequence value: KH00000042."""
    return f"{NUMBER_PREFIX}{sequence_value:08d}"


def number_sql(session: DbSession, value: ColumnElement[int]) -> ColumnElement[str]:
    """The SQL rendering of :func:`format_number` for a sequence value computed in the database."""
    if session.get_bind().dialect.name == "postgresql":
        digits = cast(value, String)
        return literal(NUMBER_PREFIX) + func.lpad(digits, func.greatest(8, func.length(digits)), "0")
    return func.printf(f"{NUMBER_PREFIX}%08d", value)


def allocate_numbers(session: DbSession, count: int) -> list[str]:
    """Reserve ``count`` new customer numbers in one statement."""
    first = allocate(session, NUMBER_SEQUENCE, count)
    return [format_number(first + i) for i in range(count)]


# --- input cleaning ------------------------------------------------------------------------------


@dataclass
class CustomerInput:
    """What a person (form, API, import row) says about a customer, before cleaning."""

    name: str
    gender: str = Gender.UNKNOWN.value
    birthday: date | None = None
    id_type: str = IdType.ID_CARD.value
    id_number: str = ""
    phones: list[str] = field(default_factory=list)
    address: str = ""
    category_id: int | None = None
    type: str = ""
    grade: str = ""
    source: str = ""
    tags: str = ""
    remark: str = ""


@dataclass(frozen=True)
class Identity:
    id_type: IdType
    id_number: str | None
    birthday: date | None
    gender: Gender


def clean_identity(id_type: str, id_number: str, birthday: date | None, gender: str,
                   today: date | None = None) -> Identity:
    """Normalise the ID number; fill birthday and gender from a mainland ID and refuse contradictions."""
    try:
        kind = IdType(id_type or IdType.ID_CARD.value)
    except ValueError as exc:
        raise ValidationFailed("证件类型无效") from exc
    try:
        sex = Gender(gender or Gender.UNKNOWN.value)
    except ValueError as exc:
        raise ValidationFailed("性别无效") from exc
    today = today or clock.today()
    if birthday is not None and birthday > today:
        raise ValidationFailed("出生日期不能晚于今天")
    raw = (id_number or "").strip()
    if not raw:
        return Identity(kind, None, birthday, sex)
    try:
        if kind == IdType.ID_CARD:
            info = parse_id_card(raw, today)
            problems = disagreements(info, birthday, sex.value)
            if problems:
                raise ValidationFailed(problems[0])
            return Identity(kind, info.number, info.birthday, Gender(info.gender))
        return Identity(kind, normalize_id_number(kind, raw), birthday, sex)
    except InvalidIdNumber as exc:
        raise ValidationFailed(exc.message) from exc


def clean_phones(raw_phones: list[str]) -> list[str]:
    """Normalise phone numbers, dropping blanks and repeats; refuse malformed ones."""
    phones: list[str] = []
    for raw in raw_phones:
        if not (raw or "").strip():
            continue
        try:
            phone = phone_rules.normalize(raw)
        except phone_rules.InvalidPhone as exc:
            raise ValidationFailed(exc.message) from exc
        if phone not in phones:
            phones.append(phone)
    if len(phones) > MAX_PHONES:
        raise ValidationFailed(f"每个客户最多登记 {MAX_PHONES} 个电话")
    return phones


def clean_tags(raw: str) -> str:
    """Normalise tags typed with any separator into "a,b,c" without repeats."""
    tags: list[str] = []
    for tag in _TAG_SPLIT.split(raw or ""):
        if tag and tag not in tags:
            tags.append(tag[:20])
    joined = ",".join(tags)
    if len(joined) > 255:
        raise ValidationFailed("标签太多，请精简")
    return joined


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("请填写客户姓名")
    if len(name) > 50:
        raise ValidationFailed("客户姓名不能超过 50 个字")
    return name


def _check_category(session: DbSession, category_id: int | None) -> None:
    if category_id and session.get(CustomerCategory, category_id) is None:
        raise ValidationFailed("客户分类不存在")


def check_duplicates(session: DbSession, id_number: str | None, phones: list[str],
                     exclude_id: int | None = None) -> None:
    """Refuse an ID number or phone already registered to another customer (查重)."""
    if id_number:
        stmt = select(Customer.number, Customer.pool).where(Customer.id_number == id_number)
        if exclude_id:
            stmt = stmt.where(Customer.id != exclude_id)
        if (found := session.execute(stmt.limit(1)).first()) is not None:
            raise Conflict(f"证件号码 {id_number} 已登记在{_holder(found.number, found.pool)}")
    if phones:
        by_phone = (select(CustomerPhone.phone, Customer.number, Customer.pool)
                    .join(Customer, Customer.id == CustomerPhone.customer_id).where(CustomerPhone.phone.in_(phones)))
        if exclude_id:
            by_phone = by_phone.where(CustomerPhone.customer_id != exclude_id)
        if (row := session.execute(by_phone.limit(1)).first()) is not None:
            raise Conflict(f"电话 {row.phone} 已登记在{_holder(row.number, row.pool)}")


def _holder(number: str, pool: Pool) -> str:
    if pool == Pool.DELETED:
        return f"已删除的客户 {number} 名下，请联系管理员在“已删除客户”中恢复该客户"
    return f"客户 {number} 名下，请勿重复建档（可使用合并客户信息）"


# --- creating and editing ------------------------------------------------------------------------


def create_customer(session: DbSession, data: CustomerInput, *, org_id: int, seat_id: int | None,
                    actor_id: int | None, source_default: str = "") -> Customer:
    """Create a customer with a new number: in the seat's personal pool, or the org's department pool."""
    name = _clean_name(data.name)
    identity = clean_identity(data.id_type, data.id_number, data.birthday, data.gender)
    phones = clean_phones(data.phones)
    if not phones:
        raise ValidationFailed("请至少填写一个电话号码")
    _check_category(session, data.category_id)
    check_duplicates(session, identity.id_number, phones)
    try:
        kind = CustomerType(data.type) if data.type else CustomerType.NEW
    except ValueError as exc:
        raise ValidationFailed("客户类型无效") from exc
    if kind == CustomerType.INVALID:
        raise ValidationFailed("新建客户不能直接设为无效；" + INVALID_NEEDS_REASON)
    now = clock.now()
    pool = Pool.PERSONAL if seat_id else Pool.DEPARTMENT
    customer = Customer(
        number=allocate_numbers(session, 1)[0], name=name, gender=identity.gender, birthday=identity.birthday,
        id_type=identity.id_type, id_number=identity.id_number, category_id=data.category_id or None, type=kind,
        grade=data.grade.strip(), source=(data.source or source_default).strip(), tags=clean_tags(data.tags),
        remark=data.remark.strip(), service_seat_id=seat_id, service_org_id=org_id, pool=pool,
        pool_reason=MoveReason.CREATE.value, pool_changed_at=now, assigned_at=now if seat_id else None,
        created_by_id=actor_id, created_at=now, updated_at=now,
    )
    customer.phones = [CustomerPhone(phone=p, is_primary=(i == 0)) for i, p in enumerate(phones)]
    if data.address.strip():
        customer.addresses = [CustomerAddress(kind=AddressKind.HOME, address=data.address.strip()[:255],
                                              is_primary=True)]
    session.add(customer)
    session.flush()
    history.record(session, [history.Move(customer.id, None, pool, None, seat_id, org_id)],
                   MoveReason.CREATE, actor_id, now)
    signals.customer_type_changed.send(session, customer=customer)
    return customer


def update_customer(session: DbSession, customer: Customer, data: CustomerInput) -> None:
    """Change a customer's basic information (phones and addresses have their own operations)."""
    customer.name = _clean_name(data.name)
    identity = clean_identity(data.id_type, data.id_number, data.birthday, data.gender)
    _check_category(session, data.category_id)
    check_duplicates(session, identity.id_number, [], exclude_id=customer.id)
    customer.id_type, customer.id_number = identity.id_type, identity.id_number
    customer.birthday, customer.gender = identity.birthday, identity.gender
    customer.category_id = data.category_id or None
    if data.type:
        set_type(session, customer, data.type)
    customer.grade = data.grade.strip()
    customer.source = data.source.strip()
    customer.tags = clean_tags(data.tags)
    customer.remark = data.remark.strip()
    session.flush()


INVALID_NEEDS_REASON = "标记无效须选择无效原因：请在客户 360 页使用“标记无效”"


def set_type(session: DbSession, customer: Customer, new_type: str | CustomerType) -> None:
    """Change the customer type (提交意向, 标为有效, 成交 …).

    无效 is not a plain type change: marking a customer invalid needs a reason and moves it to the
    invalid-customer pool (app.mining.invalid.mark_invalid); leaving that pool is a revive (激活).
    """
    try:
        kind = CustomerType(new_type)
    except ValueError as exc:
        raise ValidationFailed("客户类型无效") from exc
    if kind == customer.type:
        return
    if kind == CustomerType.INVALID:
        raise ValidationFailed(INVALID_NEEDS_REASON)
    if customer.pool == Pool.INVALID and kind != CustomerType.DEALT:
        raise ValidationFailed("该客户在无效客户池中，须由部门主管或城市经理激活后才能修改客户类型")
    customer.type = kind
    session.flush()
    signals.customer_type_changed.send(session, customer=customer)


def add_phone(session: DbSession, customer: Customer, raw: str, remark: str = "") -> CustomerPhone:
    """Add a phone number to a customer after the format and duplicate checks."""
    phones = clean_phones([raw])
    if not phones:
        raise ValidationFailed("请填写电话号码")
    phone = phones[0]
    if any(p.phone == phone for p in customer.phones):
        raise Conflict(f"该客户已登记电话 {phone}")
    if len(customer.phones) >= MAX_PHONES:
        raise ValidationFailed(f"每个客户最多登记 {MAX_PHONES} 个电话")
    check_duplicates(session, None, [phone], exclude_id=customer.id)
    record = CustomerPhone(phone=phone, remark=remark.strip()[:100], is_primary=not customer.phones)
    customer.phones.append(record)
    session.flush()
    return record


def _own_phone(customer: Customer, phone_id: int) -> CustomerPhone:
    for record in customer.phones:
        if record.id == phone_id:
            return record
    raise NotFound("电话不存在")


def remove_phone(session: DbSession, customer: Customer, phone_id: int) -> None:
    """Remove a phone; the last one cannot go (a customer must stay reachable)."""
    record = _own_phone(customer, phone_id)
    if len(customer.phones) == 1:
        raise ValidationFailed("客户至少需要保留一个电话")
    was_primary = record.is_primary
    customer.phones.remove(record)
    session.flush()
    if was_primary and customer.phones:
        customer.phones[0].is_primary = True
        session.flush()


def make_primary_phone(session: DbSession, customer: Customer, phone_id: int) -> None:
    target = _own_phone(customer, phone_id)
    for record in customer.phones:
        record.is_primary = record is target
    session.flush()


def add_address(session: DbSession, customer: Customer, kind: str, address: str, postcode: str = "") -> None:
    address = (address or "").strip()
    if not address:
        raise ValidationFailed("请填写地址")
    try:
        address_kind = AddressKind(kind or AddressKind.HOME.value)
    except ValueError as exc:
        raise ValidationFailed("地址类型无效") from exc
    postcode = (postcode or "").strip()
    if postcode and not re.fullmatch(r"\d{6}", postcode):
        raise ValidationFailed("邮政编码应为 6 位数字")
    customer.addresses.append(CustomerAddress(kind=address_kind, address=address[:255], postcode=postcode,
                                              is_primary=not customer.addresses))
    session.flush()


def remove_address(session: DbSession, customer: Customer, address_id: int) -> None:
    for record in customer.addresses:
        if record.id == address_id:
            customer.addresses.remove(record)
            session.flush()
            if record.is_primary and customer.addresses:
                customer.addresses[0].is_primary = True
                session.flush()
            return
    raise NotFound("地址不存在")


# --- scope, lookup and search --------------------------------------------------------------------


def customer_scope(session: DbSession, user: User, permission: str = CUSTOMERS_VIEW) -> data_scope.Scope:
    return data_scope.scope_of(session, user, permission)


def scoped(stmt: Select[Any], scope: data_scope.Scope) -> Select[Any]:
    """Restrict a customer query to the scope (own customers (服务坐席) or those of orgs in scope) and to the
    pools the user may see (app.customers.visibility: no 城市经理公共池 without its permission, no deleted ones)."""
    return data_scope.apply(stmt, scope, Customer.service_org_id, Customer.service_seat_id) \
        .where(visibility.condition(scope))


def get_customer(session: DbSession, scope: data_scope.Scope, customer_id: int) -> Customer:
    """Load a customer in scope and in a pool the user sees; anything else is "not found"."""
    customer = data_scope.get_or_404(session, Customer, customer_id, scope, org_attr="service_org_id",
                                      owner_attr="service_seat_id")
    if not visibility.sees(scope, customer):
        raise NotFound("记录不存在或您无权查看")
    return customer


def resolve_number(session: DbSession, number: str) -> int | None:
    """Return the id of the customer a number (or a merged alias of it) belongs to."""
    number = number.strip().upper()
    found = session.scalar(select(Customer.id).where(Customer.number == number))
    if found is None:
        found = session.scalar(select(CustomerAlias.customer_id).where(CustomerAlias.number == number))
    return found


@dataclass
class CustomerFilter:
    """The combined search (组合查询): free text over every field plus structured filters."""

    q: str = ""
    types: tuple[str, ...] = ()
    pool: str = ""
    category_id: int | None = None
    grade: str = ""
    source: str = ""
    import_batch: str = ""
    seat_id: int | None = None
    org_id: int | None = None
    created_from: date | None = None
    created_to: date | None = None
    holding: str = ""  # "1" 持仓 (holds a product), "0" 空仓 — app.performance.deals.holders


def _local_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.SHANGHAI)


def filter_customers(stmt: Select[Any], f: CustomerFilter) -> Select[Any]:
    """Apply the combined search: every word of ``q`` must match some field; filters narrow further."""
    stmt = _filtered(stmt, f)
    return stmt.where(*search.word_conditions(stmt, [term[:50] for term in f.q.split()]))


def _filtered(stmt: Select[Any], f: CustomerFilter) -> Select[Any]:
    if f.types:
        stmt = stmt.where(Customer.type.in_([CustomerType(t) for t in f.types]))
    if f.pool:
        stmt = stmt.where(Customer.pool == Pool(f.pool))
    if f.category_id:
        stmt = stmt.where(Customer.category_id.in_(category_subtree(f.category_id)))
    if f.grade:
        stmt = stmt.where(Customer.grade == f.grade)
    if f.source:
        stmt = stmt.where(Customer.source == f.source)
    if f.import_batch:
        stmt = stmt.where(Customer.import_batch == f.import_batch)
    if f.seat_id:
        stmt = stmt.where(Customer.service_seat_id == f.seat_id)
    if f.org_id:
        stmt = stmt.where(Customer.service_org_id == f.org_id)
    if f.created_from:
        stmt = stmt.where(Customer.created_at >= _local_day_start(f.created_from))
    if f.created_to:
        stmt = stmt.where(Customer.created_at < _local_day_start(f.created_to + timedelta(days=1)))
    if f.holding == "1":
        stmt = stmt.where(Customer.id.in_(deals.holders()))
    elif f.holding == "0":
        stmt = stmt.where(Customer.id.not_in(deals.holders()))
    return stmt


def move_to_category(session: DbSession, scope: data_scope.Scope, customer_ids: list[int],
                     category_id: int | None) -> int:
    """Move customers in scope to a category (移动到分类) in one UPDATE; return how many moved."""
    if not customer_ids:
        raise ValidationFailed("请先勾选客户")
    _check_category(session, category_id)
    visible = scoped(select(Customer.id).where(Customer.id.in_(customer_ids)), scope)
    result = session.execute(
        update(Customer).where(Customer.id.in_(visible.scalar_subquery()))
        .values(category_id=category_id, updated_at=clock.now()),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def seat_choices(session: DbSession, scope: data_scope.Scope) -> list[User]:
    """Active seats whose org lies in the scope (targets for 分配)."""
    stmt = (select(User).join(user_roles, user_roles.c.user_id == User.id).join(Role, Role.id == user_roles.c.role_id)
            .where(Role.code == "seat", User.status == UserStatus.ACTIVE))
    stmt = data_scope.apply(stmt, scope, User.org_id, User.id)
    return list(session.scalars(stmt.order_by(User.work_no).distinct()))
