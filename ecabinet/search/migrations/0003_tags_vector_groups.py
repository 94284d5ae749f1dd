"""PostgreSQL: tags_vector also carries the id group "s<id >> 14>" (16 buckets of 1,024 ids).

A range of buckets is then a few group and bucket tokens instead of one token per bucket
(see backends.bucket_tags). Nothing changes on SQLite.
"""

from django.db import migrations

INDEX = (
    "CREATE INDEX search_entry_gin ON search_searchentry "
    "USING gin (search_vector, tags_vector, exact_vector, head_vector, pairs_vector)"
)


def _tags_vector(expression):
    return [
        "DROP INDEX IF EXISTS search_entry_gin",
        "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS tags_vector",
        "ALTER TABLE search_searchentry ADD COLUMN tags_vector tsvector "
        f"GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, {expression})) STORED",
        INDEX,
    ]


FORWARD = _tags_vector("tags || ' r' || (id >> 10) || ' s' || (id >> 14)")
BACKWARD = _tags_vector("tags || ' r' || (id >> 10)::text")


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
