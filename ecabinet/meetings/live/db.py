"""The live socket's database calls: Django's one sync thread, with its connection kept.

Channels' ``database_sync_to_async`` closes the thread's connections before and after every
call when ``CONN_MAX_AGE`` is 0, the project's setting (under ASGI each HTTP request runs in
a thread of its own, where a kept connection would never be reused). The socket's calls all
run in ONE thread (thread-sensitive), so a connection opened per action (SQLite: the file and
its pragmas; PostgreSQL: a TCP connection and authentication) was about a tenth of the
server's CPU under load (docs/performance.md). ``live_sync`` keeps that thread's connection
and closes it, as Django would, when it is unusable after an error, left with the wrong
autocommit state, or older than ``KEEP_SECONDS``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from asgiref.sync import SyncToAsync
from channels.db import DatabaseSyncToAsync
from django.db import connections

KEEP_SECONDS = 300.0
T = TypeVar("T")


def recycle_connections() -> None:
    """Close this thread's connections that Django would not reuse; keep the others."""
    now = time.monotonic()
    for conn in connections.all(initialized_only=True):
        raw = conn.connection
        if raw is None or conn.in_atomic_block:
            continue
        kept = getattr(conn, "_live_kept", None)
        if kept is None or kept[0] is not raw:
            kept = (raw, now)
            conn._live_kept = kept  # type: ignore[attr-defined]
        wrong_mode = conn.get_autocommit() != conn.settings_dict["AUTOCOMMIT"]
        broken = conn.errors_occurred and not conn.is_usable()
        if wrong_mode or broken or now - kept[1] >= KEEP_SECONDS:
            conn.close()
        else:
            conn.errors_occurred = False


class KeptConnectionSyncToAsync(DatabaseSyncToAsync):  # type: ignore[misc]
    def thread_handler(self, loop: Any, *args: Any, **kwargs: Any) -> Any:
        recycle_connections()
        try:
            return SyncToAsync.thread_handler(self, loop, *args, **kwargs)  # type: ignore[no-untyped-call]
        finally:
            recycle_connections()


def live_sync(fn: Callable[..., T]) -> Callable[..., Any]:
    """``database_sync_to_async`` for the socket's actions, keeping the connection."""
    return KeptConnectionSyncToAsync(fn)
