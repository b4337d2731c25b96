"""Online backup of the embedded SQLite database (``flask backup sqlite PATH``), safe while the app runs.

SQLite's backup API copies the database in one read transaction: in WAL mode writers carry on meanwhile and
the copy is the state at one moment (committed transactions only). ``VACUUM INTO`` does the same and writes
a compacted copy. The copy is written beside the target and renamed into place, then checked with
``PRAGMA integrity_check``. PostgreSQL is backed up with pg_dump (docs/configuration.md, deploy/).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from app.errors import ValidationFailed


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    tables: int


def sqlite_path(url: str) -> Path:
    """The database file of a ``sqlite:///...`` URL; refuses any other database."""
    if not url.startswith("sqlite:///") or url in ("sqlite:///", "sqlite:///:memory:"):
        raise ValidationFailed("当前数据库不是 SQLite 文件；PostgreSQL 请用 pg_dump 备份（见 docs/configuration.md）")
    return Path(url.removeprefix("sqlite:///").split("?", 1)[0])


def backup_sqlite(source: Path, target: Path, *, vacuum: bool = False, overwrite: bool = False) -> BackupResult:
    """Copy the live database ``source`` to ``target`` consistently; returns the checked copy."""
    if not source.is_file():
        raise ValidationFailed(f"数据库文件 {source} 不存在")
    if target.exists() and not overwrite:
        raise ValidationFailed(f"{target} 已存在；换一个文件名，或加 --force 覆盖")
    if target.resolve() == source.resolve():
        raise ValidationFailed("备份文件不能是数据库本身")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    live = sqlite3.connect(source, timeout=30)
    try:
        if vacuum:
            live.execute("VACUUM INTO ?", (str(partial),))
        else:
            copy = sqlite3.connect(partial)
            try:
                live.backup(copy)
            finally:
                copy.close()
    finally:
        live.close()
    copy = sqlite3.connect(partial)
    try:
        copy.execute("PRAGMA journal_mode=DELETE")  # a self-contained file: no -wal beside it
        status = copy.execute("PRAGMA integrity_check").fetchone()[0]
        tables = copy.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    finally:
        copy.close()
    if status != "ok":
        partial.unlink(missing_ok=True)
        raise ValidationFailed(f"备份副本校验未通过：{status}")
    os.replace(partial, target)
    return BackupResult(target, target.stat().st_size, int(tables))
