"""The rows of a customer import (客户信息导入): the template's columns, the template itself, and the checks
one row passes (required fields, phone format, ID checksum, org in scope, duplicates in the file and in the
database) before it is staged. ``app.customers.imports`` runs the job around them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from sqlalchemy import select

from app import clock
from app.admin import dictionaries
from app.auth.models import User
from app.customers import services
from app.customers.access import CUSTOMER_GRADE, CUSTOMER_SOURCE, CUSTOMERS_IMPORT
from app.customers.categories import category_labels
from app.customers.models import Customer, CustomerPhone, Gender
from app.database import DbSession
from app.errors import ValidationFailed
from app.org import scope as data_scope
from app.org.models import Org
from app.xlsx_reader import excel_date
from rules import phones as phone_rules
from rules.identity import (
    ID_TYPE_LABELS,
    IdType,
    InvalidIdNumber,
    disagreements,
    normalize_id_number,
    parse_id_card,
)

MAX_ROWS = 200_000  # rows one file may hold


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool = False
    width: int = 14
    hint: str = ""


COLUMNS = [
    Column("name", "客户姓名", True, 12, "必填，最多 50 字"),
    Column("gender", "性别", False, 6, "男 / 女；填写身份证号时可不填"),
    Column("birthday", "出生日期", False, 12, "如 1985-06-01；填写身份证号时可不填"),
    Column("id_type", "证件类型", False, 14, "居民身份证（默认）、护照、港澳居民来往内地通行证等"),
    Column("id_number", "证件号码", False, 22, "身份证号 15 位或 18 位，校验位会被检查；请以文本格式填写"),
    Column("phone", "手机号码", True, 14, "必填，11 位手机号或带区号的固话"),
    Column("phone2", "其他电话", False, 14, "选填"),
    Column("address", "地址", False, 30, "选填"),
    Column("org", "所属组织", True, 14, "必填，组织编码或名称，只能是您管理的组织（见“组织与分类”页）"),
    Column("category", "客户分类", False, 16, "选填，分类名称或完整路径，如 个人客户 / 高净值"),
    Column("source", "客户来源", False, 12, "选填，默认“数据导入”"),
    Column("grade", "客户等级", False, 8, "选填，A / B / C"),
    Column("tags", "标签", False, 16, "选填，多个用逗号分隔"),
    Column("remark", "备注", False, 30, "选填"),
]
LABELS = {c.label: c for c in COLUMNS}


def importable_orgs(session: DbSession, user: User) -> list[Org]:
    """Orgs the user manages for importing (the import permission's data scope)."""
    scope = data_scope.scope_of(session, user, CUSTOMERS_IMPORT)
    ids = data_scope.org_ids(session, scope)
    if not ids:
        return []
    return list(session.scalars(select(Org).where(Org.id.in_(ids), Org.active.is_(True)).order_by(Org.path)))


# --- validating rows ---------------------------------------------------------------------------------


@dataclass
class RowContext:
    """Look-ups a row is checked against; built once per job."""

    orgs: dict[str, int]
    categories: dict[str, int]
    sources: dict[str, str]
    grades: dict[str, str]
    today: date
    date1904: bool = False
    seen_ids: dict[str, int] = field(default_factory=dict)
    seen_phones: dict[str, int] = field(default_factory=dict)


GENDERS = {"男": Gender.MALE, "女": Gender.FEMALE, "未知": Gender.UNKNOWN, "m": Gender.MALE, "f": Gender.FEMALE,
           "male": Gender.MALE, "female": Gender.FEMALE}
ID_TYPES = {label: kind for kind, label in ID_TYPE_LABELS.items()} | {k.value: k for k in IdType} | {
    "身份证": IdType.ID_CARD}


def build_context(session: DbSession, user: User) -> RowContext:
    orgs: dict[str, int] = {}
    for org in importable_orgs(session, user):
        orgs[org.code.lower()] = org.id
        orgs.setdefault(org.name.lower(), org.id)
    categories: dict[str, int] = {}
    leaves: dict[str, list[int]] = {}
    for cid, label in category_labels(session).items():
        categories[_squash(label)] = cid
        leaves.setdefault(_squash(label.split(" / ")[-1]), []).append(cid)
    for leaf, ids in leaves.items():
        if len(ids) == 1:  # an ambiguous leaf name must be written as the full path
            categories.setdefault(leaf, ids[0])
    sources = {}
    for code, label in dictionaries.choices(session, CUSTOMER_SOURCE):
        sources[code.lower()] = code
        sources[label.lower()] = code
    grades = {}
    for code, label in dictionaries.choices(session, CUSTOMER_GRADE):
        grades[code.lower()] = code
        grades[label.lower().replace(" ", "")] = code
    return RowContext(orgs, categories, sources, grades, clock.today())


def _squash(text: str) -> str:
    return re.sub(r"\s*/\s*", "/", text.strip().lower())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _parse_day(value: Any, date1904: bool = False) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2_958_466:
        return excel_date(value, date1904)  # a date cell: Excel stores the day number
    text = _text(value)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_row(cells: dict[str, Any], ctx: RowContext) -> tuple[dict[str, Any], list[str]]:
    """Check one row of the template; return the normalised fields and every problem found (Chinese)."""
    errors: list[str] = []
    out: dict[str, Any] = {}
    name = _text(cells.get("name"))
    if not name:
        errors.append("客户姓名必填")
    elif len(name) > 50:
        errors.append("客户姓名超过 50 字")
    out["name"] = name[:50]

    gender_text = _text(cells.get("gender")).lower()
    gender = GENDERS.get(gender_text, Gender.UNKNOWN)
    if gender_text and gender_text not in GENDERS:
        errors.append(f"性别“{gender_text}”无效，应为 男 / 女")
    birthday: date | None = None
    if cells.get("birthday") not in (None, ""):
        try:
            birthday = _parse_day(cells["birthday"], ctx.date1904)
            if birthday > ctx.today:
                errors.append("出生日期晚于今天")
        except ValueError:
            errors.append(f"出生日期“{_text(cells['birthday'])}”无法识别，请写成 1985-06-01")

    id_raw = cells.get("id_number")
    id_type_text = _text(cells.get("id_type"))
    id_type = ID_TYPES.get(id_type_text, None) if id_type_text else IdType.ID_CARD
    if id_type is None:
        errors.append(f"证件类型“{id_type_text}”无效")
        id_type = IdType.OTHER
    id_number: str | None = None
    if isinstance(id_raw, float) or (isinstance(id_raw, int) and len(str(id_raw)) > 15):
        errors.append("证件号码被 Excel 当作数字保存，已丢失精度；请把该列设为文本格式后重新填写")
    elif _text(id_raw):
        try:
            if id_type == IdType.ID_CARD:
                info = parse_id_card(_text(id_raw), ctx.today)
                id_number = info.number
                errors += disagreements(info, birthday, gender.value)
                birthday, gender = info.birthday, Gender(info.gender)
            else:
                id_number = normalize_id_number(id_type, _text(id_raw))
        except InvalidIdNumber as exc:
            errors.append(exc.message)
    out.update(gender=gender.value, birthday=birthday, id_type=id_type.value, id_number=id_number)

    phones: list[str] = []
    for key, label in (("phone", "手机号码"), ("phone2", "其他电话")):
        raw = _text(cells.get(key))
        if not raw:
            if key == "phone":
                errors.append("手机号码必填")
            continue
        try:
            phone = phone_rules.normalize(raw)
        except phone_rules.InvalidPhone as exc:
            errors.append(f"{label}：{exc.message}")
            continue
        if phone not in phones:
            phones.append(phone)
    out["phone"] = phones[0] if phones else ""
    out["phone2"] = phones[1] if len(phones) > 1 else ""

    address = _text(cells.get("address"))
    if len(address) > 255:
        errors.append("地址超过 255 字")
    out["address"] = address[:255]

    org_text = _text(cells.get("org"))
    out["org_id"] = ctx.orgs.get(org_text.lower()) if org_text else None
    if not org_text:
        errors.append("所属组织必填")
    elif out["org_id"] is None:
        errors.append(f"所属组织“{org_text}”不存在或不在您的管理范围内")

    category_text = _text(cells.get("category"))
    out["category_id"] = ctx.categories.get(_squash(category_text)) if category_text else None
    if category_text and out["category_id"] is None:
        errors.append(f"客户分类“{category_text}”不存在")
    source_text = _text(cells.get("source"))
    out["source"] = ctx.sources.get(source_text.lower(), "") if source_text else ctx.sources.get("import", "")
    if source_text and not out["source"]:
        errors.append(f"客户来源“{source_text}”不在基础数据中")
    grade_text = _text(cells.get("grade")).replace(" ", "")
    out["grade"] = ctx.grades.get(grade_text.lower(), "") if grade_text else ""
    if grade_text and not out["grade"]:
        errors.append(f"客户等级“{grade_text}”无效，应为 A / B / C")
    try:
        out["tags"] = services.clean_tags(_text(cells.get("tags")))
    except ValidationFailed as exc:
        errors.append(exc.message)
        out["tags"] = ""
    remark = _text(cells.get("remark"))
    if len(remark) > 1000:
        errors.append("备注超过 1000 字")
    out["remark"] = remark[:1000]
    return out, errors


def check_in_file(row_no: int, fields: dict[str, Any], ctx: RowContext) -> list[str]:
    """Refuse keys already used by an earlier valid row of the same file; remember this row's keys."""
    errors = []
    if fields["id_number"] and fields["id_number"] in ctx.seen_ids:
        errors.append(f"证件号码与第 {ctx.seen_ids[fields['id_number']]} 行重复")
    for phone in (fields["phone"], fields["phone2"]):
        if phone and phone in ctx.seen_phones:
            errors.append(f"电话 {phone} 与第 {ctx.seen_phones[phone]} 行重复")
    return errors


def remember(row_no: int, fields: dict[str, Any], ctx: RowContext) -> None:
    if fields["id_number"]:
        ctx.seen_ids.setdefault(fields["id_number"], row_no)
    for phone in (fields["phone"], fields["phone2"]):
        if phone:
            ctx.seen_phones.setdefault(phone, row_no)


def existing_keys(session: DbSession, id_numbers: Iterable[str], phones: Iterable[str]
                  ) -> tuple[dict[str, str], dict[str, str]]:
    """Which of these ID numbers and phones the database already has, with the owning customer number."""
    ids = sorted({i for i in id_numbers if i})
    tels = sorted({p for p in phones if p})
    found_ids: dict[str, str] = {}
    found_phones: dict[str, str] = {}
    for part in _batches(ids, 500):
        for id_number, number in session.execute(select(Customer.id_number, Customer.number)
                                                 .where(Customer.id_number.in_(part))):
            if id_number:
                found_ids[id_number] = number
    for part in _batches(tels, 500):
        found_phones.update(session.execute(
            select(CustomerPhone.phone, Customer.number).join(Customer, Customer.id == CustomerPhone.customer_id)
            .where(CustomerPhone.phone.in_(part))).all())
    return found_ids, found_phones


def _batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start_at in range(0, len(items), size):
        yield items[start_at:start_at + size]


def map_header(header: Sequence[Any] | None) -> dict[int, str]:
    """Map column positions to fields by the header labels (order does not matter; * marks are ignored)."""
    if not header:
        raise ValidationFailed("第一行应为表头（客户姓名、手机号码、所属组织 …），请使用导入模板")
    mapping: dict[int, str] = {}
    for index, value in enumerate(header):
        label = _text(value).rstrip("*＊ ").strip()
        if label in LABELS:
            mapping[index] = LABELS[label].key
    missing = [c.label for c in COLUMNS if c.required and c.key not in mapping.values()]
    if missing:
        raise ValidationFailed(f"缺少必填列：{'、'.join(missing)}；请使用下载的导入模板")
    return mapping


def validate_chunk(session: DbSession, ctx: RowContext, rows: list[tuple[int, dict[str, Any]]]
                   ) -> list[dict[str, Any]]:
    """Validate a chunk of (row number, cells by field); return staging rows.

    A refused row keeps its cells as typed, for the error report; an accepted one needs only
    its normalised fields.
    """
    parsed = []
    for row_no, cells in rows:
        fields, errors = parse_row(cells, ctx)
        parsed.append((row_no, fields, errors, cells))
    found_ids, found_phones = existing_keys(session, (f["id_number"] for _n, f, _e, _r in parsed),
                                            (p for _n, f, _e, _r in parsed for p in (f["phone"], f["phone2"])))
    staged = []
    for row_no, fields, errors, cells in parsed:
        if fields["id_number"] in found_ids:
            errors.append(f"证件号码已存在（客户 {found_ids[fields['id_number']]}）")
        for phone in (fields["phone"], fields["phone2"]):
            if phone in found_phones:
                errors.append(f"电话 {phone} 已存在（客户 {found_phones[phone]}）")
        errors.extend(check_in_file(row_no, fields, ctx))
        if not errors:
            remember(row_no, fields, ctx)
            staged.append({"row_no": row_no, "valid": True, "seq": None, "errors": "", "raw": None, **fields})
        else:
            raw = [_text(cells.get(c.key)) for c in COLUMNS]
            staged.append({"row_no": row_no, "valid": False, "seq": None, "errors": "；".join(errors), "raw": raw,
                           **{**fields, "birthday": None, "id_number": None, "org_id": None, "category_id": None}})
    return staged


# --- the template (导入模板) ------------------------------------------------------------------------


def template_bytes(session: DbSession, user: User) -> bytes:
    """Build the import template: the 客户 sheet, filling instructions, and the importer's orgs and categories."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "客户"
    ws.append([c.label + ("*" if c.required else "") for c in COLUMNS])
    bold, required_fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for index, col in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = bold
        if col.required:
            cell.fill = required_fill
        letter = cell.column_letter
        ws.column_dimensions[letter].width = col.width
        if col.key in ("id_number", "phone", "phone2"):
            ws.column_dimensions[letter].number_format = "@"  # keep long digit strings as text
    orgs = importable_orgs(session, user)
    example_org = orgs[0].code if orgs else ""
    ws.append(["张三", "男", "1985-06-01", "居民身份证", "11010519491231002X", "13800138000", "010-62345678",
               "北京市海淀区中关村大街 1 号", example_org, "", "电话营销", "B", "高净值,老客户",
               "示例行，导入前请删除"])
    ws.freeze_panes = "A2"
    guide = wb.create_sheet("填写说明")
    guide.append(["列", "是否必填", "说明"])
    for col in COLUMNS:
        guide.append([col.label, "必填" if col.required else "", col.hint])
    guide.append([])
    guide.append(["导入规则", "",
                  "导入的客户进入部门信息池：服务坐席为空，客户类型为“新建”，服务组织为“所属组织”列的组织。"])
    guide.append(["查重", "",
                  "证件号码或任一电话与文件中其他行、或系统中已有客户重复的行不会导入，可下载错误报告修改后重新导入。"])
    guide.append(["上限", "", f"单个文件最多 {MAX_ROWS:,} 行，文件大小受系统上传上限限制。"])
    guide.column_dimensions["A"].width = 12
    guide.column_dimensions["C"].width = 100
    lists = wb.create_sheet("组织与分类")
    lists.append(["组织编码", "组织名称", "", "客户分类", "", "客户来源", "", "客户等级", "", "证件类型"])
    categories = list(category_labels(session).values())
    sources = [label for _code, label in dictionaries.choices(session, CUSTOMER_SOURCE)]
    grades = [code for code, _label in dictionaries.choices(session, CUSTOMER_GRADE)]
    id_types = list(ID_TYPE_LABELS.values())
    for i in range(max(len(orgs), len(categories), len(sources), len(grades), len(id_types))):
        lists.append([orgs[i].code if i < len(orgs) else None, orgs[i].name if i < len(orgs) else None, None,
                      categories[i] if i < len(categories) else None, None,
                      sources[i] if i < len(sources) else None, None, grades[i] if i < len(grades) else None, None,
                      id_types[i] if i < len(id_types) else None])
    for letter, width in (("A", 14), ("B", 18), ("D", 26), ("F", 12), ("J", 26)):
        lists.column_dimensions[letter].width = width
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
