"""flask backup sqlite: a consistent copy of a database that is being written to, which opens and checks."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from flask import Flask

from app import backup
from app.errors import ValidationFailed


def _writer(path: Path, stop: threading.Event) -> None:
    """Keep committing pairs of rows (a transfer: both or neither) while the backup runs."""
    conn = sqlite3.connect(path, timeout=10)
    n = 0
    while not stop.is_set():
        with conn:
            conn.execute("INSERT INTO ledger (amount) VALUES (?)", (n,))
            conn.execute("INSERT INTO ledger (amount) VALUES (?)", (-n,))
        n += 1
    conn.close()


@pytest.mark.parametrize("vacuum", [False, True])
def test_backup_of_a_live_database_is_consistent(tmp_path: Path, vacuum: bool) -> None:
    source = tmp_path / "live.db"
    conn = sqlite3.connect(source)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL)")
    conn.executemany("INSERT INTO ledger (amount) VALUES (?)", [(1,), (-1,)] * 5000)
    conn.commit()
    stop = threading.Event()
    writer = threading.Thread(target=_writer, args=(source, stop))
    writer.start()
    try:
        result = backup.backup_sqlite(source, tmp_path / "copy" / "backup.db", vacuum=vacuum)
    finally:
        stop.set()
        writer.join()
    conn.close()
    copy = sqlite3.connect(result.path)
    rows, total = copy.execute("SELECT COUNT(*), SUM(amount) FROM ledger").fetchone()
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    copy.close()
    assert rows >= 10000 and rows % 2 == 0 and total == 0  # whole transactions only
    assert result.tables == 1
    with pytest.raises(ValidationFailed, match="已存在"):
        backup.backup_sqlite(source, result.path)


def test_backup_refuses_postgresql() -> None:
    with pytest.raises(ValidationFailed, match="pg_dump"):
        backup.sqlite_path("postgresql+psycopg://127.0.0.1/licai")


def test_flask_backup_sqlite_command(app: Flask, tmp_path: Path) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the SQLite backup command is for the embedded database")
    target = tmp_path / "nightly.db"
    result = app.test_cli_runner().invoke(args=["backup", "sqlite", str(target)])
    assert result.exit_code == 0, result.output
    assert "完整性校验通过" in result.output
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT COUNT(*) FROM users").fetchone()[0] > 0
    copy.close()
