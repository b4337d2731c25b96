"""Knowledge-base search index (知识库检索): the tokens of kb_search.terms in SQLite FTS5 or PostgreSQL tsvectors

Revision ID: 19c0000000001
Revises: 19d0000000001
Create Date: 2026-12-16 09:00:00.000000

kb_search.terms holds three lines — the tokens of the title, the body and the attachment text (character
pairs of Chinese runs and their last character, lower-case words; app/fulltext.py). Triggers on kb_search
copy the lines into the index on every write, so a set-based load keeps it as well as the ORM does.

Every index entry is keyed by recency: ``published_key`` = whole seconds of published_at since 1970 × 10⁷ +
article_id (article ids stay below 10⁷). Newest-first is then the index's own order, so a common word's
first page is read from the top of its list and stops after 21 entries instead of sorting every hit.
- SQLite: a contentless FTS5 table kb_search_fts (title, body, attachment; unicode61 with diacritics kept —
  the tokens are already cut, it only splits them at the spaces) whose rowid is the key; FTS5 walks a
  match in rowid order, descending on request. A delete restates the old row's tokens and key.
- PostgreSQL: a table kb_search_fts (article_id, published_key, category_id and three tsvectors made by
  ``array_to_tsvector`` — lexemes exactly as given, no parser or dictionary) with a GIN index per field and
  a b-tree on published_key; the planner walks the key backwards for a common word and uses the GIN index
  for a rare one. Deleting a kb_search row cascades.
"""
# ruff: noqa: S608  (DDL assembled from this file's constants; no outside input)
from alembic import op

# revision identifiers, used by Alembic.
revision = '19c0000000001'
down_revision = '19d0000000001'
branch_labels = None
depends_on = None

FIELDS = ("title", "body", "attachment")
KEY_FACTOR = 10_000_000  # app/kb/search.py KEY_FACTOR


def _sqlite_values(row: str) -> str:
    """The key and the three lines of ``row``.terms (no split function in SQLite: instr/substr)."""
    terms = f"{row}.terms"
    rest = f"substr({terms}, instr({terms}, char(10)) + 1)"
    return (f"CAST(strftime('%s', {row}.published_at) AS INTEGER) * {KEY_FACTOR} + {row}.article_id, "
            f"substr({terms}, 1, instr({terms}, char(10)) - 1), "
            f"substr({rest}, 1, instr({rest}, char(10)) - 1), "
            f"substr({rest}, instr({rest}, char(10)) + 1)")


def _sqlite_upgrade():
    op.execute("CREATE VIRTUAL TABLE kb_search_fts USING fts5(title, body, attachment, content='', "
               "tokenize='unicode61 remove_diacritics 0')")
    insert = f"INSERT INTO kb_search_fts (rowid, title, body, attachment) VALUES ({_sqlite_values('NEW')})"
    remove = (f"INSERT INTO kb_search_fts (kb_search_fts, rowid, title, body, attachment) "
              f"VALUES ('delete', {_sqlite_values('OLD')})")
    op.execute(f"CREATE TRIGGER kb_search_fts_insert AFTER INSERT ON kb_search BEGIN {insert}; END")
    op.execute(f"CREATE TRIGGER kb_search_fts_update AFTER UPDATE ON kb_search BEGIN {remove}; {insert}; END")
    op.execute(f"CREATE TRIGGER kb_search_fts_delete AFTER DELETE ON kb_search BEGIN {remove}; END")


def _postgresql_upgrade():
    op.execute("""CREATE TABLE kb_search_fts (
        article_id integer PRIMARY KEY REFERENCES kb_search (article_id) ON DELETE CASCADE,
        published_key bigint NOT NULL, category_id integer NOT NULL,
        title tsvector NOT NULL, body tsvector NOT NULL, attachment tsvector NOT NULL)""")
    title, body, attachment = (f"array_to_tsvector(string_to_array(split_part(NEW.terms, chr(10), {n}), ' '))"
                               for n in (1, 2, 3))
    op.execute(f"""CREATE FUNCTION kb_search_fts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kb_search_fts (article_id, published_key, category_id, title, body, attachment)
    VALUES (NEW.article_id, floor(extract(epoch FROM NEW.published_at))::bigint * {KEY_FACTOR} + NEW.article_id,
            NEW.category_id, {title}, {body}, {attachment})
    ON CONFLICT (article_id) DO UPDATE
    SET published_key = EXCLUDED.published_key, category_id = EXCLUDED.category_id,
        title = EXCLUDED.title, body = EXCLUDED.body, attachment = EXCLUDED.attachment;
    RETURN NULL;
END $$""")
    op.execute("CREATE TRIGGER kb_search_fts_sync AFTER INSERT OR UPDATE OF terms, published_at, category_id "
               "ON kb_search FOR EACH ROW EXECUTE FUNCTION kb_search_fts_sync()")
    for field in FIELDS:
        op.execute(f"CREATE INDEX ix_kb_search_fts_{field} ON kb_search_fts USING gin ({field})")
    op.execute("CREATE INDEX ix_kb_search_fts_published_key ON kb_search_fts (published_key)")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER kb_search_fts_sync ON kb_search")
        op.execute("DROP FUNCTION kb_search_fts_sync()")
    else:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER kb_search_fts_{name}")
    op.execute("DROP TABLE kb_search_fts")
