"""The full-text index over the shadow columns, one shape per database vendor.

SQLite: an FTS5 table with external content (``search_searchentry``) and the tokenizer
``unicode61 remove_diacritics 0`` (the columns are already folded in Python), kept in sync by
triggers. SQLite drops a table's triggers when Django rebuilds the table (most ALTERs on
SQLite do), so a later migration that alters ``search_searchentry`` must run
``install_sqlite`` again; ``test_sqlite_triggers_are_installed`` fails if it does not.

PostgreSQL: generated tsvector columns with the 'simple' configuration (no stemming, no
stop words, no unaccent: the text is folded in Python) and one multicolumn GIN index over
all five (words, tags with the id bucket, exact words, title and summary words, word pairs). The model does not
declare them, so Django never writes them and ``makemigrations`` stays clean.

See docs/decisions/0700-search.md.
"""

from django.db import migrations

FTS_TABLE = "search_fts"
FTS_COLUMNS = ("tags", "fold_head", "fold_body", "exact_terms")
SQLITE_TRIGGERS = ("search_entry_ai", "search_entry_ad", "search_entry_au")


def install_sqlite(schema_editor):
    cols = ", ".join(FTS_COLUMNS)
    new = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
    old = ", ".join(f"old.{c}" for c in FTS_COLUMNS)
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in FTS_COLUMNS)
    for name in SQLITE_TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    schema_editor.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({cols}, "
        "content='search_searchentry', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 0')"
    )
    schema_editor.execute(
        f"CREATE TRIGGER search_entry_ai AFTER INSERT ON search_searchentry BEGIN "
        f"INSERT INTO {FTS_TABLE}(rowid, {cols}) VALUES (new.id, {new}); END"
    )
    schema_editor.execute(
        f"CREATE TRIGGER search_entry_ad AFTER DELETE ON search_searchentry BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        "END"
    )
    schema_editor.execute(
        f"CREATE TRIGGER search_entry_au AFTER UPDATE ON search_searchentry "
        f"WHEN old.id IS NOT new.id OR {changed} BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {FTS_TABLE}(rowid, {cols}) VALUES (new.id, {new}); END"
    )
    # Index the rows that exist already (none on a fresh install).
    schema_editor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


PG_INSTALL = [
    # Keep heap rows narrow (texts and vectors out of line): bitmap scans visit many rows.
    "ALTER TABLE search_searchentry SET (toast_tuple_target = 256)",
    # tags_vector also holds the id bucket "r<id >> 10>" (see backends.BUCKET_SHIFT).
    """
    ALTER TABLE search_searchentry
      ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('simple'::regconfig, fold_head) || to_tsvector('simple'::regconfig, fold_body)
      ) STORED,
      ADD COLUMN tags_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('simple'::regconfig, tags || ' r' || (id >> 10)::text)
      ) STORED,
      ADD COLUMN exact_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('simple'::regconfig, exact_terms)
      ) STORED,
      ADD COLUMN head_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('simple'::regconfig, fold_head)
      ) STORED,
      ADD COLUMN pairs_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('simple'::regconfig, fold_pairs)
      ) STORED
    """,
    # One multicolumn GIN index answers every search condition and ranking signal.
    "CREATE INDEX search_entry_gin ON search_searchentry "
    "USING gin (search_vector, tags_vector, exact_vector, head_vector, pairs_vector)",
]

PG_REMOVE = [
    "DROP INDEX IF EXISTS search_entry_gin",
    "ALTER TABLE search_searchentry RESET (toast_tuple_target)",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS pairs_vector, "
    "DROP COLUMN IF EXISTS head_vector, "
    "DROP COLUMN IF EXISTS exact_vector, DROP COLUMN IF EXISTS tags_vector, "
    "DROP COLUMN IF EXISTS search_vector",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        install_sqlite(schema_editor)
    elif vendor == "postgresql":
        for statement in PG_INSTALL:
            schema_editor.execute(statement)
    else:
        raise NotImplementedError(f"search is not written for {vendor}")


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif vendor == "postgresql":
        for statement in PG_REMOVE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
