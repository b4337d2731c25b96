"""Staff profiles (员工信息维护): the HR profile of an account, its qualification certificates, and 离职.

Everything is checked before anything is written, so a refused edit leaves the profile as it was. Leaving
goes through the one leave path (:func:`app.org.services.mark_left`): it disables the account, and
``signals.user_left`` starts the 离职交接 of the customers. That path acts at once and cannot be scheduled,
so a leaving date after today is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, cast

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from app import clock, signals
from app.admin import dictionaries, params
from app.auth.models import User, UserStatus
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.hr.staff_models import StaffCertificate, StaffProfile
from app.org import scope as data_scope
from app.org import services as org_services
from app.org.models import Org
from rules import identity, phones

SECTION = "人事管理"
CONTRACT_TYPE = dictionaries.define("staff_contract_type", "合同类型", [
    ("labor", "劳动合同"), ("service", "劳务合同"), ("intern", "实习协议"), ("rehire", "退休返聘协议")])
EDUCATION = dictionaries.define("staff_education", "学历", [
    ("doctor", "博士研究生"), ("master", "硕士研究生"), ("bachelor", "大学本科"), ("college", "大学专科"),
    ("secondary", "高中/中专"), ("other", "其他")])
CERTIFICATE_TYPE = dictionaries.define("staff_certificate_type", "资格证书类型", [
    ("fund", "基金从业资格"), ("securities", "证券从业资格"), ("banking", "银行从业资格"),
    ("futures", "期货从业资格"), ("insurance", "保险代理人资格"), ("afp", "AFP 金融理财师"),
    ("cfp", "CFP 国际金融理财师")])

CERTIFICATE_DAYS = params.define("hr.certificate_remind_days", "int", 60, "资格证书到期提醒天数",
                                 "资格证书到期前多少天起提醒：人事与持证人的首页显示，并向持证人发送一次系统通知",
                                 SECTION, minimum=1)
CONTRACT_DAYS = params.define("hr.contract_remind_days", "int", 30, "合同到期提醒天数",
                              "员工信息“合同即将到期”筛选：合同在多少天内到期（已到期的在职员工也列出）",
                              SECTION, minimum=1)

EARLIEST_DATE = date(1950, 1, 1)
LATEST_DATE = date(2100, 12, 31)
TEXT_LIMITS = {"school": ("毕业院校", 100), "major": ("专业", 100), "emergency_name": ("紧急联系人", 50),
               "emergency_relation": ("与紧急联系人关系", 20), "remark": ("备注", 2000)}


@dataclass(frozen=True)
class ProfileInput:
    """What HR types on the profile form (or sends to the API); codes are base-data item codes."""

    hire_date: date | None = None
    contract_type: str = ""
    contract_start: date | None = None
    contract_end: date | None = None
    education: str = ""
    school: str = ""
    major: str = ""
    id_number: str = ""
    emergency_name: str = ""
    emergency_phone: str = ""
    emergency_relation: str = ""
    remark: str = ""

    @classmethod
    def of(cls, profile: StaffProfile | None) -> ProfileInput:
        """The values a profile has now (all empty when the employee has none yet)."""
        if profile is None:
            return cls()
        return cls(**{f.name: getattr(profile, f.name) for f in fields(cls)})


@dataclass(frozen=True)
class CertificateInput:
    cert_type: str
    number: str
    issued_on: date | None
    expires_on: date | None = None


# --- checks ----------------------------------------------------------------------------------------------


def _check_code(session: DbSession, dict_code: str, code: str, current: str = "") -> None:
    """A base-data code must be an active item; a code the record already had may stay after it was disabled."""
    if not code or code == current:
        return
    if code not in {item_code for item_code, _ in dictionaries.choices(session, dict_code)}:
        name = dictionaries.CATALOGUE[dict_code].name
        raise ValidationFailed(f"“{code}”不是基础数据“{name}”中的有效选项")


def _check_date(value: date | None, what: str) -> None:
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationFailed(f"{what}超出合理范围（{EARLIEST_DATE} 至 {LATEST_DATE}）")


def _clean_text(data: ProfileInput) -> dict[str, str]:
    cleaned = {}
    for name, (what, limit) in TEXT_LIMITS.items():
        text = (getattr(data, name) or "").strip()
        if len(text) > limit:
            raise ValidationFailed(f"{what}不能超过 {limit} 个字")
        cleaned[name] = text
    return cleaned


def _id_number(session: DbSession, user: User, raw: str) -> str:
    """Validate and normalise a mainland ID number (15 digits become 18); one employee per number."""
    if not (raw or "").strip():
        return ""
    try:
        number = identity.parse_id_card(raw, clock.today()).number
    except identity.InvalidIdNumber as exc:
        raise ValidationFailed(exc.message) from exc
    holder = session.scalar(select(User).join(StaffProfile, StaffProfile.user_id == User.id)
                            .where(StaffProfile.id_number == number, User.id != user.id))
    if holder is not None:
        raise Conflict(f"该身份证号已登记在员工 {holder.name}（{holder.work_no}）名下")
    return number


def _emergency_phone(raw: str) -> str:
    if not (raw or "").strip():
        return ""
    try:
        return phones.normalize(raw)
    except phones.InvalidPhone as exc:
        raise ValidationFailed(f"紧急联系人电话：{exc.message}") from exc


def _require_active(user: User) -> None:
    if user.status != UserStatus.ACTIVE:
        raise Conflict(f"{user.name} 已离职，员工信息不能再修改")


# --- profiles ---------------------------------------------------------------------------------------------


def profile_of(session: DbSession, user: User) -> StaffProfile | None:
    return session.scalar(select(StaffProfile).where(StaffProfile.user_id == user.id))


def save_profile(session: DbSession, user: User, data: ProfileInput) -> StaffProfile:
    """Create or update an employee's profile after checking every field (dates, codes, ID number, phone)."""
    _require_active(user)
    profile = profile_of(session, user)
    current = ProfileInput.of(profile)
    text = _clean_text(data)
    for value, what in ((data.hire_date, "入职日期"), (data.contract_start, "合同开始日期"),
                        (data.contract_end, "合同结束日期")):
        _check_date(value, what)
    if data.contract_start and data.contract_end and data.contract_end < data.contract_start:
        raise ValidationFailed("合同结束日期不能早于合同开始日期")
    if data.contract_end and not data.contract_start:
        raise ValidationFailed("请填写合同开始日期")
    _check_code(session, CONTRACT_TYPE, data.contract_type, current.contract_type)
    _check_code(session, EDUCATION, data.education, current.education)
    number = _id_number(session, user, data.id_number)
    phone = _emergency_phone(data.emergency_phone)
    if phone and not text["emergency_name"]:
        raise ValidationFailed("请填写紧急联系人姓名")
    if profile is None:
        profile = StaffProfile(user_id=user.id)
        session.add(profile)
    profile.hire_date, profile.contract_type = data.hire_date, data.contract_type
    profile.contract_start, profile.contract_end = data.contract_start, data.contract_end
    profile.education, profile.id_number, profile.emergency_phone = data.education, number, phone
    for name, cleaned in text.items():
        setattr(profile, name, cleaned)
    session.flush()
    return profile


# --- certificates -----------------------------------------------------------------------------------------


def certificates_of(session: DbSession, user_ids: list[int]) -> dict[int, list[StaffCertificate]]:
    """Each employee's certificates, soonest expiry first (长期有效 last), in one query."""
    found: dict[int, list[StaffCertificate]] = {uid: [] for uid in user_ids}
    stmt = (select(StaffCertificate).where(StaffCertificate.user_id.in_(user_ids))
            .order_by(StaffCertificate.expires_on.is_(None), StaffCertificate.expires_on, StaffCertificate.id))
    for certificate in session.scalars(stmt):
        found[certificate.user_id].append(certificate)
    return found


def get_certificate(session: DbSession, user: User, certificate_id: int) -> StaffCertificate:
    certificate = session.get(StaffCertificate, certificate_id)
    if certificate is None or certificate.user_id != user.id:
        raise NotFound("资格证书不存在")
    return certificate


def _check_certificate(session: DbSession, data: CertificateInput,
                       current: StaffCertificate | None) -> tuple[str, date]:
    """Check a certificate's fields; return its cleaned number and issue date."""
    number = (data.number or "").strip()
    if not data.cert_type:
        raise ValidationFailed("请选择证书类型")
    _check_code(session, CERTIFICATE_TYPE, data.cert_type, current.cert_type if current else "")
    if not number:
        raise ValidationFailed("请填写证书编号")
    if len(number) > 60:
        raise ValidationFailed("证书编号不能超过 60 个字符")
    if data.issued_on is None:
        raise ValidationFailed("请填写发证日期")
    _check_date(data.issued_on, "发证日期")
    _check_date(data.expires_on, "到期日期")
    if data.issued_on > clock.today():
        raise ValidationFailed("发证日期不能晚于今天")
    if data.expires_on is not None and data.expires_on < data.issued_on:
        raise ValidationFailed("到期日期不能早于发证日期")
    taken = session.scalar(select(StaffCertificate).where(
        StaffCertificate.cert_type == data.cert_type, StaffCertificate.number == number,
        StaffCertificate.id != (current.id if current else -1)))
    if taken is not None:
        label = dictionaries.label(session, CERTIFICATE_TYPE, data.cert_type)
        raise Conflict(f"{label}证书编号 {number} 已登记在 {taken.user.name}（{taken.user.work_no}）名下")
    return number, data.issued_on


def add_certificate(session: DbSession, user: User, data: CertificateInput) -> StaffCertificate:
    """Record a qualification certificate an employee holds."""
    _require_active(user)
    number, issued_on = _check_certificate(session, data, None)
    certificate = StaffCertificate(user_id=user.id, cert_type=data.cert_type, number=number,
                                   issued_on=issued_on, expires_on=data.expires_on)
    session.add(certificate)
    session.flush()
    return certificate


def update_certificate(session: DbSession, user: User, certificate: StaffCertificate,
                       data: CertificateInput) -> None:
    """Correct or renew a certificate; a new expiry date makes its reminder due again."""
    _require_active(user)
    number, issued_on = _check_certificate(session, data, certificate)
    certificate.cert_type, certificate.number = data.cert_type, number
    certificate.issued_on, certificate.expires_on = issued_on, data.expires_on
    session.flush()


def delete_certificate(session: DbSession, user: User, certificate: StaffCertificate) -> None:
    _require_active(user)
    session.delete(certificate)
    session.flush()


# --- 离职 -------------------------------------------------------------------------------------------------


def record_leaving(session: DbSession, actor: User, user: User, end_date: date | None) -> None:
    """Set the leaving date (离职日期) and disable the account through the one leave path, which starts the
    hand-over of the employee's customers. The path acts now, so only today or an earlier day is accepted."""
    today = clock.today()
    if end_date is None:
        raise ValidationFailed("请填写离职日期")
    if user.id == actor.id:
        raise ValidationFailed("不能为自己办理离职")
    if user.status != UserStatus.ACTIVE:
        raise Conflict(f"{user.name} 已是离职状态")
    if end_date > today:
        raise ValidationFailed(f"离职日期不能晚于今天（{today:%Y-%m-%d}）：办理离职会立即停用账号并把客户转入"
                               "离职待交接，请在员工最后工作日当天或之后办理")
    _check_date(end_date, "离职日期")
    profile = profile_of(session, user)
    if profile is not None and profile.hire_date and end_date < profile.hire_date:
        raise ValidationFailed(f"离职日期不能早于入职日期（{profile.hire_date:%Y-%m-%d}）")
    if profile is None:
        profile = StaffProfile(user_id=user.id)
        session.add(profile)
    profile.end_date = end_date
    session.flush()
    org_services.mark_left(session, user)


def _on_user_left(session: DbSession, user: User, **_: Any) -> None:
    """An account disabled from 用户维护 gets today as its leaving date, unless HR already set one."""
    profile = profile_of(session, user)
    if profile is None:
        profile = StaffProfile(user_id=user.id)
        session.add(profile)
    if profile.end_date is None:
        profile.end_date = clock.today()
    session.flush()


signals.user_left.connect(_on_user_left)


# --- listing ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffFilters:
    text: str = ""
    org_id: int | None = None
    status: UserStatus | None = UserStatus.ACTIVE
    contract_ending: bool = False  # contract ends within hr.contract_remind_days (or has ended)
    certificate_expiring: bool = False  # a certificate expires within hr.certificate_remind_days (or has)


def staff_query(session: DbSession, scope: data_scope.Scope, filters: StaffFilters) -> Select[Any]:
    """Employees inside the data scope with their profile (None when HR has not filled one in), by 工号."""
    joined = cast(Select[Any], select(User, StaffProfile).outerjoin(StaffProfile, StaffProfile.user_id == User.id))
    stmt = data_scope.apply(joined, scope, User.org_id, User.id)
    if text := filters.text.strip():
        stmt = stmt.where(or_(User.name.icontains(text, autoescape=True),
                              User.work_no.icontains(text, autoescape=True)))
    if filters.org_id:
        org = session.get(Org, filters.org_id)
        if org is None:
            raise NotFound("组织不存在")
        stmt = stmt.where(User.org_id.in_(select(Org.id).where(Org.path.startswith(org.path))))
    if filters.status is not None:
        stmt = stmt.where(User.status == filters.status)
    today = clock.today()
    if filters.contract_ending:
        until = date.fromordinal(today.toordinal() + params.get_int(CONTRACT_DAYS, session))
        stmt = stmt.where(StaffProfile.contract_end.is_not(None), StaffProfile.contract_end <= until)
    if filters.certificate_expiring:
        until = date.fromordinal(today.toordinal() + params.get_int(CERTIFICATE_DAYS, session))
        stmt = stmt.where(User.id.in_(select(StaffCertificate.user_id).where(
            and_(StaffCertificate.expires_on.is_not(None), StaffCertificate.expires_on <= until))))
    return stmt.options(selectinload(User.org)).order_by(User.work_no)


def filters_from(args: Mapping[str, str]) -> StaffFilters:
    """Read the list filters (q, org, status, contract, certificate) from query arguments."""
    status_key = args.get("status", "active")
    org = str(args.get("org", ""))
    return StaffFilters(
        text=str(args.get("q", "")), org_id=int(org) if org.isdigit() and len(org) < 10 else None,
        status=UserStatus(status_key) if status_key in ("active", "left") else None,
        contract_ending=args.get("contract") == "1", certificate_expiring=args.get("certificate") == "1")


def leaving_date(user: User, profile: StaffProfile | None) -> date | None:
    """The 离职日期 HR recorded, else the day the account was disabled."""
    if profile is not None and profile.end_date is not None:
        return profile.end_date
    local = clock.local(user.left_at)
    return local.date() if local else None


def count(session: DbSession, stmt: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
