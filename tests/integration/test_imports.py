"""客户信息导入 end to end: template, upload checks, background validation with progress, duplicates,
the error report, importing the valid rows (or nothing) into the department pool."""

from __future__ import annotations

import io
import os
import sqlite3
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from app import background, clock
from app.customers.models import Customer, CustomerType, ImportJob, ImportRow, ImportStatus, Pool
from app.extensions import db
from app.pools.models import MoveReason, PoolHistory
from tests.customer_helpers import fresh, make_customer, new_id_number, org, row, user, xlsx_bytes


def _upload(client, data: bytes, number: str = "", filename: str = "客户.xlsx"):
    return client.post("/customers/imports/", data={"file": (io.BytesIO(data), filename), "number": number},
                       content_type="multipart/form-data", headers={"Referer": "/customers/imports/"})


def _job(job_id: int | None = None) -> ImportJob:
    fresh()
    stmt = select(ImportJob).order_by(ImportJob.id.desc())
    job = db.session.get(ImportJob, job_id) if job_id else db.session.scalar(stmt.limit(1))
    assert job is not None
    return job


def _wait(job_id: int, timeout: float = 60) -> ImportJob:
    """Let the background task finish, as the browser would by polling."""
    assert background.wait_idle(timeout)
    deadline = time.monotonic() + timeout
    while (job := _job(job_id)).status.running and time.monotonic() < deadline:
        time.sleep(0.05)
    return job


def test_template_lists_the_columns_and_the_heads_orgs(login_as):
    response = login_as("head01").get("/customers/imports/template")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    header = [cell.value for cell in workbook["客户"][1]]
    assert header[:6] == ["客户姓名*", "性别", "出生日期", "证件类型", "证件号码", "手机号码*"]
    orgs = {r[0] for r in workbook["组织与分类"].iter_rows(min_row=2, values_only=True)}
    assert {"SH-LC1", "SH-LC1-A"} <= orgs and "SH-LC2" not in orgs


@pytest.mark.db_sensitive  # set-based import, customer numbers rendered in SQL, COPY on PostgreSQL
def test_a_file_with_duplicates_is_validated_in_the_background_then_the_valid_rows_imported(login_as):
    existing = make_customer("已有客户", seat="seat01", phones=["13655550001"], id_number=new_id_number())
    rows = [
        row("导入一", "13655550011", id_number=new_id_number(), grade="A", tags="沙龙"),
        row("导入二", "13655550012", "SH-LC1-A", address="上海市黄浦区 1 号"),
        row("同文件重复电话", "13655550011"),
        row("库中已有电话", "+86 136-5555-0001"),
        row("库中已有证件", "13655550015", id_number=existing.id_number),
        row("校验位错", "13655550016", id_number="110105194912310021"),
        row("", "13655550017"),
        row("越权组织", "13655550018", "SH-LC2"),
        [None] * 14,  # a blank line is skipped, not reported
        row("导入三", "13655550019"),
    ]
    client = login_as("head01")
    response = _upload(client, xlsx_bytes(rows), number="BATCH-001")
    assert response.status_code == 302 and "/customers/imports/" in response.headers["Location"]
    job = _wait(_job().id)
    assert job.status == ImportStatus.VALIDATED, job.message
    assert (job.total_rows, job.valid_rows, job.error_rows) == (9, 3, 6)
    page = client.get(f"/customers/imports/{job.id}").get_data(as_text=True)
    for reason in ("电话 13655550011 与第 2 行重复", f"电话 13655550001 已存在（客户 {existing.number}）",
                   "证件号码已存在", "校验位不正确", "客户姓名必填", "不在您的管理范围内"):
        assert reason in page, reason
    assert "导入 3 条有效行" in page
    # The error report is the refused rows as typed, with the reasons, ready to fix and re-import.
    report = load_workbook(io.BytesIO(client.get(f"/customers/imports/{job.id}/errors").data)).active
    lines = list(report.iter_rows(values_only=True))
    assert lines[0][:3] == ("行号", "错误原因", "客户姓名") and len(lines) == 7
    assert [line[0] for line in lines[1:]] == [4, 5, 6, 7, 8, 9]
    assert lines[2][2] == "库中已有电话" and lines[2][7] == "'+86 136-5555-0001"  # formula escaping keeps the + inert
    # Import the valid rows: department pool, no seat, type 新建, the import number on each.
    client.post(f"/customers/imports/{job.id}/confirm")
    job = _wait(job.id)
    assert job.status == ImportStatus.DONE and job.imported_rows == 3, job.message
    imported = db.session.scalars(select(Customer).where(Customer.import_batch == "BATCH-001")
                                  .order_by(Customer.id)).all()
    assert [c.name for c in imported] == ["导入一", "导入二", "导入三"]
    assert {(c.pool, c.service_seat_id, c.type) for c in imported} == {(Pool.DEPARTMENT, None, CustomerType.NEW)}
    assert imported[1].service_org_id == org("SH-LC1-A").id and imported[1].addresses[0].address
    assert imported[0].grade == "A" and imported[0].tags == "沙龙"
    moves = db.session.scalars(select(PoolHistory).where(PoolHistory.customer_id.in_([c.id for c in imported]))).all()
    assert {(m.reason, m.to_pool, m.actor_id) for m in moves} == {(MoveReason.IMPORT, Pool.DEPARTMENT,
                                                                   user("head01").id)}
    assert "导入一" in client.get("/pools/department").get_data(as_text=True)
    # The import number is unique per batch.
    _upload(client, xlsx_bytes([row("再来", "13655550099")]), number="BATCH-001")
    assert "导入编号 BATCH-001 已被使用" in client.get("/customers/imports/").get_data(as_text=True)


@pytest.mark.db_sensitive
def test_a_phone_registered_between_validation_and_import_is_refused_then(login_as):
    client = login_as("head01")
    _upload(client, xlsx_bytes([row("先校验", "13655550051"), row("后被占用", "13655550052")]), number="RACE-1")
    job = _wait(_job().id)
    assert job.valid_rows == 2
    taken = make_customer("抢先登记", seat="seat01", phones=["13655550052"])
    client.post(f"/customers/imports/{job.id}/confirm")
    job = _wait(job.id)
    assert job.status == ImportStatus.DONE and job.imported_rows == 1 and "已跳过" in job.message
    assert db.session.scalar(select(func.count()).where(Customer.import_batch == "RACE-1")) == 1
    report = load_workbook(io.BytesIO(client.get(f"/customers/imports/{job.id}/errors").data)).active
    line = list(report.iter_rows(min_row=2, values_only=True))[0]
    assert line[1] == f"导入时发现重复：电话 13655550052 已存在（客户 {taken.number}）" and line[2] == "后被占用"
    # Customer numbers were handed out as one block: the imported customer follows the numbering.
    imported = db.session.scalar(select(Customer).where(Customer.import_batch == "RACE-1"))
    assert imported.number.startswith("KH") and len(imported.number) == 10


def test_choosing_to_import_nothing_leaves_no_customer(login_as):
    client = login_as("head01")
    _upload(client, xlsx_bytes([row("不导入", "13655550021"), row("", "13655550022")]))
    job = _wait(_job().id)
    assert job.status == ImportStatus.VALIDATED
    client.post(f"/customers/imports/{job.id}/cancel")
    fresh()
    assert db.session.scalar(select(func.count()).where(Customer.name == "不导入")) == 0
    assert _job(job.id).status == ImportStatus.CANCELLED
    assert db.session.scalar(select(func.count()).where(ImportRow.job_id == job.id)) == 0


@pytest.mark.parametrize("data, filename, message", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.xls", "请上传 .xlsx 格式"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "renamed.xlsx", "旧版 Excel（.xls）"),
    ("姓名,电话".encode(), "客户.xlsx", "文件不是 Excel 工作簿"),
    (xlsx_bytes([["张三"]])[:700], "客户.xlsx", "文件已损坏"),
])
def test_bad_uploads_get_a_clear_message_at_once(login_as, data, filename, message):
    client = login_as("head01")
    _upload(client, data, filename=filename)
    assert message in client.get("/customers/imports/").get_data(as_text=True)
    fresh()
    assert db.session.scalar(select(func.count()).select_from(ImportJob)) == 0


def test_a_zip_bomb_is_refused(login_as):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<x>" + b"0" * (80 * 1024 * 1024) + b"</x>")
    client = login_as("head01")
    _upload(client, buffer.getvalue())
    assert "疑似压缩炸弹" in client.get("/customers/imports/").get_data(as_text=True)


def test_a_broken_workbook_inside_a_valid_zip_fails_with_a_message(login_as):
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes([row("甲", "13655550031")]))) as source, \
            zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]  # cut the sheet's XML in half
            target.writestr(item, content)
    client = login_as("head01")
    _upload(client, buffer.getvalue())
    job = _wait(_job().id)
    assert job.status == ImportStatus.FAILED
    assert "文件已损坏或格式不受支持" in client.get(f"/customers/imports/{job.id}").get_data(as_text=True)


def test_wrong_columns_and_empty_files_fail_with_a_message(login_as):
    client = login_as("head01")
    _upload(client, xlsx_bytes([["张三", "138"]], header=["姓名", "电话"]))
    job = _wait(_job().id)
    assert job.status == ImportStatus.FAILED and "缺少必填列：客户姓名、手机号码、所属组织" in job.message
    _upload(client, xlsx_bytes([]))
    assert "文件中没有数据行" in _wait(_job().id).message


@pytest.mark.date_sensitive
def test_uploads_in_the_same_second_get_their_own_batch_numbers(login_as):
    head01, head11 = login_as("head01"), login_as("head11")
    empty = xlsx_bytes([])
    with time_machine.travel(clock.now(), tick=False):  # 30 uploads stamped with the same second
        for client in [head01, head11] * 15:
            assert _upload(client, empty).status_code == 302
    background.wait_idle(60)
    fresh()
    numbers = db.session.scalars(select(ImportJob.number).order_by(ImportJob.id)).all()
    assert len(numbers) == len(set(numbers)) == 30
    assert all(n.startswith("IMP") for n in numbers)


def test_an_oversize_upload_is_refused(database_url, tmp_path):
    from tests.conftest import login, make_app

    small = make_app(database_url, tmp_path / "small", MAX_CONTENT_LENGTH=64 * 1024)
    with small.app_context():
        client = login(small.test_client(), "head01")
        response = _upload(client, b"PK\x03\x04" + b"\0" * (200 * 1024))
        assert response.status_code == 413
        assert "上传的文件太大" in response.get_data(as_text=True)
        db.engine.dispose()


def test_progress_is_polled_while_running_and_the_page_reloads_when_done(login_as):
    client = login_as("head01")
    _upload(client, xlsx_bytes([row(f"进度{i}", f"1365556{i:04d}") for i in range(30)]))
    job = _wait(_job().id)
    fragment = client.get(f"/customers/imports/{job.id}/progress").get_data(as_text=True)
    assert 'id="import-progress"' in fragment and "hx-trigger" not in fragment  # finished: no more polling
    done = client.get(f"/customers/imports/{job.id}/progress", query_string={"running": 1})
    assert done.headers.get("HX-Refresh") == "true"


def test_only_importers_may_import_and_only_their_own_jobs(login_as):
    assert login_as("seat01").get("/customers/imports/").status_code == 403
    client = login_as("head01")
    _upload(client, xlsx_bytes([row("他人导入", "13655550041")]))
    job = _wait(_job().id)
    assert login_as("head11").get(f"/customers/imports/{job.id}").status_code == 404
    assert login_as("head11").post(f"/customers/imports/{job.id}/confirm").status_code == 404


@pytest.mark.parametrize("name", ["far_column", "shared_text_flood", "many_cells", "malformed"])  # small uploads
def test_a_crafted_workbook_fails_its_job_with_a_message_and_leaves_no_file(login_as, app, name):
    from tests.hostile_workbooks import CORPUS

    build, expected = CORPUS[name]
    client = login_as("head01")
    _upload(client, build())
    job = _wait(_job().id)
    assert job.status == ImportStatus.FAILED and expected in job.message and "没有导入任何客户" in job.message
    assert expected in client.get(f"/customers/imports/{job.id}").get_data(as_text=True)
    assert job.file_path == "" and list((Path(app.instance_path) / "imports").glob("*.xlsx")) == []
    assert db.session.scalar(select(func.count()).where(ImportRow.job_id == job.id)) == 0


def test_no_transaction_is_open_while_the_file_is_parsed(login_as, monkeypatch, database_url):
    """On SQLite a background transaction holds the write lock: parsing inside one locked out every login."""
    from app.customers import imports
    from app.xlsx_reader import SheetReader

    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    path = database_url.removeprefix("sqlite:///")
    seen: list[bool] = []

    def lock_is_free() -> bool:
        probe = sqlite3.connect(path, timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.rollback()
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            probe.close()

    class Watched(SheetReader):
        def _shared_strings(self):  # type: ignore[no-untyped-def]
            seen.append(lock_is_free())
            return super()._shared_strings()

        def rows(self):  # type: ignore[no-untyped-def]
            for item in super().rows():
                seen.append(lock_is_free())
                yield item

    monkeypatch.setattr(imports, "SheetReader", Watched)
    client = login_as("head01")
    _upload(client, xlsx_bytes([row(f"锁{i}", f"1365557{i:04d}") for i in range(5)]))
    job = _wait(_job().id)
    assert job.status == ImportStatus.VALIDATED, job.message
    assert len(seen) >= 6 and all(seen)


def test_a_job_whose_worker_died_is_settled_truthfully_and_its_file_removed(login_as, app):
    client = login_as("head01")
    _upload(client, xlsx_bytes([row("中断", "13655550061")]))
    job = _wait(_job().id)
    # A worker killed while validating: the job still says 校验中 and its file is still there.
    folder = Path(app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    left = folder / "dead.xlsx"
    left.write_bytes(b"PK")
    orphan, fresh_upload = folder / "orphan.xlsx", folder / "arriving.xlsx"  # no job refers to either
    for path, age in ((orphan, 10), (fresh_upload, -4)):  # the second arrives when the page is viewed
        path.write_bytes(b"PK")
        stamp = (clock.now() - timedelta(minutes=age)).timestamp()
        os.utime(path, (stamp, stamp))
    db.session.execute(update(ImportJob).where(ImportJob.id == job.id)
                       .values(status=ImportStatus.VALIDATING, file_path=str(left)))
    db.session.commit()
    assert "处理中断" not in client.get(f"/customers/imports/{job.id}").get_data(as_text=True)
    with time_machine.travel(clock.now() + timedelta(minutes=4)):
        page = client.get("/customers/imports/").get_data(as_text=True)
        job = _job(job.id)
        assert job.status == ImportStatus.FAILED and "没有导入任何客户" in job.message
        assert not left.exists() and job.file_path == ""
        assert not orphan.exists() and fresh_upload.exists()  # an upload being stored right now is kept
        assert db.session.scalar(select(func.count()).where(ImportRow.job_id == job.id)) == 0
        assert "失败" in page


def test_cancel_loses_to_a_publish_that_committed_meanwhile(login_as):
    from app.customers import import_publish
    from app.errors import Conflict

    client = login_as("head01")
    _upload(client, xlsx_bytes([row("并发", "13655550071")]))
    job = _wait(_job().id)
    stale = _job(job.id)
    db.session.expunge(stale)
    db.session.execute(update(ImportJob).where(ImportJob.id == job.id)
                       .values(status=ImportStatus.DONE, updated_at=clock.now() + timedelta(seconds=1)))
    db.session.commit()
    stale.status = ImportStatus.VALIDATED
    with pytest.raises(Conflict):
        import_publish.cancel(db.session, stale)
    db.session.rollback()
    assert _job(job.id).status == ImportStatus.DONE
