"""Indexes for the audit trail pages, and triggers that make the log append-only.

The triggers refuse UPDATE and DELETE of audit events (and TRUNCATE on PostgreSQL), and the
removal of the chain head, unless the connection is in the explicit maintenance mode of
``ecabinet.audit.maintenance`` (see docs/decisions/0100-audit-chain.md).

SQLite drops a table's triggers when Django rebuilds the table (most ALTERs on SQLite do), so
a later migration that alters ``audit_auditevent`` or ``audit_audithead`` must run
``install_triggers`` again; ``test_triggers_are_installed`` fails if it does not.
"""

from django.db import migrations, models

# Name of the per-connection SQL function registered by ecabinet.audit.apps on SQLite.
SQLITE_FUNCTION = "ecabinet_audit_maintenance"
# Session setting checked by the trigger function on PostgreSQL.
PG_SETTING = "ecabinet.audit_maintenance"

# (trigger, table, event) for SQLite: triggers are always row-level there.
SQLITE_TRIGGERS = [
    ("audit_auditevent_refuse_update", "audit_auditevent", "UPDATE"),
    ("audit_auditevent_refuse_delete", "audit_auditevent", "DELETE"),
    ("audit_audithead_refuse_delete", "audit_audithead", "DELETE"),
]

# (trigger, table, events, level) for PostgreSQL; TRUNCATE triggers are statement-level only.
PG_TRIGGERS = [
    ("audit_auditevent_refuse_change", "audit_auditevent", "UPDATE OR DELETE", "ROW"),
    ("audit_auditevent_refuse_truncate", "audit_auditevent", "TRUNCATE", "STATEMENT"),
    ("audit_audithead_refuse_delete", "audit_audithead", "DELETE", "ROW"),
    ("audit_audithead_refuse_truncate", "audit_audithead", "TRUNCATE", "STATEMENT"),
]

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION ecabinet_audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('{PG_SETTING}', true) = 'on' THEN
        IF TG_LEVEL = 'STATEMENT' THEN
            RETURN NULL;
        ELSIF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$
"""


def install_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name, table, event in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
            # RAISE(ABORT) reports SQLITE_CONSTRAINT, i.e. an IntegrityError, like
            # PostgreSQL's restrict_violation below. A connection without the function (a raw
            # sqlite3 shell) fails on "no such function": it cannot modify rows at all.
            schema_editor.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                f"WHEN NOT {SQLITE_FUNCTION}() "
                "BEGIN SELECT RAISE(ABORT, "
                f"'audit log is append-only: {event} on {table} refused'); END"
            )
    elif vendor == "postgresql":
        # params=None: the body's '%' are RAISE placeholders, not query parameters.
        schema_editor.execute(PG_FUNCTION, params=None)
        for name, table, events, level in PG_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            schema_editor.execute(
                f"CREATE TRIGGER {name} BEFORE {events} ON {table} "
                f"FOR EACH {level} EXECUTE FUNCTION ecabinet_audit_refuse_change()"
            )
    else:
        raise NotImplementedError(f"audit triggers are not written for {vendor}")


def remove_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name, _table, _event in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif vendor == "postgresql":
        for name, table, _events, _level in PG_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS ecabinet_audit_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["body_id", "-seq"], name="audit_body_seq_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                fields=["body_id", "verb", "-seq"], name="audit_body_verb_seq_idx"
            ),
        ),
        migrations.RunPython(install_triggers, remove_triggers, elidable=False),
    ]
