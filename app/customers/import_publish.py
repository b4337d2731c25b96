"""Publishing an import (导入有效行): the staged valid rows become customers in one transaction, or none do.

Every statement is set-based (INSERT … SELECT from ``customer_import_row``), and the customers, their
phones, addresses and pool history, the staged rows' clean-up and the job's 已导入 status are written
in the same transaction. A worker killed half-way (kill -9, out of memory, a deploy) leaves nothing
behind: the database rolls the transaction back, the job still says 导入中 until
``imports.recover`` settles it as failed with "没有导入任何客户", and a re-upload of the same file
finds no duplicates. On SQLite the write lock is held for the publish only (about a second per
20,000 rows, see docs/performance.md), never while a file is parsed.

The job's status changes by compare-and-set (``UPDATE … WHERE status = …``), so 放弃 racing a
publish, or recovery racing a slow but live worker, cannot both win.
"""

from __future__ import annotations

import logging

from sqlalchemy import and_, delete, exists, func, insert, literal, null, select, update

from app import clock
from app.audit import services as audit
from app.customers import services
from app.customers.imports import STAGED, discard_file, is_stalled
from app.customers.models import (
    AddressKind,
    Customer,
    CustomerAddress,
    CustomerPhone,
    CustomerType,
    ImportJob,
    ImportRow,
    ImportStatus,
    Pool,
)
from app.database import DbSession, UTCDateTime, table_of
from app.errors import Conflict, ValidationFailed
from app.extensions import db
from app.pools.models import MoveReason, PoolHistory
from app.sequences import allocate

logger = logging.getLogger(__name__)

IMPORT_CHUNK = 20_000  # staged rows per INSERT … SELECT statement (all in the one transaction)
CANCELLED_MESSAGE = "已放弃导入，没有导入任何客户"
FAILED_MESSAGE = "导入过程中出错，已整体回滚，没有导入任何客户；请重新上传，或联系管理员"


def confirm(session: DbSession, job: ImportJob) -> None:
    """Accept the valid rows (导入有效行); the caller commits and starts :func:`run_import`."""
    if job.status != ImportStatus.VALIDATED:
        raise Conflict("该导入不在待确认状态")
    if not job.valid_rows:
        raise ValidationFailed("没有可导入的有效行")
    moved = session.execute(update(ImportJob).where(ImportJob.id == job.id, ImportJob.status == ImportStatus.VALIDATED)
                            .values(status=ImportStatus.IMPORTING, updated_at=clock.now()))
    if not moved.rowcount:  # type: ignore[attr-defined]
        raise Conflict("该导入不在待确认状态")
    session.refresh(job)


def cancel(session: DbSession, job: ImportJob) -> None:
    """Import nothing (放弃导入): the staged rows and the file are discarded."""
    if job.status not in (ImportStatus.VALIDATED, ImportStatus.FAILED) and not is_stalled(job):
        raise Conflict("该导入正在处理中或已完成，不能放弃")
    # Compare-and-set: a publish that committed meanwhile (or a live worker that moved on) keeps the job.
    moved = session.execute(update(ImportJob).where(
        ImportJob.id == job.id, ImportJob.status == job.status, ImportJob.updated_at == job.updated_at)
        .values(status=ImportStatus.CANCELLED, finished_at=clock.now(), updated_at=clock.now(),
                message=CANCELLED_MESSAGE))
    if not moved.rowcount:  # type: ignore[attr-defined]
        raise Conflict("该导入的状态刚刚发生了变化，请刷新页面后再试")
    session.execute(delete(ImportRow).where(ImportRow.job_id == job.id))
    session.refresh(job)
    discard_file(job)
    session.flush()
    audit.record(session, "customers.import_cancel", summary=f"放弃导入 {job.number}",
                 object_type="customer_import_job", object_id=job.id)


def run_import(job_id: int) -> None:
    """Background task: insert the staged valid rows as customers in the department pool, in one transaction."""
    session = db.session
    try:
        # The claim takes the write lock (SQLite) or the job's row lock (PostgreSQL) for the whole publish.
        claimed = session.execute(update(ImportJob).where(ImportJob.id == job_id,
                                                          ImportJob.status == ImportStatus.IMPORTING)
                                  .values(updated_at=clock.now()))
        if not claimed.rowcount:  # type: ignore[attr-defined]
            session.rollback()
            return
        job = session.get(ImportJob, job_id)
        assert job is not None
        imported = _import_rows(session, job)
        skipped = job.valid_rows - imported
        message = f"导入完成：{imported} 个客户进入部门信息池，导入编号 {job.number}"
        if skipped:
            message += f"；{skipped} 行在导入时发现与新登记的客户重复，已跳过（见错误报告）"
        session.execute(delete(ImportRow).where(ImportRow.job_id == job_id, ImportRow.valid.is_(True)))
        discard_file(job)
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
        session.execute(update(ImportJob).where(ImportJob.id == job_id, ImportJob.status == ImportStatus.IMPORTING)
                        .values(status=ImportStatus.FAILED, message=FAILED_MESSAGE, updated_at=clock.now(),
                                finished_at=clock.now()))
        session.commit()


def _import_rows(session: DbSession, job: ImportJob) -> int:
    """Insert the staged valid rows as customers with a few INSERT … SELECT per chunk of rows (no commit)."""
    job_id, batch, user_id = job.id, job.number, job.user_id
    _recheck_duplicates(session, job_id)
    top = session.scalar(select(func.max(STAGED.c.seq)).where(STAGED.c.job_id == job_id, STAGED.c.valid.is_(True)))
    if not top:
        return 0
    # One block of numbers for the whole file: the row with seq n becomes customer number first + n - 1.
    first = allocate(session, services.NUMBER_SEQUENCE, top)
    session.execute(update(STAGED).where(STAGED.c.job_id == job_id, STAGED.c.valid.is_(True))
                    .values(number=services.number_sql(session, literal(first - 1) + STAGED.c.seq)))
    imported = 0
    for low in range(1, top + 1, IMPORT_CHUNK):
        imported += _insert_chunk(session, job_id, batch, user_id, low, low + IMPORT_CHUNK - 1)
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
