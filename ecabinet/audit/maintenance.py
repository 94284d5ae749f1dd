"""The one deliberate way past the audit log's append-only triggers.

Database triggers (migration 0002) refuse UPDATE, DELETE and TRUNCATE of audit events and the
removal of the chain head. Some maintenance legitimately removes rows: the test suite flushes
tables between transactional tests, and an operator may restore or prune a database. Those run
inside ``audit_maintenance()``, which switches the bypass on for one connection only:

- PostgreSQL: the session setting ``ecabinet.audit_maintenance = 'on'``, read by the trigger
  function;
- SQLite: the SQL function ``ecabinet_audit_maintenance()`` that the triggers' WHEN clause
  calls, registered on every Django connection (``register_sqlite_function``) and answering
  from this module's per-connection state. A connection without the function, such as a
  ``sqlite3`` shell, cannot modify audit rows at all: the trigger fails.

The bypass is not a hole: whoever can run it can also write to the database file or connect as
the table owner. What stops undetected tampering is the hash chain, which ``verify_chain``
recomputes; anything done in maintenance mode shows up there like anything else.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

SQLITE_FUNCTION = "ecabinet_audit_maintenance"
PG_SETTING = "ecabinet.audit_maintenance"

# Nesting depth, kept on the Django connection object itself. Django keeps one connection
# object per thread (or per async task), so this state is per database connection and
# never shared between threads.
_DEPTH = "_ecabinet_audit_maintenance_depth"


def _depth(connection: BaseDatabaseWrapper) -> int:
    return int(getattr(connection, _DEPTH, 0))


def in_maintenance(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether this thread's connection ``using`` is inside ``audit_maintenance``."""
    return _depth(connections[using]) > 0


def register_sqlite_function(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """``connection_created`` receiver: give a new SQLite connection the triggers' function.

    The function reads the state of the Django connection object that owns it, through a
    weak reference so that the raw connection does not keep its owner alive.
    """
    if connection.vendor != "sqlite":
        return
    ref = weakref.ref(connection)

    def maintenance() -> int:
        wrapper = ref()
        return int(wrapper is not None and _depth(wrapper) > 0)

    # Not deterministic: the answer changes while the connection lives.
    connection.connection.create_function(SQLITE_FUNCTION, 0, maintenance)


@contextmanager
def audit_maintenance(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Let this connection UPDATE, DELETE or TRUNCATE audit rows for the block's duration.

    Only for maintenance that must remove or rewrite rows (test flushes, restores). Nests.
    Other connections stay protected. The mode is switched off on exit even when the block
    fails (on PostgreSQL, by the rollback of an aborted transaction, or else by closing the
    connection), so it cannot outlive the block.
    """
    connection = connections[using]
    depth = _depth(connection)
    entered_in_transaction = connection.in_atomic_block
    setattr(connection, _DEPTH, depth + 1)
    try:
        if depth == 0 and connection.vendor == "postgresql":
            _set_pg_setting(connection, "on")
        yield
    finally:
        setattr(connection, _DEPTH, depth)
        if depth == 0 and connection.vendor == "postgresql":
            _switch_off_pg(connection, using, entered_in_transaction)


def _set_pg_setting(connection: BaseDatabaseWrapper, value: str) -> None:
    # Session-level (is_local = false) so it also covers statements run in autocommit mode.
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, false)", [PG_SETTING, value])


def _switch_off_pg(
    connection: BaseDatabaseWrapper, using: str, entered_in_transaction: bool
) -> None:
    if connection.connection is None:
        return  # closed inside the block: the session and its setting are gone
    try:
        _set_pg_setting(connection, "off")
    except DatabaseError:
        # The block left the transaction aborted. PostgreSQL undoes a SET when the
        # transaction (or savepoint) it was made in rolls back, so if the block ran inside
        # the atomic block that must now roll back, make sure it does. Otherwise end the
        # session, and the setting with it.
        if entered_in_transaction and connection.in_atomic_block:
            transaction.set_rollback(True, using=using)
        else:
            logger.warning("audit maintenance: could not switch off; closing the connection")
            connection.close()
