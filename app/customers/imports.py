"""Customer import (客户信息导入, seed 000 §1.9, §2.14): template, checks, background validation, import.

The flow: the head downloads the template, fills it and uploads it with an import number (导入编号).
The upload is checked at once (size, real .xlsx, zip bomb, DTDs) and stored; a background task
streams the rows (``app.xlsx_reader``) in chunks, validates each row (required fields, phone
format, ID checksum, org in scope, duplicates in the file and in the database) and stages it in
``customer_import_row``. The screen polls the job's progress. The head then imports the valid
rows — into the department pool (seat empty, type 新建, the row's org) with INSERT … SELECT from
the staged rows, all in one transaction (``import_publish``) — or nothing, and can download an
error report of the refused rows.

The template and the checks of one row live in ``import_rows``; this module checks the upload and
runs the validation around them.

Memory stays flat and bounded whatever the workbook: the reader refuses what is past
:data:`READ_LIMITS` (columns beyond the template, rows, cells per row, shared text) with a Chinese
message, rows are handled a chunk at a time, and only the keys seen so far (ID numbers, phones)
are kept for the in-file duplicate check. No transaction is open while the file is parsed: on
SQLite a background task's transaction holds the write lock from its first statement.

A worker that dies (kill -9, out of memory) leaves its job running without progress; after
:data:`STALL_AFTER` :func:`recover` marks it failed, drops its staged rows and its file, and says
that no customer was imported — which is true, since publishing is one transaction.
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
from sqlalchemy import and_, delete, insert, select, update

from app import clock
from app.audit import services as audit
from app.auth.models import User
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
    Customer,
    Gender,
    ImportJob,
    ImportRow,
    ImportStatus,
)
from app.database import DbSession, table_of
from app.errors import Conflict, NotFound, ValidationFailed
from app.exports import xlsx_stream
from app.extensions import db
from app.org.models import Org
from app.sequences import allocate
from app.xlsx_reader import BrokenWorkbook, Limits, SheetReader, WorkbookRefused
from rules.identity import ID_TYPE_LABELS, IdType

logger = logging.getLogger(__name__)

CHUNK_ROWS = 2_000  # rows validated and staged per transaction
EXTRA_COLUMNS = 6  # room for the importer's own columns (序号, 说明 …) next to the template's
# Beyond these the reader refuses the file by name: the template's width (plus EXTRA_COLUMNS), its row
# limit plus the header, far fewer cells per row than Excel allows, Excel's own limits for text.
READ_LIMITS = Limits(max_columns=len(COLUMNS) + EXTRA_COLUMNS, max_rows=MAX_ROWS + 1, max_cells_per_row=1_000)
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
    remove_orphan_files(session, folder)
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
        discard_file(job)
        job.status = ImportStatus.FAILED
        job.message = f"{message}（没有导入任何客户）"
        job.finished_at = clock.now()
        job.updated_at = clock.now()
        db.session.execute(delete(ImportRow).where(ImportRow.job_id == job_id))
        db.session.commit()


def discard_file(job: ImportJob) -> None:
    """Delete the job's uploaded file from instance/imports (it is not needed once the rows are staged)."""
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
        path = job.file_path
        session.commit()  # parse outside any transaction: it would hold SQLite's write lock meanwhile
        try:
            reader = SheetReader(path, READ_LIMITS)
        except WorkbookRefused:
            raise
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
        while chunk := list(islice(data, CHUNK_ROWS)):  # read with no transaction open
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
        reader.close()
        job = session.get(ImportJob, job_id)
        assert job is not None
        discard_file(job)  # everything needed is staged now
        job.status = ImportStatus.VALIDATED
        job.total_rows = processed
        job.message = f"校验完成：共 {processed} 行，可导入 {valid} 行，有问题 {processed - valid} 行"
        job.updated_at = clock.now()
        session.commit()
    except WorkbookRefused as exc:
        _fail(job_id, exc.message)
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


# --- screens' helpers ----------------------------------------------------------------------------


def is_stalled(job: ImportJob) -> bool:
    """A running job whose progress has not moved for minutes: its worker process is gone."""
    return job.status.running and clock.now() - job.updated_at > STALL_AFTER


STALLED_MESSAGE = {
    ImportStatus.VALIDATING: "校验中断（服务重启过，或处理进程被终止）：没有导入任何客户，请检查文件后重新上传",
    ImportStatus.IMPORTING: "导入中断（服务重启过，或处理进程被终止）：导入在一个事务中进行，已整体回滚，"
                            "没有导入任何客户；请重新上传同一文件",
}


def _stalled(now: Any) -> Any:
    return and_(ImportJob.status.in_([ImportStatus.VALIDATING, ImportStatus.IMPORTING]),
                ImportJob.updated_at < now - STALL_AFTER)


def needs_recovery(session: DbSession) -> bool:
    """Tell whether some job's worker died (a cheap read before :func:`recover` writes)."""
    return session.scalar(select(ImportJob.id).where(_stalled(clock.now())).limit(1)) is not None


def recover(session: DbSession, folder: Path) -> int:
    """Settle the jobs whose worker died and delete upload files no running job needs; return jobs settled.

    Safe to run anywhere, any number of times: each job is settled by a compare-and-set on its status and
    last progress, so a worker that is still alive (and moves ``updated_at``) or finished keeps its job.
    """
    now = clock.now()
    stalled = session.execute(select(ImportJob.id, ImportJob.status, ImportJob.updated_at, ImportJob.file_path)
                              .where(_stalled(now))).all()
    settled = 0
    for job_id, status, updated_at, file_path in stalled:
        result = session.execute(update(ImportJob).where(
            ImportJob.id == job_id, ImportJob.status == status, ImportJob.updated_at == updated_at)
            .values(status=ImportStatus.FAILED, message=STALLED_MESSAGE[status], file_path="", finished_at=now,
                    updated_at=now))
        if result.rowcount:  # type: ignore[attr-defined]
            session.execute(delete(ImportRow).where(ImportRow.job_id == job_id))
            if file_path:
                Path(file_path).unlink(missing_ok=True)
            settled += 1
    remove_orphan_files(session, folder)
    return settled


def remove_orphan_files(session: DbSession, folder: Path) -> None:
    """Delete uploads that no job waiting for validation refers to (a worker died before it could)."""
    if not folder.is_dir():
        return
    kept = set(session.scalars(select(ImportJob.file_path).where(ImportJob.file_path != "")))
    cutoff = (clock.now() - STALL_AFTER).timestamp()
    for path in folder.glob("*.xlsx"):
        try:
            if str(path) not in kept and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def get_job(session: DbSession, user: User, job_id: int, see_all: bool = False) -> ImportJob:
    """An import job of the user's own (or any, for administrators)."""
    job = session.get(ImportJob, job_id)
    if job is None or (job.user_id != user.id and not see_all):
        raise NotFound("导入记录不存在")
    return job


def error_report(session: DbSession, job: ImportJob) -> Iterator[bytes]:
    """The refused rows with their reasons, as an .xlsx (streamed) to fix and re-import."""
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
    return xlsx_stream(headers, rows, sheet="错误报告")


def error_sample(session: DbSession, job: ImportJob, limit: int = 20) -> list[ImportRow]:
    return list(session.scalars(select(ImportRow).where(ImportRow.job_id == job.id, ImportRow.valid.is_(False))
                                .order_by(ImportRow.row_no).limit(limit)))


def upload_folder(app: Flask | None = None) -> Path:
    app = app or current_app
    return Path(app.instance_path) / "imports"
