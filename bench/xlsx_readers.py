"""Workbook readers compared: time and peak memory on a real 60,000-row import and on hostile workbooks.

    .venv/bin/python bench/xlsx_readers.py                      # every reader, every workbook
    .venv/bin/python bench/xlsx_readers.py --rows 20000 --shared-mb 100
    PYTHONPATH=/tmp/calsite .venv/bin/python bench/xlsx_readers.py   # python-calamine installed elsewhere

Readers: ``bounded`` (app/xlsx_reader.py with the import's limits), ``unbounded`` (the reader as it was
before issue 15, taken from git), ``calamine`` (python-calamine from PyPI, when importable). Each run is
a child process under a 3 GB address-space limit and a 180 s timeout, so a reader that would eat the
machine is stopped and reported; peak memory is the child's maximum resident set (getrusage), time is wall
clock for opening the workbook and walking every row. A refusal (the bounded reader's Chinese message)
counts as the answer for a hostile workbook.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
LIMIT_AS = 3 * 1024 ** 3
TIMEOUT = 180
OLD_READER_COMMIT = "9c47b40"  # main before issue 15


def _walk_bounded(path: str) -> int:
    from app.customers.imports import READ_LIMITS
    from app.xlsx_reader import SheetReader

    reader = SheetReader(path, READ_LIMITS)
    rows = sum(1 for _ in reader.rows())
    reader.close()
    return rows


def _walk_unbounded(path: str) -> int:
    source = subprocess.run(["git", "-C", str(REPO), "show", f"{OLD_READER_COMMIT}:app/xlsx_reader.py"],
                            check=True, capture_output=True, text=True).stdout
    module_path = Path(tempfile.mkdtemp()) / "old_xlsx_reader.py"
    module_path.write_text(source)
    spec = importlib.util.spec_from_file_location("old_xlsx_reader", module_path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    reader = module.SheetReader(path)
    rows = sum(1 for _ in reader.rows())
    reader.close()
    return rows


def _walk_calamine(path: str) -> int:
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(path).get_sheet_by_index(0)
    return sum(1 for _ in sheet.iter_rows())


WALKERS = {"bounded": _walk_bounded, "unbounded": _walk_unbounded, "calamine": _walk_calamine}


def child(reader: str, path: str) -> None:
    """Run one reader over one workbook and print what happened as JSON (growth over the RSS after imports)."""
    import app.customers.imports  # noqa: F401 - the same modules loaded for every reader
    if importlib.util.find_spec("python_calamine"):
        import python_calamine  # noqa: F401
    with open("/proc/self/statm") as statm:
        baseline = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024
    started = time.perf_counter()
    try:
        outcome = f"read {WALKERS[reader](path):,} rows"
    except MemoryError:
        outcome = "MemoryError"
    except Exception as exc:  # noqa: BLE001 - every failure is a result here
        outcome = f"{type(exc).__name__}: {getattr(exc, 'message', str(exc))[:90]}"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": time.perf_counter() - started, "outcome": outcome, "peak_mb": peak,
                      "growth_mb": peak - baseline},
                     ensure_ascii=False))


def measure(reader: str, path: Path) -> dict[str, Any]:
    """Run a reader in a child under the limits; return time, peak RSS and the outcome."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))

    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, __file__, "--child", reader, str(path)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, preexec_fn=limit, text=True, env=os.environ.copy())
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT)
        timed_out = False
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        timed_out = True
    if timed_out:
        return {"seconds": TIMEOUT, "peak_mb": None, "outcome": f"stopped after {TIMEOUT} s"}
    try:
        result = json.loads(stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        last = (stderr.strip().splitlines() or [""])[-1][:80]
        result = {"seconds": time.perf_counter() - started, "peak_mb": None,
                  "outcome": f"died at the 3 GB limit (exit {process.returncode}) {last}"}
    return result


def _mb(value: float | None) -> str:
    return "3 GB limit hit" if value is None else f"{value:.0f} MB"


def real_workbook(rows: int, folder: Path) -> Path:
    """The template layout with 2 % bad rows, as bench/import.py writes it."""
    spec = importlib.util.spec_from_file_location("bench_import", REPO / "bench" / "import.py")
    assert spec and spec.loader
    sys.path.insert(0, str(REPO / "bench"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    path = folder / f"real-{rows}.xlsx"
    module.make_workbook(rows, path)
    return path


def shared_bomb(megabytes: int, folder: Path) -> Path:
    """sharedStrings.xml inflating to ``megabytes`` MB at about 20:1 (under the ratio and size checks)."""
    from tests import hostile_workbooks as hostile
    from tests.hostile_workbooks import header_row

    path = folder / f"shared-{megabytes}mb.xlsx"
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", hostile.CONTENT_TYPES)
        archive.writestr("_rels/.rels", hostile.ROOT_RELS)
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{main}" xmlns:r="http://schemas.openxmlformats.org/'
                         'officeDocument/2006/relationships"><sheets><sheet name="a" sheetId="1" r:id="rId1"/>'
                         "</sheets></workbook>")
        archive.writestr("xl/_rels/workbook.xml.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                         'officeDocument/2006/relationships/worksheet" '
                         'Target="worksheets/sheet1.xml"/></Relationships>')
        archive.writestr("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{main}"><sheetData>'.encode()
                         + header_row() + b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'<sst xmlns="{main}">'.encode())
            block = b"".join(b"<si><t>%08x-%s</t></si>" % (i * 2654435761 % 2**32, b"\xe5\xae\xa2" * 20)
                             for i in range(10_000))
            for _ in range(megabytes * 1024 * 1024 // len(block) + 1):
                part.write(block)
            part.write(b"</sst>")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("READER", "PATH"))
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--shared-mb", type=int, default=380)
    parser.add_argument("--readers", default="bounded,unbounded,calamine")
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from tests import hostile_workbooks as hostile

    readers = [r for r in args.readers.split(",") if r != "calamine" or importlib.util.find_spec("python_calamine")]
    with tempfile.TemporaryDirectory(prefix="licai-readers-") as tmp:
        folder = Path(tmp)
        workbooks: list[tuple[str, Path]] = [
            (f"real, {args.rows:,} rows", real_workbook(args.rows, folder)),
            (f"sharedStrings {args.shared_mb} MB", shared_bomb(args.shared_mb, folder))]
        for name, build in (("ZZZZZZ1", hostile.far_column),
                            ("1M empty rows", lambda: hostile.many_rows(1_000_000)),
                            ("200k cells in a row", lambda: hostile.huge_row(200_000)),
                            ("junk after rows", hostile.junk_after_rows)):
            path = folder / f"{name.replace(' ', '_')}.xlsx"
            path.write_bytes(build())
            workbooks.append((name, path))
        print("| workbook | file → inflated | reader | time | peak RSS | growth | outcome |")
        print("|---|---|---|---|---|---|---|")
        for name, path in workbooks:
            size = path.stat().st_size
            inflated = sum(i.file_size for i in zipfile.ZipFile(path).infolist())
            for reader in readers:
                result = measure(reader, path)
                print(f"| {name} | {size / 1024 / 1024:.1f} MB → {inflated / 1024 / 1024:.0f} MB | {reader} | "
                      f"{result['seconds']:.2f} s | {_mb(result['peak_mb'])} | {_mb(result.get('growth_mb'))} | "
                      f"{result['outcome']} |", flush=True)


if __name__ == "__main__":
    main()
