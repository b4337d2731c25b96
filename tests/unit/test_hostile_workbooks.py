"""Crafted workbooks (tests/hostile_workbooks.py) against the upload checks and the reader: each is refused
with a clear Chinese message, and reading it never grows the process by more than a few megabytes (how fast each
is refused is measured by bench/xlsx_readers.py, not timed here: a loaded machine is not a slow reader)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.customers.imports import READ_LIMITS, check_workbook_file
from app.errors import ValidationFailed
from app.xlsx_reader import BrokenWorkbook, Limits, SheetReader, WorkbookRefused
from tests.hostile_workbooks import CORPUS, shared_count_flood
from tests.memory import PeakRss


def _outcome(path: Path, limits: Limits = READ_LIMITS) -> str:
    """What the importer is told: "" when the workbook reads to the end."""
    try:
        check_workbook_file(path)
        reader = SheetReader(path, limits)
        try:
            for _row in reader.rows():
                pass
        finally:
            reader.close()
    except (ValidationFailed, WorkbookRefused) as exc:
        return exc.message
    except BrokenWorkbook:
        return "文件已损坏或格式不受支持"  # what run_validation says for every broken package
    return ""


@pytest.mark.parametrize("name", list(CORPUS))
def test_a_crafted_workbook_is_refused_with_bounded_memory(tmp_path, name):
    build, expected = CORPUS[name]
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(build())
    with PeakRss() as memory:
        message = _outcome(path)
    assert memory.peak - memory.start < 80, f"{name} grew the process by {memory.peak - memory.start:.0f} MB"
    if expected:
        assert expected in message
    else:
        assert message == ""


def test_the_count_of_shared_strings_is_capped_too(tmp_path):
    path = tmp_path / "count.xlsx"
    path.write_bytes(shared_count_flood(5_001))
    assert "超过 5,000 个不同文本" in _outcome(path, Limits(max_shared_strings=5_000))


def test_shared_strings_are_kept_as_one_buffer_and_read_back(tmp_path):
    path = tmp_path / "count.xlsx"
    path.write_bytes(shared_count_flood(3))
    reader = SheetReader(path)
    assert [reader.shared[i] for i in range(3)] == ["0", "1", "2"]
    with pytest.raises(IndexError):
        reader.shared[3]
    reader.close()
