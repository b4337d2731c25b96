"""Customer search index (组合查询): one searchable row per customer, kept by triggers, trigram-indexed

Revision ID: 16a0000000001
Revises: 15d0000000001
Create Date: 2026-12-13 08:00:00.000000

customer_search holds, per customer, the text the combined search matches with "contains": ``body`` is
name, ID number, tags, remark, import number and every address, ASCII-lower-cased and joined by newlines
(a search word never holds whitespace, so it cannot match across two fields); ``phones`` is every phone
number joined by newlines. The view customer_search_source computes those rows from the customer tables;
triggers on customer, customer_phone and customer_address copy it into customer_search on every write,
so no write path (ORM, set-based import, merge) can forget it.

Trigram indexes make "contains" an index look-up for words of three or more characters:
- SQLite: an external-content FTS5 table customer_search_fts (trigram tokenizer, case-sensitive because
  the text is already folded), synced from customer_search by the usual three triggers.
- PostgreSQL: pg_trgm GIN indexes on body and phones (LIKE '%…%' uses them).

A trigram index cannot look up a word of one or two characters (王, 陈娜), so a character index narrows
those down to the customers whose body holds each of the word's non-ASCII characters (the LIKE then checks
the word itself):
- SQLite: a contentless FTS5 table customer_search_chars (unicode61, rowids only) holding each body's
  distinct non-ASCII characters, comma-separated; triggers cannot run a recursive query, so the characters
  are cut out with the position table customer_search_position (1 … 100,000, longer than any body: the
  remark is at most 2,000 characters).
- PostgreSQL: a GIN index on string_to_array(body, NULL), the body's characters as an array.
"""
# ruff: noqa: S608  (DDL assembled from this file's constants; no outside input)
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '16a0000000001'
down_revision = '15d0000000001'
branch_labels = None
depends_on = None

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# ASCII-only lower-casing, as SQLite's LIKE and lower() fold case: PostgreSQL's lower() would also fold
# full-width and accented letters, and the two databases must find the same customers.
_SOURCE_SQLITE = """
CREATE VIEW customer_search_source AS
SELECT c.id AS customer_id,
       lower(c.name) || char(10) || lower(coalesce(c.id_number, '')) || char(10) || lower(c.tags)
       || char(10) || lower(c.remark) || char(10) || lower(c.import_batch)
       || coalesce((SELECT char(10) || group_concat(lower(a.address), char(10))
                    FROM customer_address a WHERE a.customer_id = c.id), '') AS body,
       coalesce((SELECT group_concat(p.phone, char(10)) FROM customer_phone p WHERE p.customer_id = c.id), '')
           AS phones
FROM customer c
"""

_SOURCE_POSTGRESQL = f"""
CREATE VIEW customer_search_source AS
SELECT c.id AS customer_id,
       translate(c.name, '{_UPPER}', '{_UPPER.lower()}') || chr(10)
       || translate(coalesce(c.id_number, ''), '{_UPPER}', '{_UPPER.lower()}') || chr(10)
       || translate(c.tags, '{_UPPER}', '{_UPPER.lower()}') || chr(10)
       || translate(c.remark, '{_UPPER}', '{_UPPER.lower()}') || chr(10)
       || translate(c.import_batch, '{_UPPER}', '{_UPPER.lower()}')
       || coalesce((SELECT chr(10) || string_agg(translate(a.address, '{_UPPER}', '{_UPPER.lower()}'), chr(10))
                    FROM customer_address a WHERE a.customer_id = c.id), '') AS body,
       coalesce((SELECT string_agg(p.phone, chr(10)) FROM customer_phone p WHERE p.customer_id = c.id), '')
           AS phones
FROM customer c
"""

# UPDATE … FROM the view: a customer being deleted has no source row, so nothing is written for it.
_REFRESH = """
UPDATE customer_search SET body = v.body, phones = v.phones
FROM customer_search_source v
WHERE v.customer_id = {id} AND customer_search.customer_id = {id}
"""

_SQLITE_TRIGGERS = {
    "customer_search_on_customer_insert": """
        AFTER INSERT ON customer BEGIN
        INSERT INTO customer_search (customer_id, body, phones)
        SELECT customer_id, body, phones FROM customer_search_source WHERE customer_id = NEW.id; END""",
    "customer_search_on_customer_update": f"""
        AFTER UPDATE OF name, id_number, tags, remark, import_batch ON customer BEGIN
        {_REFRESH.format(id="NEW.id")}; END""",
    "customer_search_on_customer_delete": """
        AFTER DELETE ON customer BEGIN DELETE FROM customer_search WHERE customer_id = OLD.id; END""",
}
for _table, _columns in (("customer_phone", "customer_id, phone"), ("customer_address", "customer_id, address")):
    _SQLITE_TRIGGERS[f"customer_search_on_{_table}_insert"] = f"""
        AFTER INSERT ON {_table} BEGIN {_REFRESH.format(id="NEW.customer_id")}; END"""
    _SQLITE_TRIGGERS[f"customer_search_on_{_table}_update"] = f"""
        AFTER UPDATE OF {_columns} ON {_table} BEGIN
        {_REFRESH.format(id="OLD.customer_id")}; {_REFRESH.format(id="NEW.customer_id")}; END"""
    _SQLITE_TRIGGERS[f"customer_search_on_{_table}_delete"] = f"""
        AFTER DELETE ON {_table} BEGIN {_REFRESH.format(id="OLD.customer_id")}; END"""

# The FTS5 index follows customer_search (external content: the text is stored once).
_FTS_INSERT = "INSERT INTO customer_search_fts (rowid, body, phones) VALUES (NEW.customer_id, NEW.body, NEW.phones)"
_FTS_DELETE = ("INSERT INTO customer_search_fts (customer_search_fts, rowid, body, phones) "
               "VALUES ('delete', OLD.customer_id, OLD.body, OLD.phones)")
_SQLITE_TRIGGERS.update({
    "customer_search_fts_insert": f"AFTER INSERT ON customer_search BEGIN {_FTS_INSERT}; END",
    "customer_search_fts_update": f"AFTER UPDATE ON customer_search BEGIN {_FTS_DELETE}; {_FTS_INSERT}; END",
    "customer_search_fts_delete": f"AFTER DELETE ON customer_search BEGIN {_FTS_DELETE}; END",
})

# The character index (contentless: a delete restates the characters it was given, computed the same way).
_POSITIONS = 100_000
_CHARS = """coalesce((SELECT group_concat(DISTINCT substr({body}, n, 1)) FROM customer_search_position
                      WHERE n <= length({body}) AND unicode(substr({body}, n, 1)) > 127), '')"""
_CHARS_INSERT = ("INSERT INTO customer_search_chars (rowid, chars) "
                 f"VALUES (NEW.customer_id, {_CHARS.format(body='NEW.body')})")
_CHARS_DELETE = ("INSERT INTO customer_search_chars (customer_search_chars, rowid, chars) "
                 f"VALUES ('delete', OLD.customer_id, {_CHARS.format(body='OLD.body')})")
_SQLITE_TRIGGERS.update({
    "customer_search_chars_insert": f"AFTER INSERT ON customer_search BEGIN {_CHARS_INSERT}; END",
    "customer_search_chars_update": f"""AFTER UPDATE OF body ON customer_search BEGIN
        {_CHARS_DELETE}; {_CHARS_INSERT}; END""",
    "customer_search_chars_delete": f"AFTER DELETE ON customer_search BEGIN {_CHARS_DELETE}; END",
})

_POSTGRESQL_FUNCTIONS = f"""
CREATE FUNCTION customer_search_on_customer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO customer_search (customer_id, body, phones)
        SELECT customer_id, body, phones FROM customer_search_source WHERE customer_id = NEW.id;
    ELSE
        {_REFRESH.format(id="NEW.id")};
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION customer_search_on_detail() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_REFRESH.format(id="NEW.customer_id")};
    ELSIF TG_OP = 'DELETE' THEN
        {_REFRESH.format(id="OLD.customer_id")};
    ELSE
        {_REFRESH.format(id="OLD.customer_id")};
        IF NEW.customer_id <> OLD.customer_id THEN
            {_REFRESH.format(id="NEW.customer_id")};
        END IF;
    END IF;
    RETURN NULL;
END $$;
"""

_POSTGRESQL_TRIGGERS = {
    "customer_search_on_customer": ("customer", "AFTER INSERT OR UPDATE OF name, id_number, tags, remark, import_batch",
                                    "customer_search_on_customer"),
    "customer_search_on_customer_phone": ("customer_phone", "AFTER INSERT OR DELETE OR UPDATE OF customer_id, phone",
                                          "customer_search_on_detail"),
    "customer_search_on_customer_address": ("customer_address",
                                            "AFTER INSERT OR DELETE OR UPDATE OF customer_id, address",
                                            "customer_search_on_detail"),
}


def upgrade():
    op.create_index(op.f('ix_customer_grade'), 'customer', ['grade'])
    op.create_table(
        'customer_search',
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('phones', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_customer_search_customer_id_customer'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('customer_id', name=op.f('pk_customer_search')),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_customer_search_body_trgm ON customer_search USING gin (body gin_trgm_ops)")
        op.execute("CREATE INDEX ix_customer_search_phones_trgm ON customer_search USING gin (phones gin_trgm_ops)")
        op.execute("CREATE INDEX ix_customer_search_body_chars ON customer_search "
                   "USING gin (string_to_array(body, NULL))")
        op.execute(_SOURCE_POSTGRESQL)
        op.execute(_POSTGRESQL_FUNCTIONS)
        for name, (table, events, function) in _POSTGRESQL_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {events} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()")
    else:
        op.execute("CREATE VIRTUAL TABLE customer_search_fts USING fts5(body, phones, content='customer_search', "
                   "content_rowid='customer_id', tokenize='trigram case_sensitive 1')")
        op.execute("CREATE VIRTUAL TABLE customer_search_chars USING fts5(chars, content='', detail='none', "
                   "tokenize='unicode61 remove_diacritics 0')")
        op.execute("CREATE TABLE customer_search_position (n INTEGER PRIMARY KEY)")
        op.execute("WITH RECURSIVE p(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM p WHERE n < "
                   f"{_POSITIONS}) INSERT INTO customer_search_position (n) SELECT n FROM p")
        op.execute(_SOURCE_SQLITE)
        for name, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute("INSERT INTO customer_search (customer_id, body, phones) "
               "SELECT customer_id, body, phones FROM customer_search_source")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, (table, _events, _function) in _POSTGRESQL_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS customer_search_on_customer()")
        op.execute("DROP FUNCTION IF EXISTS customer_search_on_detail()")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS customer_search_fts")
        op.execute("DROP TABLE IF EXISTS customer_search_chars")
        op.execute("DROP TABLE IF EXISTS customer_search_position")
    op.execute("DROP VIEW IF EXISTS customer_search_source")
    op.drop_table('customer_search')
    op.drop_index(op.f('ix_customer_grade'), table_name='customer')
