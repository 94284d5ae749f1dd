"""Typed messages of the live session, and how they reach the meeting's group.

Server → client messages are built here only (``snapshot``, ``event``, ``me``, ``ack``,
``error``). A committed change sends its events to the group ``meeting-<pk>`` with
``transaction.on_commit``; the consumers forward them (filtered per connection).

Tally refreshes during an open poll are coalesced per process: the first vote in a window
schedules one push ~100 ms later on the event loop that serves the sockets; votes committed
meanwhile ride on it. A push carries the current seq without incrementing it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from typing import Any, Literal, NotRequired, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

TALLY_INTERVAL = 0.1
# Who receives a group event: everyone connected, or only the secretary and the Office.
Audience = Literal["all", "recorders"]


class EventMessage(TypedDict):
    type: Literal["event"]
    seq: int
    event: str
    data: Any
    # A refresh (an open poll's tally, the minutes notes) repeats a part without a change of
    # its own: it carries the seq current when built and never moves a client's sequence.
    refresh: NotRequired[bool]


class ChannelEvent(TypedDict):
    """What travels over the channel layer; Channels calls ``MeetingConsumer.live_event``."""

    type: Literal["live.event"]
    messages: list[EventMessage]
    audience: Audience


def group_name(meeting_id: int) -> str:
    return f"meeting-{meeting_id}"


def event_message(seq: int, key: str, data: Any, *, refresh: bool = False) -> EventMessage:
    message: EventMessage = {"type": "event", "seq": seq, "event": key, "data": data}
    if refresh:
        message["refresh"] = True
    return message


def snapshot_message(state: dict[str, Any]) -> dict[str, Any]:
    seq = state.pop("seq")
    return {"type": "snapshot", "seq": seq, "state": state}


def me_message(data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "me", "data": data}


def ack_message(ref: Any, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "ack", "ref": ref, "ok": True, "data": data or {}}


def error_message(ref: Any, code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "ref": ref, "code": code, "message": message, **extra}


def broadcast(meeting_id: int, messages: list[EventMessage], audience: Audience = "all") -> None:
    """Send now (from sync code, after the commit)."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return
    event: ChannelEvent = {"type": "live.event", "messages": messages, "audience": audience}
    async_to_sync(layer.group_send)(group_name(meeting_id), event)


def broadcast_on_commit(
    meeting_id: int, messages: list[EventMessage], audience: Audience = "all"
) -> None:
    """Send once the current transaction commits; a channel layer failure never undoes it."""
    transaction.on_commit(lambda: broadcast(meeting_id, messages, audience), robust=True)


class TallyCoalescer:
    """At most one tally push per poll every ``TALLY_INTERVAL`` seconds (per process).

    ``touch`` may be called from any thread. When an event loop serving sockets is known
    (registered by the consumers), the push is scheduled there; without one (a management
    command, a test calling the services directly) it is sent at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: set[tuple[int, int]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def register_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def touch(self, meeting_id: int, poll_id: int) -> None:
        key = (meeting_id, poll_id)
        loop = self._loop
        if loop is None or loop.is_closed() or not loop.is_running():
            push_tally(meeting_id, poll_id)
            return
        with self._lock:
            if key in self._pending:
                return
            self._pending.add(key)
        # A fresh context: the caller is a vote in Django's sync thread, whose context would
        # make the push's own database call refuse to run ("would deadlock").
        loop.call_soon_threadsafe(
            lambda: loop.create_task(self._later(key)), context=contextvars.Context()
        )

    async def _later(self, key: tuple[int, int]) -> None:
        from channels.db import database_sync_to_async

        await asyncio.sleep(TALLY_INTERVAL)
        with self._lock:
            # Votes committed from here on schedule the next push.
            self._pending.discard(key)
        try:
            message = await database_sync_to_async(tally_message)(*key)
            layer = get_channel_layer()
            if message is not None and layer is not None:
                event: ChannelEvent = {
                    "type": "live.event",
                    "messages": [message],
                    "audience": "all",
                }
                await layer.group_send(group_name(key[0]), event)
        except Exception:  # a lost refresh is repaired by the next one or a resync
            logger.exception("tally push failed for meeting %s poll %s", *key)


def tally_message(meeting_id: int, poll_id: int) -> EventMessage | None:
    """The poll part as it stands, with the meeting's current seq (not incremented)."""
    from ecabinet.meetings.live.snapshot import poll_part
    from ecabinet.meetings.models import Meeting, Poll

    meeting = Meeting.objects.filter(pk=meeting_id).only("pk", "seq").first()
    poll = Poll.objects.filter(pk=poll_id, meeting_id=meeting_id).first()
    if meeting is None or poll is None:
        return None
    return event_message(meeting.seq, "poll", poll_part(meeting, poll), refresh=True)


def push_tally(meeting_id: int, poll_id: int) -> None:
    message = tally_message(meeting_id, poll_id)
    if message is not None:
        broadcast(meeting_id, [message])


tally = TallyCoalescer()
