"""The invalid-pool migration works both ways on SQLite and PostgreSQL: upgrade moves customers typed 无效
before it into the invalid pool with history (freeing their seats' caps); downgrade parks invalid-pool
customers in their department pool; the schema matches the models afterwards."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app.customers.search import include_in_schema_comparison
from app.extensions import db
from tests.conftest import REPO

pytestmark = [pytest.mark.db_sensitive]

MIGRATIONS = str(REPO / "migrations")
REVISION = "d2e3f4a5b6c7"


def _scalar(sql: str, **params: object) -> object:
    with db.engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def test_upgrade_moves_legacy_invalid_customers_and_downgrade_parks_the_pool_in_departments(app):
    before = ScriptDirectory(MIGRATIONS).get_revision(REVISION).down_revision
    with app.app_context():
        assert int(_scalar("SELECT count(*) FROM customer WHERE pool = 'invalid'")) > 0  # demo data
        downgrade(directory=MIGRATIONS, revision=str(before))
        db.engine.dispose()
        assert _scalar("SELECT count(*) FROM customer WHERE pool = 'invalid'") == 0
        assert "invalid_reason" not in {c["name"] for c in sa.inspect(db.engine).get_columns("customer")}
        # A seat's customer typed 无效 the old way, still in the personal pool.
        legacy = int(_scalar("SELECT min(id) FROM customer WHERE pool = 'personal' AND type <> 'dealt'"))
        seat = int(_scalar("SELECT service_seat_id FROM customer WHERE id = :id", id=legacy))
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE customer SET type = 'invalid' WHERE id = :id"), {"id": legacy})
        owned = int(_scalar("SELECT count(*) FROM customer WHERE service_seat_id = :s", s=seat))

        upgrade(directory=MIGRATIONS)
        db.engine.dispose()
        with db.engine.connect() as conn:
            row = conn.execute(sa.text("SELECT pool, service_seat_id, prev_seat_id, invalid_reason, invalid_at "
                                       "FROM customer WHERE id = :id"), {"id": legacy}).one()
        assert (row.pool, row.service_seat_id, row.prev_seat_id, row.invalid_reason) == ("invalid", None, seat, "other")
        assert row.invalid_at is not None
        assert _scalar("SELECT count(*) FROM customer WHERE service_seat_id = :s", s=seat) == owned - 1
        assert _scalar("SELECT count(*) FROM pool_history WHERE customer_id = :id AND reason = 'invalid' "
                       "AND from_pool = 'personal' AND to_pool = 'invalid' AND from_seat_id = :s",
                       id=legacy, s=seat) == 1
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(
                conn, opts={"include_name": include_in_schema_comparison, "compare_type": True}), db.metadata)
        assert diff == []
        db.engine.dispose()
