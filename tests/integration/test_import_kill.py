"""kill -9 of the worker in the middle of publishing an import: the screen and the database agree afterwards.

A child process publishes a 3,000-row import in chunks of 300 rows (one transaction) and reports each
chunk; the test kills it with SIGKILL after the second chunk. Then: no customer of the batch exists, the
job (once its worker is seen to be gone) says no customer was imported, 放弃 works, and the same file
uploaded again validates without a single false duplicate and imports every row.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from app import clock
from app.customers import import_publish
from app.customers.models import Customer, ImportJob, ImportRow, ImportStatus
from app.extensions import db
from tests.conftest import BASE_CONFIG, REPO
from tests.customer_helpers import fresh, row, xlsx_bytes
from tests.integration.test_imports import _job, _upload, _wait

pytestmark = pytest.mark.db_sensitive

ROWS = 3_000
CHILD = """
import sys, time, time_machine
time_machine.travel(float(sys.argv[1]), tick=True).start()
from app import create_app
from app.customers import import_publish
config = {**eval(sys.argv[2]), "SQLALCHEMY_DATABASE_URI": sys.argv[3]}
app = create_app(config, instance_path=sys.argv[4])
import_publish.IMPORT_CHUNK = 300
insert_chunk = import_publish._insert_chunk

def reported(*args):
    count = insert_chunk(*args)
    print("chunk", count, flush=True)
    time.sleep(0.3)  # slow enough that the parent's SIGKILL lands between two statements of the transaction
    return count

import_publish._insert_chunk = reported
with app.app_context():
    import_publish.run_import(int(sys.argv[5]))
print("finished", flush=True)
"""


def _batch_count(number: str) -> int:
    fresh()
    return int(db.session.scalar(select(func.count()).where(Customer.import_batch == number)) or 0)


def test_kill_9_mid_import_leaves_nothing_and_the_screen_says_so(login_as, app, database_url, tmp_path):
    workbook = xlsx_bytes([row(f"断电{i}", f"137{i:08d}") for i in range(ROWS)])
    client = login_as("head01")
    _upload(client, workbook, number="KILL-1")
    job = _wait(_job().id)
    assert (job.status, job.valid_rows) == (ImportStatus.VALIDATED, ROWS), job.message
    import_publish.confirm(db.session, job)
    db.session.commit()

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(clock.now().timestamp()), repr(BASE_CONFIG), database_url,
         str(tmp_path / "child-instance"), str(job.id)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        chunks = 0
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("chunk"):
                chunks += 1
                if chunks == 2:
                    os.kill(child.pid, signal.SIGKILL)
                    break
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        stderr = child.stderr.read() if child.stderr else ""
        for pipe in (child.stdout, child.stderr):
            if pipe is not None:
                pipe.close()
    assert chunks == 2 and child.returncode == -signal.SIGKILL, stderr

    # 600 customers were inserted in the killed transaction: the database rolled them back.
    assert _batch_count("KILL-1") == 0
    assert _job(job.id).status == ImportStatus.IMPORTING  # the worker is gone, but not yet known to be
    with time_machine.travel(clock.now() + timedelta(minutes=4)):
        page = client.get(f"/customers/imports/{job.id}").get_data(as_text=True)
        settled = _job(job.id)
        assert settled.status == ImportStatus.FAILED and "没有导入任何客户" in settled.message
        assert "没有导入任何客户" in page and _batch_count("KILL-1") == 0  # what the screen says is what is stored
        client.post(f"/customers/imports/{job.id}/cancel")
        assert _job(job.id).status == ImportStatus.CANCELLED and _batch_count("KILL-1") == 0
        assert db.session.scalar(select(func.count()).where(ImportRow.job_id == job.id)) == 0
        assert list(Path(app.instance_path, "imports").glob("*.xlsx")) == []

    # The same file again: no false duplicate, every row imported (a new log-in: the clock went back 4 minutes).
    client = login_as("head01")
    response = _upload(client, workbook, number="KILL-2")
    assert response.headers["Location"].rstrip("/")[-1].isdigit()  # to the new job's page
    again = _wait(_job().id)
    assert (again.status, again.valid_rows, again.error_rows) == (ImportStatus.VALIDATED, ROWS, 0), again.message
    client.post(f"/customers/imports/{again.id}/confirm")
    done = _wait(again.id)
    assert done.status == ImportStatus.DONE and done.imported_rows == ROWS, done.message
    assert _batch_count("KILL-2") == ROWS and f"导入完成：{ROWS} 个客户" in done.message
    assert db.session.get(ImportJob, job.id) is not None  # the abandoned job stays in the history
