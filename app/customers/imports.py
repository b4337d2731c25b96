"""Customer import (客户信息导入, seed 000 §1.9, §2.14): template, checks, background validation, import.

The flow: the head downloads the template, fills it and uploads it with an import number (导入编号).
The upload is checked at once (size, real .xlsx, zip bomb, DTDs) and stored; a background task
streams the rows (``app.xlsx_reader``) in chunks, validates each row (required fields, phone
format, ID checksum, org in scope, duplicates in the file and in the database) and stages it in
``customer_import_row``. The screen polls the job's progress. The head then imports the valid
rows — into the department pool (seat empty, type 新建, the row's org) with INSERT … SELECT from
the staged rows — or nothing, and can download an error report of the refused rows.

The template and the checks of one row live in ``import_rows``; this module runs the job around them.

Memory stays flat: rows are read as a stream and handled a chunk at a time; only the keys seen
so far (ID numbers, phones) are kept for the in-file duplicate check.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import IO, Any

from flask import Flask, current_app
from sqlalchemy import and_, delete, exists, func, insert, literal, null, select, update

from app import clock
from app.audit import services as audit
from app.auth.models import User
from app.customers import services
from app.customers.categories import category_labels
from app.customers.import_rows import (
    COLUMNS,
    MAX_ROWS,
    build_context,
    importable_orgs,
    map_header,
    validate_chunk,
)
from app.customers.models import (
    AddressKind,
    Customer,
    CustomerAddress,
    CustomerPhone,
    CustomerType,
    Gender,
    ImportJob,
    ImportRow,
    ImportStatus,
    Pool,
)
from app.database import DbSession, UTCDateTime, table_of
from app.errors import Conflict, NotFound, ValidationFailed
from app.exports import workbook_bytes
from app.extensions import db
from app.org.models import Org
from app.pools.models import MoveReason, PoolHistory
from app.sequences import allocate
from app.xlsx_reader import BrokenWorkbook, SheetReader
from rules.identity import ID_TYPE_LABELS, IdType

logger = logging.getLogger(__name__)

CHUNK_ROWS = 2_000  # rows validated and staged per transaction
IMPORT_CHUNK = 20_000  # staged rows turned into customers per transaction
IMPORT_SEQUENCE = "customer_import"  # generated batch numbers (导入编号)
MAX_MEMBERS = 2_000
MAX_UNCOMPRESSED = 400 * 1024 * 1024  # all parts together, once inflated
MAX_RATIO = 200  # inflated / compressed per part; real sheets stay far below, zip bombs far above
SMALL_PART = 1024 * 1024  # parts under this size may compress as well as they like
STALL_AFTER = timedelta(minutes=3)
_NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


STAGED = table_of(ImportRow)


# --- checking the uploaded file --------------------------------------------------------------------


def check_workbook_file(path: Path) -> None:
    """Refuse anything that is not a sane .xlsx before a parser touches it (non-xlsx, broken, zip bomb, DTD)."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if not head:
        raise ValidationFailed("上传的文件是空的")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationFailed("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再导入")
    if not head.startswith(b"PK\x03\x04"):
        raise ValidationFailed("文件不是 Excel 工作簿（.xlsx），请使用下载的导入模板填写")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
            if len(members) > MAX_MEMBERS:
                raise ValidationFailed("文件结构异常（包含的部件过多），已拒绝")
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise ValidationFailed("文件不是有效的 Excel 工作簿（缺少工作簿内容），请使用导入模板")
            total = 0
            for member in members:
                total += member.file_size
                ratio = member.file_size / max(member.compress_size, 1)
                if total > MAX_UNCOMPRESSED or (member.file_size > SMALL_PART and ratio > MAX_RATIO):
                    raise ValidationFailed("文件解压后异常巨大（疑似压缩炸弹），已拒绝导入")
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    with archive.open(member) as part:
                        if _DTD.search(part.read(65536)):
                            raise ValidationFailed("文件包含不允许的 XML 声明（DTD/实体），已拒绝导入")
    except zipfile.BadZipFile as exc:
        raise ValidationFailed("文件已损坏，无法作为 Excel 工作簿打开") from exc
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
        raise ValidationFailed("文件已损坏或使用了不支持的压缩方式，无法读取") from exc


def clean_import_number(session: DbSession, raw: str) -> str:
    """The importer's batch number, or the next one from a sequence (two uploads in the same second, by the
    same head or two, never draw the same number)."""
    number = (raw or "").strip()
    if not number:
        return f"IMP{clock.local(clock.now()):%Y%m%d}{allocate(session, IMPORT_SEQUENCE):06d}"
    if not _NUMBER_PATTERN.match(number):
        raise ValidationFailed("导入编号只能包含字母、数字、下划线和短横线，最多 40 个字符")
    return number


def start(session: DbSession, user: User, upload: IO[bytes], filename: str, number: str, folder: Path) -> ImportJob:
    """Store and check an upload, then create its job (the caller commits and starts :func:`run_validation`)."""
    filename = (filename or "").strip()
    if not filename.lower().endswith(".xlsx"):
        if filename.lower().endswith((".xls", ".csv", ".et", ".ods")):
            raise ValidationFailed("请上传 .xlsx 格式的 Excel 文件（可在 Excel 中另存为 .xlsx，或使用导入模板）")
        raise ValidationFailed("请选择要导入的 .xlsx 文件")
    if not importable_orgs(session, user):
        raise ValidationFailed("您没有可导入客户的组织")
    number = clean_import_number(session, number)
    if session.scalar(select(ImportJob.id).where(ImportJob.number == number)) or session.scalar(
            select(Customer.id).where(Customer.import_batch == number).limit(1)):
        raise Conflict(f"导入编号 {number} 已被使用，请换一个")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{secrets.token_hex(16)}.xlsx"
    with path.open("wb") as out:
        while chunk := upload.read(1024 * 1024):
            out.write(chunk)
    try:
        check_workbook_file(path)
    except ValidationFailed:
        path.unlink(missing_ok=True)
        raise
    now = clock.now()
    job = ImportJob(number=number, user_id=user.id, filename=filename[:255], file_path=str(path),
                    status=ImportStatus.VALIDATING, created_at=now, updated_at=now)
    session.add(job)
    session.flush()
    audit.record(session, "customers.import_upload", summary=f"上传导入文件 {filename}（导入编号 {number}）",
                 object_type="customer_import_job", object_id=job.id)
    return job


STAGED_COLUMNS = ("job_id", "row_no", "valid", "seq", "errors", "raw", "name", "gender", "birthday", "id_type",
                  "id_number", "phone", "phone2", "address", "org_id", "category_id", "source", "grade", "tags",
                  "remark")


def _stage(session: DbSession, job_id: int, staged: list[dict[str, Any]]) -> None:
    """Write a chunk of staged rows: COPY on PostgreSQL (a third of the INSERT cost), executemany elsewhere."""
    rows = [{"job_id": job_id, **row} for row in staged]
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(STAGED), rows)
        return
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY customer_import_row ({', '.join(STAGED_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            if row["raw"] is not None:
                row["raw"] = json.dumps(row["raw"], ensure_ascii=False)
            copy.write_row([row[column] for column in STAGED_COLUMNS])


def _progress(session: DbSession, job_id: int, **values: Any) -> None:
    session.execute(update(ImportJob).where(ImportJob.id == job_id).values(updated_at=clock.now(), **values))


def _fail(job_id: int, message: str) -> None:
    db.session.rollback()
    job = db.session.get(ImportJob, job_id)
    if job is not None:
        _discard_file(job)
        job.status = ImportStatus.FAILED
        job.message = message
        job.finished_at = clock.now()
        job.updated_at = clock.now()
        db.session.execute(delete(ImportRow).where(ImportRow.job_id == job_id))
        db.session.commit()


def _discard_file(job: ImportJob) -> None:
    if job.file_path:
        Path(job.file_path).unlink(missing_ok=True)
        job.file_path = ""


def _data_rows(rows: Iterator[tuple[int, list[Any]]], mapping: dict[int, str]
               ) -> Iterator[tuple[int, dict[str, Any]]]:
    for row_no, values in rows:
        if not any(v not in (None, "") for v in values):
            continue
        yield row_no, {key: values[i] if i < len(values) else None for i, key in mapping.items()}


def run_validation(job_id: int) -> None:
    """Background task: stream, validate and stage every row of an uploaded workbook (commits per chunk)."""
    session = db.session
    job = session.get(ImportJob, job_id)
    if job is None or job.status != ImportStatus.VALIDATING:
        return
    reader = None
    try:
        ctx = build_context(session, job.user)
        try:
            reader = SheetReader(job.file_path)
        except BrokenWorkbook as exc:
            raise ValidationFailed("工作簿无法读取：文件已损坏或不是标准的 .xlsx 文件") from exc
        ctx.date1904 = reader.date1904
        declared = (reader.declared_rows or 0) - 1
        if declared > MAX_ROWS:
            raise ValidationFailed(f"文件有 {declared:,} 行，单次最多导入 {MAX_ROWS:,} 行，请拆分后再导入")
        rows = reader.rows()
        header = next(rows, None)
        mapping = map_header(header[1] if header else None)
        _progress(session, job_id, total_rows=max(declared, 0))
        session.commit()
        processed = valid = 0
        data = _data_rows(rows, mapping)
        while chunk := list(islice(data, CHUNK_ROWS)):
            processed += len(chunk)
            if processed > MAX_ROWS:
                raise ValidationFailed(f"单次最多导入 {MAX_ROWS:,} 行，请拆分后再导入")
            staged = validate_chunk(session, ctx, chunk)
            for row in staged:
                if row["valid"]:
                    valid += 1
                    row["seq"] = valid
            _stage(session, job_id, staged)
            _progress(session, job_id, processed_rows=processed, valid_rows=valid, error_rows=processed - valid,
                      total_rows=max(declared, processed))
            session.commit()
        if not processed:
            raise ValidationFailed("文件中没有数据行")
        _progress(session, job_id, status=ImportStatus.VALIDATED, total_rows=processed,
                  message=f"校验完成：共 {processed} 行，可导入 {valid} 行，有问题 {processed - valid} 行")
        session.commit()
    except ValidationFailed as exc:
        _fail(job_id, exc.message)
    except BrokenWorkbook:
        _fail(job_id, "文件已损坏或格式不受支持，无法读取；请使用导入模板重新填写")
    except Exception:
        logger.exception("import %s failed while validating", job_id)
        _fail(job_id, "文件已损坏或格式不受支持，无法读取；请使用导入模板重新填写")
    finally:
        if reader is not None:
            reader.close()


# --- importing the valid rows --------------------------------------------------------------------


def confirm(session: DbSession, job: ImportJob) -> None:
    """Accept the valid rows (导入有效行); the caller commits and starts :func:`run_import`."""
    if job.status != ImportStatus.VALIDATED:
        raise Conflict("该导入不在待确认状态")
    if not job.valid_rows:
        raise ValidationFailed("没有可导入的有效行")
    job.status = ImportStatus.IMPORTING
    job.updated_at = clock.now()
    session.flush()


def cancel(session: DbSession, job: ImportJob) -> None:
    """Import nothing (放弃导入): the staged rows and the file are discarded."""
    if job.status not in (ImportStatus.VALIDATED, ImportStatus.FAILED) and not is_stalled(job):
        raise Conflict("该导入正在处理中或已完成，不能放弃")
    session.execute(delete(ImportRow).where(ImportRow.job_id == job.id))
    _discard_file(job)
    job.status = ImportStatus.CANCELLED
    job.finished_at = clock.now()
    job.message = "已放弃导入，没有导入任何客户"
    session.flush()
    audit.record(session, "customers.import_cancel", summary=f"放弃导入 {job.number}",
                 object_type="customer_import_job", object_id=job.id)


def run_import(job_id: int) -> None:
    """Background task: insert the staged valid rows as customers in the department pool (commits per chunk)."""
    session = db.session
    job = session.get(ImportJob, job_id)
    if job is None or job.status != ImportStatus.IMPORTING:
        return
    try:
        imported = _import_rows(session, job)
        job = session.get(ImportJob, job_id)
        assert job is not None
        skipped = job.valid_rows - imported
        message = f"导入完成：{imported} 个客户进入部门信息池，导入编号 {job.number}"
        if skipped:
            message += f"；{skipped} 行在导入时发现与新登记的客户重复，已跳过（见错误报告）"
        session.execute(delete(ImportRow).where(ImportRow.job_id == job_id, ImportRow.valid.is_(True)))
        _discard_file(job)
        job.status = ImportStatus.DONE
        job.imported_rows = imported
        job.valid_rows = imported
        job.error_rows = job.total_rows - imported
        job.message = message
        job.finished_at = job.updated_at = clock.now()
        with audit.acting_as(audit.Actor(job.user_id, job.user.name)):
            audit.record(session, "customers.import", summary=f"导入客户 {imported} 个（导入编号 {job.number}）",
                         object_type="customer_import_job", object_id=job.id)
        session.commit()
    except Exception:
        logger.exception("import %s failed while importing", job_id)
        session.rollback()
        _progress(session, job_id, status=ImportStatus.FAILED,
                  message="导入过程中出错，已导入的部分保留（见导入编号），请联系管理员")
        session.commit()


def _import_rows(session: DbSession, job: ImportJob) -> int:
    """Insert the staged valid rows as customers with a few INSERT … SELECT per chunk of rows."""
    job_id, batch, user_id = job.id, job.number, job.user_id
    _recheck_duplicates(session, job_id)
    top = session.scalar(select(func.max(STAGED.c.seq)).where(STAGED.c.job_id == job_id, STAGED.c.valid.is_(True)))
    if not top:
        session.commit()
        return 0
    # One block of numbers for the whole file: the row with seq n becomes customer number first + n - 1.
    first = allocate(session, services.NUMBER_SEQUENCE, top)
    session.execute(update(STAGED).where(STAGED.c.job_id == job_id, STAGED.c.valid.is_(True))
                    .values(number=services.number_sql(session, literal(first - 1) + STAGED.c.seq)))
    session.commit()
    imported = 0
    for low in range(1, top + 1, IMPORT_CHUNK):
        imported += _insert_chunk(session, job_id, batch, user_id, low, low + IMPORT_CHUNK - 1)
        _progress(session, job_id, imported_rows=imported)
        session.commit()
    return imported


def _recheck_duplicates(session: DbSession, job_id: int) -> None:
    """Refuse staged rows whose ID number or phone someone registered since validation."""
    customers, phones = table_of(Customer), table_of(CustomerPhone)
    pending = and_(STAGED.c.job_id == job_id, STAGED.c.valid.is_(True))
    owner = (select(customers.c.number).where(customers.c.id_number == STAGED.c.id_number).limit(1)
             .scalar_subquery())
    session.execute(update(STAGED).where(
        pending, STAGED.c.id_number.is_not(None), exists().where(customers.c.id_number == STAGED.c.id_number))
        .values(valid=False, errors=literal("导入时发现重复：证件号码已存在（客户 ") + owner + literal("）")))
    for column in (STAGED.c.phone, STAGED.c.phone2):
        holder = (select(customers.c.number).join(phones, phones.c.customer_id == customers.c.id)
                  .where(phones.c.phone == column).limit(1).scalar_subquery())
        reason = literal("导入时发现重复：电话 ") + column + literal(" 已存在（客户 ") + holder + literal("）")
        session.execute(update(STAGED).where(pending, column != "", exists().where(phones.c.phone == column))
                        .values(valid=False, errors=reason))


def _insert_chunk(session: DbSession, job_id: int, batch: str, user_id: int, low: int, high: int) -> int:
    now = literal(clock.now(), UTCDateTime())
    customers = table_of(Customer)
    rows = and_(STAGED.c.job_id == job_id, STAGED.c.valid.is_(True), STAGED.c.seq.between(low, high))
    values = {
        "number": STAGED.c.number, "name": STAGED.c.name, "gender": STAGED.c.gender, "birthday": STAGED.c.birthday,
        "id_type": STAGED.c.id_type, "id_number": STAGED.c.id_number, "category_id": STAGED.c.category_id,
        "type": literal(CustomerType.NEW.value), "grade": STAGED.c.grade, "source": STAGED.c.source,
        "import_batch": literal(batch), "tags": STAGED.c.tags, "remark": STAGED.c.remark,
        "service_seat_id": null(), "service_org_id": STAGED.c.org_id, "pool": literal(Pool.DEPARTMENT.value),
        "pool_reason": literal(MoveReason.IMPORT.value), "pool_changed_at": now, "pool_move_batch": null(),
        "assigned_at": null(), "prev_seat_id": null(), "followup_count": literal(0), "valid_call_count": literal(0),
        "last_followup_at": null(), "last_valid_call_at": null(), "recycle_count": literal(0),
        "red_flag_at": null(), "red_flag_reason": literal(""), "red_flag_by_id": null(),
        "created_by_id": literal(user_id), "created_at": now, "updated_at": now,
    }
    # Count first: INSERT … SELECT row counts are not reported by every driver.
    inserted = int(session.scalar(select(func.count()).select_from(STAGED).where(rows)) or 0)
    session.execute(insert(customers).from_select(list(values), select(*values.values()).where(rows)))
    # The new customers are found again by number (unique index).
    joined = STAGED.join(customers, customers.c.number == STAGED.c.number)
    for column, primary in ((STAGED.c.phone, True), (STAGED.c.phone2, False)):
        session.execute(insert(table_of(CustomerPhone)).from_select(
            ["customer_id", "phone", "is_primary", "remark"],
            select(customers.c.id, column, literal(primary), literal("")).select_from(joined)
            .where(rows, column != "")))
    session.execute(insert(table_of(CustomerAddress)).from_select(
        ["customer_id", "kind", "address", "postcode", "is_primary"],
        select(customers.c.id, literal(AddressKind.HOME.value), STAGED.c.address, literal(""), literal(True))
        .select_from(joined).where(rows, STAGED.c.address != "")))
    session.execute(insert(table_of(PoolHistory)).from_select(
        ["customer_id", "at", "from_pool", "to_pool", "from_seat_id", "to_seat_id", "org_id", "reason", "actor_id",
         "note"],
        select(customers.c.id, now, null(), literal(Pool.DEPARTMENT.value), null(), null(), STAGED.c.org_id,
               literal(MoveReason.IMPORT.value), literal(user_id), literal(f"导入编号 {batch}"[:200]))
        .select_from(joined).where(rows)))
    return inserted


# --- screens' helpers ----------------------------------------------------------------------------


def is_stalled(job: ImportJob) -> bool:
    """A running job whose progress has not moved for minutes: its worker process is gone."""
    return job.status.running and clock.now() - job.updated_at > STALL_AFTER


def get_job(session: DbSession, user: User, job_id: int, see_all: bool = False) -> ImportJob:
    """An import job of the user's own (or any, for administrators)."""
    job = session.get(ImportJob, job_id)
    if job is None or (job.user_id != user.id and not see_all):
        raise NotFound("导入记录不存在")
    return job


def error_report(session: DbSession, job: ImportJob) -> bytes:
    """The refused rows with their reasons, as an .xlsx to fix and re-import."""
    headers = ["行号", "错误原因"] + [c.label for c in COLUMNS]
    orgs = dict(session.execute(select(Org.id, Org.code)).all())
    categories = category_labels(session)

    def cells(row: ImportRow) -> list[Any]:
        if row.raw is not None:
            return (row.raw + [""] * len(COLUMNS))[:len(COLUMNS)]
        # Accepted at validation, refused at import (a duplicate registered meanwhile): rebuild from the fields.
        return [row.name, Gender(row.gender).label, row.birthday or "", ID_TYPE_LABELS[IdType(row.id_type)],
                row.id_number or "", row.phone, row.phone2, row.address, orgs.get(row.org_id or 0, ""),
                categories.get(row.category_id or 0, ""), row.source, row.grade, row.tags, row.remark]

    rows = ([r.row_no, r.errors, *cells(r)]
            for r in session.scalars(select(ImportRow).where(ImportRow.job_id == job.id, ImportRow.valid.is_(False))
                                     .order_by(ImportRow.row_no).execution_options(yield_per=1000)))
    return workbook_bytes(headers, rows, sheet="错误报告")


def error_sample(session: DbSession, job: ImportJob, limit: int = 20) -> list[ImportRow]:
    return list(session.scalars(select(ImportRow).where(ImportRow.job_id == job.id, ImportRow.valid.is_(False))
                                .order_by(ImportRow.row_no).limit(limit)))


def upload_folder(app: Flask | None = None) -> Path:
    app = app or current_app
    return Path(app.instance_path) / "imports"
