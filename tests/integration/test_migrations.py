"""Migrations: upgrade → downgrade → upgrade works, and the migrated schema matches the models (alembic check)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

import app.models  # noqa: F401  (every model on the metadata)
from app.customers.search import OUTSIDE_MODELS, include_in_schema_comparison
from app.extensions import db
from tests.conftest import REPO, make_app

MIGRATIONS = str(REPO / "migrations")


def tables() -> set[str]:
    names = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    return {name for name in names if not OUTSIDE_MODELS.match(name)}


def schema_differences() -> list[object]:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_in_schema_comparison,
                                                         "compare_type": True, "compare_server_default": False})
        return list(compare_metadata(context, db.metadata))


@pytest.mark.db_sensitive
def test_upgrade_downgrade_upgrade_leaves_the_schema_matching_the_models(empty_database_url, tmp_path):
    app_ = make_app(empty_database_url, tmp_path / "instance")
    with app_.app_context():
        upgrade(directory=MIGRATIONS)
        assert tables() == set(db.metadata.tables)
        assert schema_differences() == []

        downgrade(directory=MIGRATIONS, revision="base")
        assert tables() == set()

        upgrade(directory=MIGRATIONS)
        assert tables() == set(db.metadata.tables)
        assert schema_differences() == []
        db.session.remove()
        db.engine.dispose()


def test_migrations_form_one_line_of_described_revisions():
    scripts = ScriptDirectory(MIGRATIONS)
    assert len(scripts.get_heads()) == 1, "branched migrations: merge them"
    for revision in scripts.walk_revisions():
        assert revision.doc, f"{revision.revision} has no description"
