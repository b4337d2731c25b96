"""Migration 18a: forms made in the browser (TOML-shaped definitions) become form-js schemas that compile to the
same form; the versioned-forms and form-file tables come and go; the models match."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app.customers.search import include_in_schema_comparison
from app.extensions import db
from forms.form_schema import compile_schema
from tests.conftest import REPO

pytestmark = [pytest.mark.db_sensitive, pytest.mark.dataset("base")]

BEFORE = "17b0000000001"
OLD_DEFINITION = {
    "title": "回访记录", "outcomes": [["done", "已回访"], ["later", "稍后再联系"]], "comment_label": "回访说明",
    "comment_required_for": ["later"],
    "fields": [{"name": "result", "label": "回访结果", "type": "choice", "required": True,
                "choices": [["ok", "满意"], ["bad", "不满意"]]},
               {"name": "amount", "label": "金额", "type": "decimal", "min": 0.01, "required_for": ["done"]},
               {"name": "handler_id", "label": "处理人", "type": "user", "candidates": "oa_handlers",
                "help": "本分公司员工"},
               {"name": "note", "label": "备注", "type": "string", "max_length": 20, "readonly": True}],
}


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_browser_forms_are_converted_to_schemas_both_ways(app):
    directory = str(REPO / "migrations")
    with app.app_context():
        downgrade(directory=directory, revision=BEFORE)
        db.engine.dispose()
        assert not {"process_model_form", "task_form_file"} & _tables()
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO task_form_definition (key, title, definition, source, created_at, "
                                 "updated_at) VALUES ('callback_note', '回访记录', :definition, :source, "
                                 "'2026-12-01 00:00:00', '2026-12-01 00:00:00')"),
                         {"definition": json.dumps(OLD_DEFINITION, ensure_ascii=False), "source": 'title = "回访记录"'})
        upgrade(directory=directory)
        db.engine.dispose()
        assert {"process_model_form", "task_form_file"} <= _tables()
        with db.engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT definition FROM task_form_definition "
                                          "WHERE key = 'callback_note'")).scalar_one()
        schema = json.loads(stored) if isinstance(stored, str) else stored
        assert [c["type"] for c in schema["components"]] == ["select", "licai-amount", "licai-user", "textfield"]
        form = compile_schema("callback_note", schema)
        assert form.title == "回访记录" and form.comment_required_for == {"later"} and form.comment_label == "回访说明"
        assert form.required_for == {"amount": frozenset({"done"})} and form.people == {"handler_id": "oa_handlers"}
        assert form.readonly_fields == {"note"}
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(
                conn, opts={"include_name": include_in_schema_comparison, "compare_type": True}), db.metadata)
        assert [d for d in diff if d[0] != "remove_table"] == []
        # And back: the TOML-shaped definition again, with its source column.
        downgrade(directory=directory, revision=BEFORE)
        db.engine.dispose()
        with db.engine.connect() as conn:
            back = conn.execute(sa.text("SELECT definition FROM task_form_definition "
                                        "WHERE key = 'callback_note'")).scalar_one()
        back = json.loads(back) if isinstance(back, str) else back
        assert [f["name"] for f in back["fields"]] == ["result", "amount", "handler_id", "note"]
        assert back["fields"][0]["choices"] == [["ok", "满意"], ["bad", "不满意"]]
        upgrade(directory=directory)
        db.engine.dispose()
