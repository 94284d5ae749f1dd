"""The database refuses to change or remove audit rows, except in explicit maintenance."""

from __future__ import annotations

import importlib
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, connections, transaction

from ecabinet.audit import maintenance
from ecabinet.audit.maintenance import audit_maintenance, in_maintenance
from ecabinet.audit.models import AuditEvent, AuditHead
from ecabinet.audit.tests import helpers as h
from ecabinet.audit.verify import Reason, verify_chain

pytestmark = pytest.mark.django_db

only_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
only_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")

migration = importlib.import_module("ecabinet.audit.migrations.0002_append_only")


def refused(action: Callable[[], object]) -> None:
    """Assert the trigger refuses ``action``; the savepoint keeps the test's transaction usable."""
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        action()


def raw(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def test_triggers_are_installed() -> None:
    # A later migration that rebuilds the table on SQLite drops its triggers: this fails then.
    if connection.vendor == "sqlite":
        expected = {name for name, _table, _event in migration.SQLITE_TRIGGERS}
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        expected = {name for name, _table, _events, _level in migration.PG_TRIGGERS}
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        installed = {name for (name,) in cursor.fetchall()}
    assert expected <= installed


def test_migration_and_maintenance_agree_on_names() -> None:
    assert migration.SQLITE_FUNCTION == maintenance.SQLITE_FUNCTION
    assert migration.PG_SETTING == maintenance.PG_SETTING


def test_orm_save_of_an_existing_event_is_refused() -> None:
    event = h.append()
    event.verb = "forged.verb"
    refused(event.save)


def test_queryset_update_is_refused() -> None:
    h.append()
    refused(lambda: AuditEvent.objects.update(verb="forged.verb"))


def test_orm_delete_is_refused() -> None:
    event = h.append()
    refused(event.delete)
    refused(AuditEvent.objects.all().delete)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_raw_sql_update_and_delete_are_refused() -> None:
    event = h.append()
    refused(lambda: raw("UPDATE audit_auditevent SET verb = %s WHERE id = %s", ["x", event.pk]))
    refused(lambda: raw("DELETE FROM audit_auditevent WHERE id = %s", [event.pk]))
    assert AuditEvent.objects.get(pk=event.pk).verb == event.verb


def test_removing_the_chain_head_is_refused() -> None:
    h.append()
    refused(AuditHead.objects.all().delete)
    refused(lambda: raw("DELETE FROM audit_audithead"))


def test_appending_moves_the_head_through_the_triggers() -> None:
    first, second = h.append(), h.append()
    head = AuditHead.objects.get()
    assert (head.seq, head.hash) == (second.seq, second.hash)
    assert second.prev_hash == first.hash


@only_postgres
def test_truncate_is_refused_on_postgresql() -> None:
    h.append()
    refused(lambda: raw("TRUNCATE audit_auditevent"))
    refused(lambda: raw("TRUNCATE audit_audithead"))
    assert AuditEvent.objects.count() == 1


@only_postgres
def test_truncate_is_allowed_in_maintenance_on_postgresql() -> None:
    h.append()
    with audit_maintenance():
        raw("TRUNCATE audit_auditevent, audit_audithead")
    assert not AuditEvent.objects.exists()


def test_maintenance_allows_changes_then_protection_returns() -> None:
    event = h.append()
    with audit_maintenance():
        assert in_maintenance()
        assert AuditEvent.objects.filter(pk=event.pk).update(verb="repaired.verb") == 1
    assert not in_maintenance()
    refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(verb="again"))
    with audit_maintenance():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert not AuditEvent.objects.exists()


def test_maintenance_ends_when_the_block_fails() -> None:
    event = h.append()
    with pytest.raises(ValueError, match="boom"), audit_maintenance():
        raise ValueError("boom")
    assert not in_maintenance()
    refused(event.delete)


def test_maintenance_ends_even_after_a_failed_statement() -> None:
    event = h.append()
    with pytest.raises(DatabaseError), transaction.atomic(), audit_maintenance():
        # A failing statement inside the block leaves a PostgreSQL transaction aborted.
        raw("SELECT * FROM audit_no_such_table")
    assert not in_maintenance()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting(%s, true)", [maintenance.PG_SETTING])
            assert cursor.fetchone()[0] != "on"
    refused(event.delete)


def test_maintenance_nests() -> None:
    event = h.append()
    with audit_maintenance():
        with audit_maintenance():
            pass
        assert in_maintenance()
        AuditEvent.objects.filter(pk=event.pk).update(verb="still.allowed")
    refused(lambda: AuditEvent.objects.filter(pk=event.pk).update(verb="not.any.more"))


@pytest.mark.django_db(transaction=True)
def test_maintenance_is_per_connection() -> None:
    h.append()
    errors: list[BaseException] = []

    def other_connection() -> None:
        try:
            with transaction.atomic():
                AuditEvent.objects.all().delete()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    with audit_maintenance():
        thread = threading.Thread(target=other_connection)
        thread.start()
        thread.join()
    assert len(errors) == 1
    assert isinstance(errors[0], IntegrityError)
    assert AuditEvent.objects.count() == 1


@only_sqlite
@pytest.mark.django_db(transaction=True)
def test_sqlite_connection_without_the_function_cannot_modify_rows() -> None:
    h.append()
    path = connection.settings_dict["NAME"]
    shell = sqlite3.connect(path)
    try:
        for sql in ("UPDATE audit_auditevent SET verb = 'x'", "DELETE FROM audit_auditevent"):
            with pytest.raises(sqlite3.OperationalError, match="ecabinet_audit_maintenance"):
                shell.execute(sql)
    finally:
        shell.close()
    assert AuditEvent.objects.get().verb == "test.happened"


@only_sqlite
@pytest.mark.django_db(transaction=True)
def test_tampering_behind_the_triggers_back_is_still_detected_on_sqlite() -> None:
    """Whoever holds the file can fake the function; the hash chain still tells."""
    h.make_chain(4)
    shell = sqlite3.connect(connection.settings_dict["NAME"])
    try:
        shell.create_function("ecabinet_audit_maintenance", 0, lambda: 1)
        shell.execute("UPDATE audit_auditevent SET verb = 'forged.verb' WHERE seq = 2")
        shell.commit()
    finally:
        shell.close()
    problem = verify_chain().problem
    assert problem is not None
    assert (problem.seq, problem.reason) == (2, Reason.EDITED)


@only_postgres
def test_tampering_behind_the_triggers_back_is_still_detected_on_postgresql() -> None:
    """The table owner can disable the triggers; the hash chain still tells."""
    h.make_chain(4)
    raw("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
    raw("DELETE FROM audit_auditevent WHERE seq = 2")
    raw("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
    problem = verify_chain().problem
    assert problem is not None
    assert (problem.seq, problem.reason) == (2, Reason.DELETED)


@pytest.mark.django_db(transaction=True)
def test_a_connection_closed_in_maintenance_comes_back_protected() -> None:
    with audit_maintenance():
        connection.close()
    event = h.append()
    refused(event.delete)
