"""The task-candidates migration works both ways, keeps the task rows, and matches the models, on SQLite and
PostgreSQL."""

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

BEFORE = "cf6361e42706"
TABLE = "workflow_task_candidate"


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def _indexes() -> set[str]:
    return {index["name"] for index in sa.inspect(db.engine).get_indexes(TABLE)}


def test_downgrade_drops_the_candidates_table_and_upgrade_restores_it_with_its_indexes(app):
    directory = str(REPO / "migrations")
    with app.app_context():
        assert TABLE in _tables()
        downgrade(directory=directory, revision=BEFORE)
        db.engine.dispose()
        assert TABLE not in _tables() and "workflow_task" in _tables()
        upgrade(directory=directory)
        db.engine.dispose()
        assert TABLE in _tables()
        assert {"ix_workflow_task_candidate_user", "ix_workflow_task_candidate_role"} <= _indexes()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(
                conn, opts={"include_name": include_in_schema_comparison, "compare_type": True}), db.metadata)
        assert [d for d in diff if d[0] != "remove_table"] == []
        db.engine.dispose()
