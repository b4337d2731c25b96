"""The customers-and-pools migration works both ways and matches the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app.customers.search import include_in_schema_comparison
from app.extensions import db
from tests.conftest import REPO

pytestmark = [pytest.mark.db_sensitive, pytest.mark.dataset("base")]

FOUNDATION = "34f7ea000bdc"
OURS = {"customer", "customer_phone", "customer_address", "customer_alias", "customer_category", "follow_up",
        "appointment", "pool_history", "red_flag_application", "phone_blacklist_mark", "customer_import_job",
        "customer_import_row", "number_sequence"}


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_downgrade_removes_our_tables_and_upgrade_restores_them(app):
    directory = str(REPO / "migrations")
    with app.app_context():
        assert OURS <= _tables()
        downgrade(directory=directory, revision=FOUNDATION)
        db.engine.dispose()
        assert not OURS & _tables() and "users" in _tables()
        upgrade(directory=directory)
        db.engine.dispose()
        assert OURS <= _tables()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(
                conn, opts={"include_name": include_in_schema_comparison, "compare_type": False}), db.metadata)
        assert [d for d in diff if d[0] != "remove_table"] == []
        db.engine.dispose()
