"""The socket's sync thread keeps its database connection (``live/db.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import connection

from ecabinet.meetings.live import db

pytestmark = pytest.mark.django_db(transaction=True)


def _raw() -> Any:
    connection.ensure_connection()
    return connection.connection


def test_the_socket_keeps_its_connection_between_actions() -> None:
    first = async_to_sync(db.live_sync(_raw))()
    assert async_to_sync(db.live_sync(_raw))() is first
    # What it replaces: Channels' wrapper opens a new connection for every call.
    plain = async_to_sync(database_sync_to_async(_raw))()
    assert async_to_sync(database_sync_to_async(_raw))() is not plain


def test_an_old_connection_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    first = async_to_sync(db.live_sync(_raw))()
    monkeypatch.setattr(db, "KEEP_SECONDS", 0.0)
    assert async_to_sync(db.live_sync(_raw))() is not first


def test_a_connection_broken_by_an_error_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    def fails() -> Any:
        raw = _raw()
        connection.errors_occurred = True
        monkeypatch.setattr(connection, "is_usable", lambda: False)
        return raw

    broken = async_to_sync(db.live_sync(fails))()
    monkeypatch.undo()
    assert async_to_sync(db.live_sync(_raw))() is not broken


def test_a_connection_still_usable_after_an_error_is_kept() -> None:
    def fails() -> Any:
        raw = _raw()
        connection.errors_occurred = True
        return raw

    kept = async_to_sync(db.live_sync(fails))()
    assert async_to_sync(db.live_sync(_raw))() is kept
    assert connection.errors_occurred is False


def test_one_action_reads_seats_once_but_a_write_reads_them_again() -> None:
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    from ecabinet.core.testing.personas import build_world
    from ecabinet.meetings.live import permissions as live_perms
    from ecabinet.meetings.tests.live_support import build_live

    tl = build_live(build_world())
    user, meeting = tl.user("member2"), tl.fresh()
    with live_perms.memo():
        first = live_perms.seats_of(user, meeting)
        with CaptureQueriesContext(connection) as again:
            assert live_perms.seats_of(user, meeting) == first
            assert live_perms.can_view_live(user, meeting)
        assert len(again.captured_queries) == 1  # the body's system-admin check only
        with transaction.atomic(), CaptureQueriesContext(connection) as locked:
            assert live_perms.seats_of(user, meeting) == first
        assert len(locked.captured_queries) >= 1
    # Outside an action nothing is kept.
    with CaptureQueriesContext(connection) as plain:
        live_perms.seats_of(user, meeting)
    assert len(plain.captured_queries) >= 1


def test_a_group_event_does_not_hop_into_the_sync_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Channels closes old connections in the sync thread before every handler; the live
    consumer does not: one event to N screens would queue N hops behind the votes."""
    import channels.consumer

    from ecabinet.meetings.live.consumers import MeetingConsumer

    hops: list[int] = []

    async def closing() -> None:
        hops.append(1)

    monkeypatch.setattr(channels.consumer, "aclose_old_connections", closing)
    consumer = MeetingConsumer()
    consumer.meeting_id = 1
    consumer.last_seq = 5
    async_to_sync(consumer.dispatch)({"type": "live.event", "beacon": 5})
    assert hops == []
    with pytest.raises(ValueError, match="No handler"):
        async_to_sync(consumer.dispatch)({"type": "live.unknown"})
