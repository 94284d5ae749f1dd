"""The live session's socket: /ws/cuoc-hop/<pk>/ (consumer ``MeetingConsumer``).

On connect: an anonymous or half-logged-in session is closed with 4401, a user who may not
see this meeting's live session with 4403, before any data. Otherwise the connection joins
the group ``meeting-<pk>`` and receives the snapshot. Each client message is checked (size,
JSON, action, field types) and answered with one ``ack`` or ``error``; the actions run in
Django's sync thread (``database_sync_to_async``), which also funnels the writes of a process
through one thread, as DESIGN.md recommends for SQLite.

Group events arrive serialised (``events.Frame``) and are forwarded in seq order: an event
already covered by the snapshot this connection received is dropped, a tally refresh
(``poll`` with the current seq) passes; the screens that do not follow the room get the
public form; a presenting agency receives only its own items. A beacon with a seq this
connection has not reached (an event was dropped on the way) sends a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from ecabinet.accounts.session import second_factor_satisfied
from ecabinet.core.errors import DomainError
from ecabinet.meetings.live import events, votes
from ecabinet.meetings.live import permissions as live_perms
from ecabinet.meetings.live.actions import MAX_MESSAGE_BYTES, clean_ref, handle
from ecabinet.meetings.live.db import live_sync
from ecabinet.meetings.live.snapshot import (
    agency_filter_unit,
    filter_items,
    follows_room,
    snapshot_for,
)
from ecabinet.meetings.models import Meeting

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


def _prepare_signing(user: Any, meeting: Meeting) -> None:
    """A voter's certificate gets its signature template now, not at its first vote."""
    from ecabinet.ballots.services import signing_certificate
    from ecabinet.signatures.statements import statement_prepare

    if not live_perms.voting_seats(user, meeting):
        return
    # No certificate (yet): the vote itself will say so.
    with contextlib.suppress(DomainError):
        statement_prepare(signing_certificate(user, meeting.body))


def _open(user: Any, meeting_id: int, session_key: str | None) -> dict[str, Any] | None:
    """What the connection needs, or None when the user may not see the live session."""
    with live_perms.memo():
        return _opened(user, meeting_id, session_key)


def _opened(user: Any, meeting_id: int, session_key: str | None) -> dict[str, Any] | None:
    meeting = (
        Meeting.objects.select_related("body", "chair", "secretary").filter(pk=meeting_id).first()
    )
    if meeting is None or not live_perms.can_view_live(user, meeting):
        return None
    _prepare_signing(user, meeting)
    return {
        "snapshot": snapshot_for(user, meeting, session_key=session_key),
        "recorder": live_perms.can_record_minutes(user, meeting),
        "monitor": follows_room(user, meeting),
        "unit": agency_filter_unit(user, meeting),
    }


class MeetingConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    meeting_id: int
    last_seq: int = -1
    recorder: bool = False
    monitor: bool = False
    unit: int | None = None
    resyncing: bool = False
    counted: bool = False

    async def connect(self) -> None:
        user = self.scope.get("user")
        session = self.scope.get("session")
        # Channels does not run the second-factor middleware: check it here.
        if session is None or not await live_sync(second_factor_satisfied)(user, session):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        try:
            self.meeting_id = int(self.scope["url_route"]["kwargs"]["pk"])
        except (KeyError, TypeError, ValueError):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = events.group_name(self.meeting_id)
        # Join before the snapshot is taken: nothing committed after it can be missed.
        await self.channel_layer.group_add(self.group, self.channel_name)
        opened = await live_sync(_open)(user, self.meeting_id, self._session_key())
        if opened is None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            del self.group
            await self.close(code=CLOSE_FORBIDDEN)
            return
        events.register_loop(asyncio.get_running_loop())
        self._take(opened)
        await self.accept()
        self.counted = True
        events.screen_joined(self.meeting_id)
        await self._send_snapshot(opened["snapshot"])

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # The connection leaves the group however it ends: a screen that closes while an
        # answer is on its way makes that send fail, and the consumer stops without its
        # ``disconnect``; its channel would stay in the group (with Redis, for a day),
        # receiving every event until its queue is full.
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._leave()

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its hop into the sync thread before every handler.

        Channels closes Django's old database connections before each message handler, in
        Django's one sync thread: one hop per message and per socket, so one event to 500
        screens queued 500 hops behind the votes, each closing the connection the votes
        then opened again. Every database call of this consumer goes through ``live_sync``,
        which keeps or closes that thread's connection itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def _leave(self) -> None:
        if self.counted:
            self.counted = False
            events.screen_left(self.meeting_id)
        group = getattr(self, "group", None)
        if group is not None:
            del self.group
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:  # the channel layer is down: its group expires on its own
                logger.warning("could not leave %s", group, exc_info=True)

    def _session_key(self) -> str | None:
        session = self.scope.get("session")
        return getattr(session, "session_key", None)

    async def _send_snapshot(self, state: dict[str, Any]) -> None:
        message = events.snapshot_message(state)
        self.last_seq = int(message["seq"])
        await self.send_json(message)

    async def _error(self, ref: Any, message: str) -> None:
        await self.send_json(events.error_message(ref, "bad_request", message))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Every refusal is an ``error`` message; nothing a client sends closes the socket."""
        if text_data is None:
            await self._error(None, _("Chỉ nhận thông điệp dạng văn bản JSON."))
            return
        if len(text_data) > MAX_MESSAGE_BYTES or len(text_data.encode()) > MAX_MESSAGE_BYTES:
            await self._error(None, _("Thông điệp quá lớn."))
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            await self._error(None, _("Thông điệp không phải JSON hợp lệ."))
            return
        if isinstance(message, dict) and message.get("action") == "resync":
            await self._resync(message)
            return
        user = self.scope.get("user")
        if isinstance(message, dict) and message.get("action") == "vote":
            replies = await votes.submit(self.meeting_id, user, self._session_key(), message)
        else:
            replies = await live_sync(handle)(user, self.meeting_id, self._session_key(), message)
        for reply in replies:
            await self.send_json(reply)

    async def _resync(self, message: dict[str, Any]) -> None:
        ref = clean_ref(message)
        opened = await live_sync(_open)(
            self.scope.get("user"), self.meeting_id, self._session_key()
        )
        if opened is None:
            # No longer allowed (removed from the body, meeting cancelled): hang up.
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self._take(opened)
        await self._send_snapshot(opened["snapshot"])
        await self.send_json(events.ack_message(ref, {"seq": self.last_seq}))

    def _take(self, opened: dict[str, Any]) -> None:
        self.recorder = bool(opened["recorder"])
        self.monitor = bool(opened["monitor"])
        self.unit = opened["unit"]

    async def _catch_up(self) -> None:
        """An event of this meeting never reached this connection: send a fresh snapshot."""
        if self.resyncing:
            return
        self.resyncing = True
        try:
            opened = await live_sync(_open)(
                self.scope.get("user"), self.meeting_id, self._session_key()
            )
            if opened is None:
                await self.close(code=CLOSE_FORBIDDEN)
                return
            self._take(opened)
            await self._send_snapshot(opened["snapshot"])
        finally:
            self.resyncing = False

    async def live_event(self, event: events.ChannelEvent) -> None:
        if event.get("audience") == "recorders" and not self.recorder:
            return
        beacon = event.get("beacon")
        if beacon is not None:
            if int(beacon) > self.last_seq:
                await self._catch_up()
            return
        for frame in event["frames"]:
            seq = int(frame["seq"])
            if frame["refresh"]:
                if seq < self.last_seq or not events.newer_tally(frame, self.meeting_id):
                    continue  # older than what this connection holds, or replaced
                # A refresh never moves the sequence: one built after a change whose own
                # event is still on its way carries that change's seq, and would make the
                # change itself look already delivered.
                await self.send(text_data=self._text(frame, self.last_seq))
                continue
            if seq <= self.last_seq:
                continue  # already in the snapshot this connection holds
            self.last_seq = seq
            if "items" in frame and self.unit is not None:
                data = filter_items(None, None, frame["items"], self.unit)
                await self.send_json(events.event_message(seq, "items", data))
                continue
            await self.send(text_data=self._text(frame, seq))

    def _text(self, frame: events.Frame, seq: int) -> str:
        body = frame["body"] if self.monitor else frame.get("public", frame["body"])
        return events.frame_text(seq, body)
