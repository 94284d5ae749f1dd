"""Typed messages of the live session, and how they reach the meeting's group.

Server → client messages are built here only (``snapshot``, ``event``, ``me``, ``ack``,
``error``). A committed change sends its events to the group ``meeting-<pk>`` with
``transaction.on_commit``; the consumers forward them (filtered per connection).

Each event is serialised once, in two forms at most: the full one, for the screens that
follow the room (the chair's console, the secretary and the Office: ``monitor`` connections),
and a public one for everyone else (members' phones, the projector) without the parts those
screens never show: the attendance lists and the ids of who has voted. A frame carries the
JSON text without its seq, which each connection prefixes with the seq it sends; sending
costs one string per connection, not one serialisation (docs/performance.md).

Tally refreshes during an open poll are coalesced per process: the first vote in a window
schedules one push later on the event loop that serves the sockets; votes committed
meanwhile ride on it. A push carries the current seq without incrementing it, and a number:
a connection that has fallen behind sends only the newest refresh it knows of. With several
processes the interval holds across them (``Coalescer`` with ``shared``).

A channel layer drops a message to a connection whose queue is full, and a screen that
misses the LAST event of a burst (a poll's results) would not notice the gap. So every
seq-moving broadcast also arms a beacon about a second later (at most one per meeting per
second and process): it carries the meeting's current seq, and a connection that holds less
sends its screen a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Literal, NotRequired, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

TALLY_INTERVAL = 0.1
# With many screens a refresh every 100 ms is more than a core can send (each send wakes a
# connection and writes a frame, about 0.3-0.5 ms here): the connections fall behind and
# the poll's results wait behind stale tallies (measured: 5-13 s at 300-500 screens). The
# interval grows with the screens this process serves, so that a process sends about
# TALLY_SENDS_PER_SECOND tally frames at most (up to 60 screens: every 100 ms; 300: every
# 500 ms; 1,000: every 1.7 s), never less often than TALLY_INTERVAL_MAX.
TALLY_SENDS_PER_SECOND = 600
TALLY_INTERVAL_MAX = 2.0
BEACON_INTERVAL = 1.0
# How long the time of a meeting's last tally push is kept for the other processes, and how
# far ahead of this process's clock it may be dated before it is taken for a wrong clock.
SHARED_PUSH_SECONDS = 60
CLOCK_SLACK = 5.0
# Who receives a group event: everyone connected, or only the secretary and the Office.
Audience = Literal["all", "recorders"]
# Parts public screens do not receive in full (see ``public_data``).
PRIVATE_KEYS = {"poll": ("voted_user_ids",)}


class EventMessage(TypedDict):
    type: Literal["event"]
    seq: int
    event: str
    data: Any
    # A refresh (an open poll's tally, the minutes notes) repeats a part without a change of
    # its own: it carries the seq current when built and never moves a client's sequence.
    refresh: NotRequired[bool]


class Frame(TypedDict):
    """One event, serialised: ``body`` is its JSON text after ``{"seq":N,`` (see ``frame_text``)."""

    seq: int
    event: str
    refresh: bool
    body: str
    # The same for public screens, when it differs.
    public: NotRequired[str]
    # The agenda, for the connections of a presenting agency, which see only their own items.
    items: NotRequired[list[dict[str, Any]]]
    # A tally refresh: [the sending process, its number for this meeting] (``newer_tally``).
    tally: NotRequired[list[Any]]


class ChannelEvent(TypedDict):
    """What travels over the channel layer; Channels calls ``MeetingConsumer.live_event``."""

    type: Literal["live.event"]
    frames: list[Frame]
    audience: Audience
    # A beacon: the meeting's seq now; a connection holding less resynchronises.
    beacon: NotRequired[int]


def group_name(meeting_id: int) -> str:
    return f"meeting-{meeting_id}"


def event_message(seq: int, key: str, data: Any, *, refresh: bool = False) -> EventMessage:
    message: EventMessage = {"type": "event", "seq": seq, "event": key, "data": data}
    if refresh:
        message["refresh"] = True
    return message


def public_data(key: str, data: Any) -> Any:
    """A part as the public screens get it: no attendance lists, no voter ids."""
    if key == "attendance":
        return None
    hidden = PRIVATE_KEYS.get(key)
    if hidden and isinstance(data, dict):
        return {k: v for k, v in data.items() if k not in hidden}
    return data


def _body(message: dict[str, Any]) -> str:
    text = json.dumps(
        {k: v for k, v in message.items() if k != "seq"}, separators=(",", ":"), ensure_ascii=False
    )
    return text[1:]  # after "{": the seq goes first


def frame_of(message: EventMessage) -> Frame:
    frame: Frame = {
        "seq": message["seq"],
        "event": message["event"],
        "refresh": bool(message.get("refresh")),
        "body": _body(dict(message)),
    }
    public = public_data(message["event"], message["data"])
    if public is not message["data"]:
        frame["public"] = _body({**message, "data": public})
    if message["event"] == "items":
        frame["items"] = message["data"]
    return frame


def frame_text(seq: int, body: str) -> str:
    return f'{{"seq":{seq},{body}'


def snapshot_message(state: dict[str, Any]) -> dict[str, Any]:
    seq = state.pop("seq")
    return {"type": "snapshot", "seq": seq, "state": state}


def me_message(data: dict[str, Any]) -> dict[str, Any]:
    return {"type": "me", "data": data}


def ack_message(ref: Any, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "ack", "ref": ref, "ok": True, "data": data or {}}


def error_message(ref: Any, code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "ref": ref, "code": code, "message": message, **extra}


def channel_event(messages: list[EventMessage], audience: Audience = "all") -> ChannelEvent:
    return {
        "type": "live.event",
        "frames": [frame_of(m) for m in messages],
        "audience": audience,
    }


def broadcast(meeting_id: int, messages: list[EventMessage], audience: Audience = "all") -> None:
    """Send now (from sync code, after the commit)."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return
    async_to_sync(layer.group_send)(group_name(meeting_id), channel_event(messages, audience))
    if any(not m.get("refresh") for m in messages):
        beacons.touch(meeting_id, 0)


def broadcast_on_commit(
    meeting_id: int, messages: list[EventMessage], audience: Audience = "all"
) -> None:
    """Send once the current transaction commits; a channel layer failure never undoes it."""
    transaction.on_commit(lambda: broadcast(meeting_id, messages, audience), robust=True)


class Coalescer:
    """At most one push per key every ``interval`` seconds.

    ``touch`` may be called from any thread. When an event loop serving sockets is known
    (registered by the consumers), the push is scheduled there; without one (a management
    command, a test calling the services directly) it is sent at once.

    ``shared``: the push goes to the whole group, whichever process serves a screen, so the
    interval is kept across processes: the time of the last push of the key and its
    interval are kept in the cache (Redis on the scale shape). A process whose turn has not
    come waits for it; one whose changes a push built since then already carries sends
    nothing. Each process's interval is counted on its own screens, and each push costs a
    process one frame per screen it serves: one push per interval, whichever process sends
    it, keeps every process within its budget. Without it every process sent its own
    refreshes to every screen (twice the frames with two processes, docs/performance.md).
    The processes' clocks are taken to be in step; a last push dated more than
    ``CLOCK_SLACK`` seconds ahead is ignored.
    """

    def __init__(
        self,
        interval: float | Callable[[int], float],
        build: Callable[[int, int], ChannelEvent | None],
        *,
        shared: bool = False,
    ) -> None:
        self.interval = interval
        self._build = build
        self.shared = shared
        self._lock = threading.Lock()
        self._pending: set[tuple[int, int]] = set()
        # When the latest change of a pending key committed (this process's clock).
        self._touched: dict[tuple[int, int], float] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def register_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def touch(self, meeting_id: int, poll_id: int) -> None:
        key = (meeting_id, poll_id)
        loop = self._loop
        if loop is None or loop.is_closed() or not loop.is_running():
            self._send_now(key)
            return
        with self._lock:
            self._touched[key] = time.time()
            if key in self._pending:
                return
            self._pending.add(key)
        # A fresh context: the caller is a vote in Django's sync thread, whose context would
        # make the push's own database call refuse to run ("would deadlock").
        loop.call_soon_threadsafe(
            lambda: loop.create_task(self._later(key)), context=contextvars.Context()
        )

    def _send_now(self, key: tuple[int, int]) -> None:
        event = self._build(*key)
        layer = get_channel_layer()
        if event is not None and layer is not None:
            async_to_sync(layer.group_send)(group_name(key[0]), event)

    def _interval(self, meeting_id: int) -> float:
        return self.interval(meeting_id) if callable(self.interval) else self.interval

    @staticmethod
    def _cache_key(key: tuple[int, int]) -> str:
        return f"live:push:{key[0]}:{key[1]}"

    def last_push(self, key: tuple[int, int], interval: float) -> tuple[float | None, float]:
        """The last push of ``key`` from any process (its time, or None) and how long this
        process must still wait before the next one (0 or less: now)."""
        kept = cache.get(self._cache_key(key))
        now = time.time()
        if not (isinstance(kept, tuple) and len(kept) == 2):
            return None, 0.0
        built_at, their_interval = float(kept[0]), float(kept[1])
        if built_at > now + CLOCK_SLACK:
            return None, 0.0
        return built_at, built_at + max(interval, their_interval) - now

    def _build_marked(self, key: tuple[int, int], interval: float) -> ChannelEvent | None:
        if self.shared:
            # Dated before the read: the push carries every change committed before it.
            cache.set(self._cache_key(key), (time.time(), interval), timeout=SHARED_PUSH_SECONDS)
        return self._build(*key)

    def _forget(self, key: tuple[int, int]) -> None:
        """Changes committed from here on schedule the next push (under ``_lock``)."""
        self._pending.discard(key)
        self._touched.pop(key, None)

    def _release(self, key: tuple[int, int]) -> None:
        with self._lock:
            self._forget(key)

    async def _later(self, key: tuple[int, int]) -> None:
        from ecabinet.meetings.live.db import live_sync

        interval = self._interval(key[0])
        released = False
        try:
            await asyncio.sleep(interval)
            while self.shared:
                last, wait = await live_sync(self.last_push)(key, interval)
                with self._lock:
                    if last is not None and last >= self._touched.get(key, 0.0):
                        # A push built after this process's latest change went out.
                        self._forget(key)
                        released = True
                        return
                if wait <= 0:
                    break
                await asyncio.sleep(min(wait, interval))
            self._release(key)
            released = True
            event = await live_sync(self._build_marked)(key, interval)
            layer = get_channel_layer()
            if event is not None and layer is not None:
                await layer.group_send(group_name(key[0]), event)
        except Exception:  # a lost refresh is repaired by the next one or a resync
            logger.exception("live push failed for meeting %s (%s)", *key)
        finally:
            if not released:
                self._release(key)


def tally_message(meeting_id: int, poll_id: int) -> EventMessage | None:
    """The open poll's part as it stands, with the meeting's current seq (not incremented).

    None once the poll has closed: its closing event carries the final tally and the named
    results, and a refresh scheduled by the last votes would send them all again to every
    screen (at 1,000 screens, about 80 MB, arriving during the next item).
    """
    from ecabinet.meetings.live.snapshot import poll_part
    from ecabinet.meetings.models import Meeting, Poll

    meeting = Meeting.objects.filter(pk=meeting_id).only("pk", "seq").first()
    poll = Poll.objects.filter(pk=poll_id, meeting_id=meeting_id, status=Poll.Status.OPEN).first()
    if meeting is None or poll is None:
        return None
    return event_message(meeting.seq, "poll", poll_part(meeting, poll), refresh=True)


# Tally refreshes are numbered per process and meeting. A connection that falls behind has
# several of them queued, each replacing the one before: it sends only the newest it knows
# of and skips the rest, so the poll's results do not wait behind stale tallies.
ORIGIN = uuid.uuid4().hex
_tally_numbers = itertools.count(1)
latest_tally: dict[tuple[str, int], int] = {}


def tally_event(meeting_id: int, poll_id: int) -> ChannelEvent | None:
    message = tally_message(meeting_id, poll_id)
    if message is None:
        return None
    event = channel_event([message])
    number = next(_tally_numbers)
    event["frames"][0]["tally"] = [ORIGIN, number]
    seen_tally(ORIGIN, meeting_id, number)
    return event


def seen_tally(origin: str, meeting_id: int, number: int) -> None:
    key = (origin, meeting_id)
    if number > latest_tally.get(key, 0):
        latest_tally[key] = number


def newer_tally(frame: Frame, meeting_id: int) -> bool:
    """False for a tally refresh already replaced by a newer one of the same sender."""
    stamp = frame.get("tally")
    if not stamp:
        return True
    origin, number = str(stamp[0]), int(stamp[1])
    seen_tally(origin, meeting_id, number)  # from another process: the first to see it
    return number >= latest_tally[(origin, meeting_id)]


def beacon_event(meeting_id: int, _unused: int = 0) -> ChannelEvent | None:
    from ecabinet.meetings.models import Meeting

    seq = Meeting.objects.filter(pk=meeting_id).values_list("seq", flat=True).first()
    if seq is None:
        return None
    return {"type": "live.event", "frames": [], "audience": "all", "beacon": seq}


def register_loop(loop: asyncio.AbstractEventLoop) -> None:
    tally.register_loop(loop)
    beacons.register_loop(loop)


# Screens connected to each meeting in this process (the consumers count themselves).
screens: dict[int, int] = {}


def screen_joined(meeting_id: int) -> None:
    screens[meeting_id] = screens.get(meeting_id, 0) + 1


def screen_left(meeting_id: int) -> None:
    left = screens.get(meeting_id, 0) - 1
    if left > 0:
        screens[meeting_id] = left
    else:
        screens.pop(meeting_id, None)


def tally_interval(meeting_id: int) -> float:
    wanted = screens.get(meeting_id, 0) / TALLY_SENDS_PER_SECOND
    return min(max(TALLY_INTERVAL, wanted), TALLY_INTERVAL_MAX)


tally = Coalescer(tally_interval, tally_event, shared=True)
beacons = Coalescer(BEACON_INTERVAL, beacon_event)
