"""Import benchmark: time and peak memory to validate and import a generated 100,000-row .xlsx.

    .venv/bin/python bench/import.py                # SQLite, then PostgreSQL if it answers
    .venv/bin/python bench/import.py --rows 20000 --skip-pg

The workbook is the real template layout with 2 % bad rows (bad ID checksum, malformed phone,
duplicate phone within the file). The same service functions the background task runs are
called directly: upload checks, streaming validation with de-duplication against the file and
the database, then the import of the valid rows. Memory is the process's resident set, sampled
every 10 ms; a smaller file is run first so the growth with size is visible (flat = the same peak).
"""

from __future__ import annotations

import argparse
import atexit
import os
import resource
import shutil
import sqlite3
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from _common import pg_databases  # puts the repository on sys.path too
from openpyxl import Workbook

# One scratch instance folder for every app this run builds (claimer processes included), removed at exit.
INSTANCE = tempfile.mkdtemp(prefix="licai-bench-")
atexit.register(shutil.rmtree, INSTANCE, True)

from app import create_app  # noqa: E402
from app.customers import import_publish, imports  # noqa: E402
from app.customers.models import ImportJob, ImportStatus  # noqa: E402
from app.extensions import db  # noqa: E402
from rules.identity import check_char  # noqa: E402
from tests.memory import PeakRss  # noqa: E402


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def server_cpu_seconds() -> float | None:
    """CPU used so far by this database's PostgreSQL backends, when the server runs on this host."""
    if db.engine.dialect.name != "postgresql":
        return None
    pids = db.session.scalars(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return total


def make_workbook(rows: int, path: Path) -> None:
    """A template-shaped .xlsx written in write-only mode; every 50th row has a problem."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("客户")
    ws.append([c.label + ("*" if c.required else "") for c in imports.COLUMNS])
    for i in range(1, rows + 1):
        born = date(1960, 1, 1) + timedelta(days=i % 15_000)  # (birthday, sequence) is unique per row
        first17 = f"3101{i % 20 + 1:02d}{born:%Y%m%d}{i // 15_000:03d}"
        id_number = first17 + check_char(first17) if i % 3 else ""
        phone = f"139{i:08d}"
        if i % 50 == 7:
            id_number = first17 + ("0" if check_char(first17) != "0" else "1")  # wrong check character
        elif i % 50 == 17:
            phone = "1390000"  # malformed
        elif i % 50 == 27:
            phone = f"139{i - 1:08d}"  # duplicate of the previous row's phone
        ws.append([f"客户{i}", "", "", "居民身份证" if id_number else "", id_number, phone,
                   f"021{i:08d}" if i % 4 == 0 else "", f"上海市浦东新区世纪大道 {i} 号", "SH-LC1", "",
                   "电话营销", "ABC"[i % 3], "高净值" if i % 10 == 0 else "", ""])
    wb.save(path)
    add_dimension(path, f"A1:N{rows + 1}")


def add_dimension(path: Path, ref: str) -> None:
    """Write the <dimension> element Excel and WPS put at the top of every sheet.

    openpyxl's write-only mode cannot know the size up front and leaves it out; without it
    openpyxl's reader scans the whole sheet once just to size it, which real uploads never need.
    """
    import re
    import zipfile

    patched = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb"<(sheetViews|sheetFormatPr|sheetData)", f'<dimension ref="{ref}"/><'.encode() + rb"\1",
                              data, count=1)
            target.writestr(item, data)
    patched.replace(path)


def build(url: str) -> Any:
    from flask_migrate import upgrade

    from app import demo
    from app.cli import seed_base

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "SCHEDULER_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "scrypt:1024:8:1"},
                     instance_path=INSTANCE)
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        seed_base()
        demo._core(db.session, demo.DemoContext(size="small"))
        db.session.commit()
    return app


def run_import(app: Any, workbook: Path, rows: int) -> None:
    from app.auth.models import User

    with app.app_context():
        head = db.session.scalar(sa.select(User).where(User.username == "head01"))
        server0 = server_cpu_seconds()
        db.session.commit()
        with PeakRss(interval=0.01) as memory:
            cpu0 = cpu_seconds()
            t0 = time.perf_counter()
            with workbook.open("rb") as upload:
                job = imports.start(db.session, head, upload, "bench.xlsx", f"BENCH{uuid.uuid4().hex[:8]}",
                                    Path(app.instance_path) / "imports")
            db.session.commit()
            job_id = job.id
            t1 = time.perf_counter()
            imports.run_validation(job_id)
            t2 = time.perf_counter()
            validated = db.session.get(ImportJob, job_id)
            assert validated is not None and validated.status == ImportStatus.VALIDATED, validated.message
            import_publish.confirm(db.session, validated)
            db.session.commit()
            import_publish.run_import(job_id)
            t3 = time.perf_counter()
            cpu = cpu_seconds() - cpu0
        server1 = server_cpu_seconds()
        db.session.commit()
        server = f", PostgreSQL backends {server1 - server0:.1f} s" if server0 is not None and server1 else ""
        done = db.session.get(ImportJob, job_id)
        assert done is not None and done.status == ImportStatus.DONE, done.message
        total = t3 - t0
        status = "OK" if total < 30 or rows < 100_000 else "OVER TARGET"
        print(f"  {rows:>7,} rows: upload checks {t1 - t0:5.1f} s, validate {t2 - t1:5.1f} s, import {t3 - t2:5.1f} s,"
              f" total {total:5.1f} s (target < 30 s for 100,000) {status}")
        print(f"           CPU: this process {cpu:.1f} s{server} (load average {os.getloadavg()[0]:.1f}); "
              f"valid {done.imported_rows:,}, refused {done.error_rows:,}; "
              f"memory: start {memory.start:.0f} MB, peak {memory.peak:.0f} MB (+{memory.peak - memory.start:.0f} MB)")
        db.engine.dispose()


def run(label: str, url: str, args: argparse.Namespace, folder: Path) -> None:
    print(f"== {label}")
    for rows in (args.rows // 5, args.rows):
        workbook = folder / f"customers-{rows}.xlsx"
        if not workbook.exists():
            t = time.perf_counter()
            make_workbook(rows, workbook)
            print(f"  generated {workbook.name} ({workbook.stat().st_size / 1024 / 1024:.1f} MB) "
                  f"in {time.perf_counter() - t:.1f} s")
        app = build(url() if callable(url) else url)
        run_import(app, workbook, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="licai-bench-") as tmp:
        folder = Path(tmp)
        if not args.skip_sqlite:
            counter = iter(range(100))
            run(f"SQLite {sqlite3.sqlite_version}", lambda: f"sqlite:///{folder}/import-{next(counter)}.db", args,
                folder)
        if args.skip_pg:
            return
        with pg_databases() as pg:
            if pg is None:
                print("== PostgreSQL not answering; skipped")
                return
            version, create = pg
            run(f"PostgreSQL {version}", create, args, folder)


if __name__ == "__main__":
    main()
