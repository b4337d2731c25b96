"""The attendance/holiday migration works both ways on SQLite and PostgreSQL: downgrade keeps 请假 and turns
other excused types into 请假, drops days the old enum cannot say (旷工 …) and the holidays; upgrade keeps the
old rows' meaning (leave → 请假) and seeds the type rules; the schema matches the models afterwards."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app.customers.search import include_in_schema_comparison
from app.extensions import db
from tests.conftest import REPO

pytestmark = [pytest.mark.db_sensitive]

MIGRATIONS = str(REPO / "migrations")
BEFORE = "b6c7d8e9f0a1"


def _rows(sql: str, **params: object) -> list[tuple]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def test_downgrade_and_upgrade_keep_what_the_rows_mean(app):
    with app.app_context():
        seat = _rows("SELECT id FROM users WHERE username = 'seat01'")[0][0]
        with db.engine.begin() as conn:
            for day, code in (("2026-06-01", "sick"), ("2026-06-02", "absent"), ("2026-06-03", "leave")):
                conn.execute(sa.text("INSERT INTO attendance_day (user_id, day, type_code, source, note, created_at) "
                                     "VALUES (:u, :d, :c, 'test', '', CURRENT_TIMESTAMP)"), {"u": seat, "d": day,
                                                                                            "c": code})
        assert _rows("SELECT count(*) FROM public_holiday")[0][0] > 0  # demo data

        downgrade(directory=MIGRATIONS, revision=BEFORE)
        db.engine.dispose()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert "public_holiday" not in tables and "attendance_type_rule" not in tables
        assert _rows("SELECT day, kind FROM attendance_day WHERE user_id = :u ORDER BY day", u=seat) == [
            (_day("2026-06-01"), "leave"), (_day("2026-06-03"), "leave")]

        upgrade(directory=MIGRATIONS)
        db.engine.dispose()
        assert _rows("SELECT day, type_code FROM attendance_day WHERE user_id = :u ORDER BY day", u=seat) == [
            (_day("2026-06-01"), "leave"), (_day("2026-06-03"), "leave")]
        assert {code for (code,) in _rows("SELECT type_code FROM attendance_type_rule WHERE excused = :t", t=True)} \
            == {"leave", "holiday", "sick", "personal"}
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(
                conn, opts={"include_name": include_in_schema_comparison, "compare_type": True}), db.metadata)
        assert diff == []
        db.engine.dispose()


def _day(text: str) -> object:
    """Dates come back as date objects on PostgreSQL and as text on SQLite."""
    return date.fromisoformat(text) if db.engine.dialect.name == "postgresql" else text
