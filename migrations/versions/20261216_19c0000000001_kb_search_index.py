"""Knowledge-base search index (知识库检索): the tokens of kb_search.terms in SQLite FTS5 or PostgreSQL tsvectors

Revision ID: 19c0000000001
Revises: 19a0000000001
Create Date: 2026-12-16 09:00:00.000000

kb_search.terms holds three lines — the tokens of the title, the body and the attachment text (character
pairs of Chinese runs and their last character, lower-case words; app/fulltext.py). Triggers on kb_search
copy the lines into the index on every write, so a set-based load keeps it as well as the ORM does:
- SQLite: an FTS5 table kb_search_fts (title, body, attachment; unicode61 with diacritics kept — the tokens
  are already cut, it only splits them at the spaces) whose external content is the view kb_search_terms
  (the three lines of terms cut apart), so ``'rebuild'`` works too.
- PostgreSQL: a table kb_search_fts of three tsvectors (``array_to_tsvector`` of the tokens: lexemes exactly
  as given, no parser or dictionary) with a GIN index each; deleting a kb_search row cascades.
An index on kb_search.published_at serves the "most recent first" order.
"""
# ruff: noqa: S608  (DDL assembled from this file's constants; no outside input)
from alembic import op

# revision identifiers, used by Alembic.
revision = '19c0000000001'
down_revision = '19a0000000001'
branch_labels = None
depends_on = None

FIELDS = ("title", "body", "attachment")


def _sqlite_lines(terms: str) -> tuple[str, str, str]:
    """SQL for the three lines of ``terms`` (no split function in SQLite: instr/substr)."""
    rest = f"substr({terms}, instr({terms}, char(10)) + 1)"
    return (f"substr({terms}, 1, instr({terms}, char(10)) - 1)",
            f"substr({rest}, 1, instr({rest}, char(10)) - 1)",
            f"substr({rest}, instr({rest}, char(10)) + 1)")


def _sqlite_upgrade():
    title, body, attachment = _sqlite_lines("terms")
    op.execute(f"CREATE VIEW kb_search_terms AS SELECT article_id, {title} AS title, {body} AS body, "
               f"{attachment} AS attachment FROM kb_search")
    op.execute("CREATE VIRTUAL TABLE kb_search_fts USING fts5(title, body, attachment, content='kb_search_terms', "
               "content_rowid='article_id', tokenize='unicode61 remove_diacritics 0')")
    new, old = ", ".join(_sqlite_lines("NEW.terms")), ", ".join(_sqlite_lines("OLD.terms"))
    insert = f"INSERT INTO kb_search_fts (rowid, title, body, attachment) VALUES (NEW.article_id, {new})"
    remove = (f"INSERT INTO kb_search_fts (kb_search_fts, rowid, title, body, attachment) "
              f"VALUES ('delete', OLD.article_id, {old})")
    op.execute(f"CREATE TRIGGER kb_search_fts_insert AFTER INSERT ON kb_search BEGIN {insert}; END")
    op.execute(f"CREATE TRIGGER kb_search_fts_update AFTER UPDATE ON kb_search BEGIN {remove}; {insert}; END")
    op.execute(f"CREATE TRIGGER kb_search_fts_delete AFTER DELETE ON kb_search BEGIN {remove}; END")


def _vectors(terms: str) -> list[str]:
    return [f"array_to_tsvector(string_to_array(split_part({terms}, chr(10), {n}), ' '))" for n in (1, 2, 3)]


def _postgresql_upgrade():
    op.execute("""CREATE TABLE kb_search_fts (
        article_id integer PRIMARY KEY REFERENCES kb_search (article_id) ON DELETE CASCADE,
        title tsvector NOT NULL, body tsvector NOT NULL, attachment tsvector NOT NULL)""")
    title, body, attachment = _vectors("NEW.terms")
    op.execute(f"""CREATE FUNCTION kb_search_fts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kb_search_fts (article_id, title, body, attachment)
    VALUES (NEW.article_id, {title}, {body}, {attachment})
    ON CONFLICT (article_id) DO UPDATE
    SET title = EXCLUDED.title, body = EXCLUDED.body, attachment = EXCLUDED.attachment;
    RETURN NULL;
END $$""")
    op.execute("CREATE TRIGGER kb_search_fts_sync AFTER INSERT OR UPDATE OF terms ON kb_search "
               "FOR EACH ROW EXECUTE FUNCTION kb_search_fts_sync()")
    for field in FIELDS:
        op.execute(f"CREATE INDEX ix_kb_search_fts_{field} ON kb_search_fts USING gin ({field})")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()
    op.create_index("ix_kb_search_published_at", "kb_search", ["published_at"])


def downgrade():
    op.drop_index("ix_kb_search_published_at", table_name="kb_search")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER kb_search_fts_sync ON kb_search")
        op.execute("DROP FUNCTION kb_search_fts_sync()")
        op.execute("DROP TABLE kb_search_fts")
    else:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER kb_search_fts_{name}")
        op.execute("DROP TABLE kb_search_fts")
        op.execute("DROP VIEW kb_search_terms")
