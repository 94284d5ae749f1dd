"""The live session's socket through the real ASGI application: connection auth, the
snapshot, forged and malformed messages, two chair consoles, a vote retried across a
reconnect, a browser that was away, and tally refreshes."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client
from django.urls import reverse

from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import build_world
from ecabinet.meetings.models import Meeting, Vote
from ecabinet.meetings.tests.live_support import (  # noqa: F401
    Live,
    _fresh_internal_tsa,
    build_live,
    open_window,
)
from ecabinet.notifications.tests.websocket import WebsocketClient

ORIGIN = (b"origin", b"http://localhost")


@pytest.fixture
def tl(transactional_db: None) -> Live:
    return build_live(build_world())


def _login(user: Any) -> tuple[str, str]:
    """(cookie header, session key) of a fully logged-in session."""
    client = login_as(Client(), user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={key}", key


def _socket(meeting_id: int, cookie: str = "") -> WebsocketClient:
    from ecabinet.asgi import application

    headers = [ORIGIN]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketClient(application, f"/ws/cuoc-hop/{meeting_id}/", headers)


async def _connected(meeting_id: int, cookie: str) -> tuple[WebsocketClient, dict[str, Any]]:
    ws = _socket(meeting_id, cookie)
    connected, code = await ws.connect()
    assert connected, code
    snapshot = await ws.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot"
    return ws, snapshot


async def _send_text(ws: WebsocketClient, text: str) -> dict[str, Any]:
    await ws.send_input({"type": "websocket.receive", "text": text})
    reply: dict[str, Any] = await ws.receive_json_from(timeout=5)
    return reply


def test_anonymous_is_closed_with_4401(tl: Live) -> None:
    async def scenario() -> tuple[bool, int | None]:
        ws = _socket(tl.meeting.pk)
        result = await ws.connect()
        await ws.disconnect()
        return result

    assert async_to_sync(scenario)() == (False, 4401)


@pytest.mark.parametrize("persona", ["outsider"])
def test_who_may_not_see_the_meeting_is_closed_with_4403(tl: Live, persona: str) -> None:
    cookie, _key = _login(tl.user(persona))

    async def scenario() -> tuple[bool, int | None]:
        ws = _socket(tl.meeting.pk, cookie)
        result = await ws.connect()
        await ws.disconnect()
        return result

    assert async_to_sync(scenario)() == (False, 4403)


def test_a_draft_meeting_has_no_live_session(tl: Live) -> None:
    Meeting.objects.filter(pk=tl.meeting.pk).update(status=Meeting.Status.DRAFT)
    cookie, _key = _login(tl.user("chair"))

    async def scenario() -> tuple[bool, int | None]:
        ws = _socket(tl.meeting.pk, cookie)
        result = await ws.connect()
        await ws.disconnect()
        return result

    assert async_to_sync(scenario)() == (False, 4403)


def test_snapshot_then_events_in_seq_order(tl: Live) -> None:
    cookie, _key = _login(tl.user("member2"))

    async def scenario() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        ws, snapshot = await _connected(tl.meeting.pk, cookie)
        await database_sync_to_async(tl.open)()
        await database_sync_to_async(tl.checkin)("chair")
        received = [await ws.receive_json_from(timeout=5) for _ in range(3)]
        await ws.disconnect()
        return snapshot, received

    snapshot, received = async_to_sync(scenario)()
    assert snapshot["state"]["me"]["roles"] == ["member"]
    assert snapshot["state"]["meeting"]["status"] == "documents_published"
    seq = snapshot["seq"]
    assert [(m["event"], m["seq"]) for m in received] == [
        ("meeting", seq + 1),
        ("attendance", seq + 2),
        ("quorum", seq + 3),
    ]
    assert received[0]["data"]["status"] == "in_session"
    assert received[2]["data"]["present_members"] == 1


def test_malformed_and_forged_messages_get_errors_and_the_socket_survives(tl: Live) -> None:
    cookie, _key = _login(tl.user("member2"))

    async def scenario() -> list[dict[str, Any]]:
        ws, _snapshot = await _connected(tl.meeting.pk, cookie)
        replies = [
            await _send_text(ws, "{not json"),
            await _send_text(ws, json.dumps([1, 2])),
            await _send_text(ws, json.dumps({"action": "explode", "ref": "a"})),
            await _send_text(ws, "x" * 20_000),
            await _send_text(
                ws, json.dumps({"action": "checkin", "ref": "b", "mode": "room", "user": 1})
            ),
            await _send_text(
                ws,
                json.dumps({"action": "checkin", "ref": "c", "mode": "room", "meeting": 999999}),
            ),
            await _send_text(ws, json.dumps({"action": "checkin", "ref": "d", "mode": 5})),
            await _send_text(ws, json.dumps({"action": "session.open", "ref": "e", "seq": 0})),
            await _send_text(ws, json.dumps({"action": "floor.cancel", "ref": "f", "id": 1})),
        ]
        await ws.send_input({"type": "websocket.receive", "bytes": b"\x00\x01"})
        replies.append(await ws.receive_json_from(timeout=5))
        await ws.send_json_to({"action": "resync", "ref": "g"})
        replies.append(await ws.receive_json_from(timeout=5))
        replies.append(await ws.receive_json_from(timeout=5))
        await ws.disconnect()
        return replies

    replies = async_to_sync(scenario)()
    codes = [(r["type"], r.get("code"), r.get("ref")) for r in replies]
    assert codes == [
        ("error", "bad_request", None),
        ("error", "bad_request", None),
        ("error", "bad_request", "a"),
        ("error", "bad_request", None),
        ("error", "bad_request", "b"),  # a field naming another user
        ("error", "forbidden", "c"),  # another meeting
        ("error", "bad_request", "d"),
        ("error", "forbidden", "e"),  # a member is not the chair
        ("error", "not_found", "f"),
        ("error", "bad_request", None),
        ("snapshot", None, None),
        ("ack", None, "g"),
    ]
    assert all(r["message"] for r in replies if r["type"] == "error")


def test_two_chair_consoles_with_the_same_seq_apply_once(tl: Live) -> None:
    cookie, _key = _login(tl.user("chair"))
    tl.open()

    async def scenario() -> list[dict[str, Any]]:
        first, snap1 = await _connected(tl.meeting.pk, cookie)
        second, snap2 = await _connected(tl.meeting.pk, cookie)
        assert snap1["seq"] == snap2["seq"]
        seq = snap1["seq"]
        await first.send_json_to(
            {"action": "item.start", "ref": "1", "item": tl.items[0].pk, "seq": seq}
        )
        await second.send_json_to(
            {"action": "item.start", "ref": "2", "item": tl.items[1].pk, "seq": seq}
        )
        answers = []
        for ws in (first, second):
            while True:
                message = await ws.receive_json_from(timeout=5)
                if message["type"] in ("ack", "error"):
                    answers.append(message)
                    break
        await first.disconnect()
        await second.disconnect()
        return answers

    answers = async_to_sync(scenario)()
    assert sorted(a["type"] for a in answers) == ["ack", "error"]
    refused = next(a for a in answers if a["type"] == "error")
    assert refused["code"] == "conflict"
    applied = next(a for a in answers if a["type"] == "ack")
    expected = tl.items[0].pk if applied["ref"] == "1" else tl.items[1].pk
    assert tl.fresh().current_item_id == expected


def test_a_vote_retried_after_a_reconnect_is_counted_once(tl: Live) -> None:
    poll = tl.voting_ready("chair", "member2")
    cookie, session_key = _login(tl.user("member2"))
    open_window(tl.user("member2"), tl.meeting, session_key)
    key = str(uuid.uuid4())
    vote = {"action": "vote", "poll": poll.pk, "choice": "agree", "key": key}

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        ws, _snapshot = await _connected(tl.meeting.pk, cookie)
        await ws.send_json_to({**vote, "ref": "v1"})
        # The connection drops before the ack is read; the screen reconnects and resends.
        await ws.disconnect()
        ws, snapshot = await _connected(tl.meeting.pk, cookie)
        await ws.send_json_to({**vote, "ref": "v2"})
        ack = await ws.receive_json_from(timeout=10)
        await ws.disconnect()
        return snapshot, ack

    snapshot, ack = async_to_sync(scenario)()
    stored = Vote.objects.get(poll=poll)
    assert Vote.objects.filter(poll=poll).count() == 1
    # The snapshot after the reconnect already shows the vote that committed.
    assert snapshot["state"]["me"]["my_vote"]["statement_id"] == str(stored.statement_id)
    assert ack["type"] == "ack"
    assert ack["ref"] == "v2"
    # The ack is the receipt the screen keeps as its own vote (no ``me`` part follows).
    assert ack["data"]["statement_id"] == str(stored.statement_id)
    assert ack["data"]["choice"] == "agree"


def test_vote_without_a_window_answers_stepup_required_with_the_url(tl: Live) -> None:
    poll = tl.voting_ready("chair", "member2")
    cookie, _session_key = _login(tl.user("member2"))

    async def scenario() -> dict[str, Any]:
        ws, _snapshot = await _connected(tl.meeting.pk, cookie)
        reply = await _send_text(
            ws,
            json.dumps(
                {
                    "action": "vote",
                    "ref": "v",
                    "poll": poll.pk,
                    "choice": "agree",
                    "key": str(uuid.uuid4()),
                }
            ),
        )
        await ws.disconnect()
        return reply

    reply = async_to_sync(scenario)()
    assert reply["code"] == "stepup_required"
    assert reply["url"] == reverse("meetings:live_signing", args=[tl.meeting.pk])


def test_tally_refreshes_reach_other_screens_without_moving_the_seq(tl: Live) -> None:
    poll = tl.voting_ready("chair", "member2")
    cookie, _key = _login(tl.user("chair"))

    async def scenario() -> tuple[int, dict[str, Any]]:
        ws, snapshot = await _connected(tl.meeting.pk, cookie)
        await database_sync_to_async(tl.vote)("member2", poll)
        await database_sync_to_async(tl.vote)("chair", poll)
        message = await ws.receive_json_from(timeout=5)
        while message["data"]["voted"] < 2:
            message = await ws.receive_json_from(timeout=5)
        await ws.disconnect()
        return snapshot["seq"], message

    seq, message = async_to_sync(scenario)()
    assert message["event"] == "poll"
    assert message["seq"] == seq
    assert sorted(message["data"]["voted_user_ids"]) == sorted(
        [tl.user("member2").pk, tl.user("chair").pk]
    )
    assert message["data"]["results"] is None


def test_no_tally_refresh_is_built_once_the_poll_has_closed(tl: Live) -> None:
    from ecabinet.meetings.live import events

    poll = tl.voting_ready("chair", "member2")
    tl.vote("member2", poll)
    open_refresh = events.tally_event(tl.meeting.pk, poll.pk)
    assert open_refresh is not None
    assert '"voted":1' in open_refresh["frames"][0]["body"]
    tl.close(poll)
    # The closing event carried the results; a refresh the last votes scheduled sends nothing.
    assert events.tally_event(tl.meeting.pk, poll.pk) is None


def _two_processes(key: tuple[int, int]) -> tuple[Any, Any, list[str]]:
    """Two tally coalescers sharing the cache, as two server processes share Redis."""
    from django.core.cache import cache

    from ecabinet.meetings.live import events

    built: list[str] = []

    def build(name: str) -> Any:
        def one(meeting_id: int, poll_id: int) -> events.ChannelEvent:
            built.append(name)
            return {"type": "live.event", "frames": [], "audience": "all"}

        return one

    cache.delete(events.Coalescer._cache_key(key))
    first = events.Coalescer(0.05, build("first"), shared=True)
    second = events.Coalescer(0.05, build("second"), shared=True)
    return first, second, built


def _pending(coalescer: Any, key: tuple[int, int], touched: float) -> None:
    coalescer._pending.add(key)
    coalescer._touched[key] = touched


@pytest.mark.django_db  # the push reads through the socket's database thread, as served
def test_a_tally_push_already_carrying_this_process_s_votes_is_not_sent_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = (424243, 7)
    first, second, built = _two_processes(key)
    # A vote committed in the second process, then the first process's push is built.
    _pending(second, key, time.time())
    first._build_marked(key, 0.3)

    async def scenario() -> None:
        await second._later(key)

    async_to_sync(scenario)()
    assert "live push failed" not in caplog.text
    assert built == ["first"]
    assert key not in second._pending  # its next vote schedules a push again
    assert key not in second._touched


@pytest.mark.django_db
def test_a_process_waits_for_the_shared_tally_interval_then_pushes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = (424244, 8)
    first, second, built = _two_processes(key)
    first._build_marked(key, 0.3)  # the first process pushed, with its 0.3 s interval
    _pending(second, key, time.time() + 0.001)  # a vote after that push

    async def scenario() -> float:
        started = time.monotonic()
        await second._later(key)
        return time.monotonic() - started

    waited = async_to_sync(scenario)()
    assert "live push failed" not in caplog.text
    assert built == ["first", "second"]
    assert waited >= 0.2  # the 0.3 s since the first push, not its own 0.05 s
    assert key not in second._pending


def test_the_last_tally_push_is_read_with_both_intervals_and_a_wrong_clock_ignored() -> None:
    from django.core.cache import cache

    from ecabinet.meetings.live import events

    key = (424245, 9)
    first, _second, _built = _two_processes(key)
    assert first.last_push(key, 0.5) == (None, 0.0)
    now = time.time()
    cache.set(events.Coalescer._cache_key(key), (now, 1.0))
    last, wait = first.last_push(key, 0.5)
    assert last == now
    assert 0.9 < wait <= 1.0  # the longer of the two intervals
    cache.set(events.Coalescer._cache_key(key), (now + 3600.0, 1.0))
    assert first.last_push(key, 0.5) == (None, 0.0)  # another server's clock an hour ahead
    cache.set(events.Coalescer._cache_key(key), "not a push")
    assert first.last_push(key, 0.5) == (None, 0.0)


def test_a_browser_offline_for_30_seconds_resynchronises(tl: Live) -> None:
    cookie, _key = _login(tl.user("member2"))

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        ws, before = await _connected(tl.meeting.pk, cookie)
        await ws.disconnect()
        # While it is away: the session opens, people arrive, an item starts.
        await database_sync_to_async(tl.open)()
        await database_sync_to_async(tl.checkin)("chair")
        await database_sync_to_async(tl.start)(tl.items[0])
        ws, after = await _connected(tl.meeting.pk, cookie)
        await ws.disconnect()
        return before, after

    before, after = async_to_sync(scenario)()
    assert after["seq"] == before["seq"] + 5
    assert after["state"]["meeting"]["current_item"] == tl.items[0].pk
    assert after["state"]["quorum"]["present_members"] == 1


def test_a_member_removed_mid_meeting_is_refused_and_hung_up_on_resync(tl: Live) -> None:
    from ecabinet.bodies.models import Membership

    tl.open()
    cookie, _key = _login(tl.user("member2"))

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        ws, _snapshot = await _connected(tl.meeting.pk, cookie)
        await database_sync_to_async(
            lambda: Membership.objects.filter(pk=tl.world.memberships["member2"].pk).update(
                is_active=False
            )
        )()
        refused = await _send_text(ws, json.dumps({"action": "checkin", "mode": "room"}))
        await ws.send_json_to({"action": "resync"})
        closed = await ws.receive_output(timeout=5)
        return refused, closed

    refused, closed = async_to_sync(scenario)()
    assert refused["code"] == "forbidden"
    assert closed == {"type": "websocket.close", "code": 4403}


def test_a_member_screen_gets_the_tally_without_who_voted(tl: Live) -> None:
    poll = tl.voting_ready("chair", "member2")
    cookie, _key = _login(tl.user("member2"))

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        ws, snapshot = await _connected(tl.meeting.pk, cookie)
        await database_sync_to_async(tl.vote)("chair", poll)
        message = await ws.receive_json_from(timeout=5)
        while message.get("event") != "poll" or message["data"]["voted"] < 1:
            message = await ws.receive_json_from(timeout=5)
        await ws.disconnect()
        return snapshot, message

    snapshot, message = async_to_sync(scenario)()
    assert snapshot["state"]["attendance"] is None
    assert "voted_user_ids" not in snapshot["state"]["poll"]
    assert message["data"]["voted"] == 1
    assert "voted_user_ids" not in message["data"]
    assert message["seq"] == snapshot["seq"]


def test_a_connection_that_missed_an_event_gets_a_snapshot_from_the_beacon(tl: Live) -> None:
    from channels.layers import get_channel_layer

    from ecabinet.meetings.live import events

    cookie, _key = _login(tl.user("member2"))
    layer = get_channel_layer()

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        ws, before = await _connected(tl.meeting.pk, cookie)
        # A change whose event never reaches this connection (a full channel drops it).
        await database_sync_to_async(
            lambda: Meeting.objects.filter(pk=tl.meeting.pk).update(seq=before["seq"] + 3)
        )()
        beacon = await database_sync_to_async(events.beacon_event)(tl.meeting.pk)
        await layer.group_send(events.group_name(tl.meeting.pk), beacon)
        after = await ws.receive_json_from(timeout=5)
        # A beacon at a seq the connection holds sends nothing.
        await layer.group_send(events.group_name(tl.meeting.pk), beacon)
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()
        return before, after

    before, after = async_to_sync(scenario)()
    assert after["type"] == "snapshot"
    assert after["seq"] == before["seq"] + 3


def test_screens_are_counted_per_meeting_for_the_tally_interval(tl: Live) -> None:
    from ecabinet.meetings.live import events

    cookie, _key = _login(tl.user("member2"))

    async def scenario() -> tuple[int, int, int]:
        start = events.screens.get(tl.meeting.pk, 0)
        first, _ = await _connected(tl.meeting.pk, cookie)
        second, _ = await _connected(tl.meeting.pk, cookie)
        both = events.screens.get(tl.meeting.pk, 0)
        await first.disconnect()
        await second.disconnect()
        return start, both, events.screens.get(tl.meeting.pk, 0)

    start, both, end = async_to_sync(scenario)()
    assert both == start + 2
    assert end == start


def test_a_consumer_that_fails_still_leaves_the_group(
    tl: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    from channels.layers import get_channel_layer

    from ecabinet.meetings.live import consumers, events

    cookie, _key = _login(tl.user("member2"))
    layer = get_channel_layer()
    group = events.group_name(tl.meeting.pk)

    def broken(*_args: Any) -> Any:
        raise RuntimeError("the answer could not be sent")

    async def members() -> set[str]:
        if hasattr(layer, "groups"):  # in-memory layer
            return set(layer.groups.get(group, {}))
        connection = layer.connection(layer.consistent_hash(group))
        names = await connection.zrange(layer._group_key(group), 0, -1)
        return {n.decode() for n in names}

    async def scenario() -> tuple[set[str], set[str], int, int]:
        start = events.screens.get(tl.meeting.pk, 0)
        ws, _snapshot = await _connected(tl.meeting.pk, cookie)
        joined = await members()
        counted = events.screens.get(tl.meeting.pk, 0)
        monkeypatch.setattr(consumers, "handle", broken)
        await ws.send_json_to({"action": "checkin", "mode": "room"})
        with pytest.raises(RuntimeError):
            await ws.receive_output(timeout=5)
        assert events.screens.get(tl.meeting.pk, 0) == start
        return joined, await members(), counted - start, events.screens.get(tl.meeting.pk, 0)

    joined, after, counted, _end = async_to_sync(scenario)()
    assert counted == 1
    assert len(joined - after) == 1  # this connection's channel left the group


def test_a_connection_behind_sends_only_the_newest_tally(tl: Live) -> None:
    from channels.layers import get_channel_layer

    from ecabinet.meetings.live import events

    poll = tl.voting_ready("chair", "member2")
    cookie, _key = _login(tl.user("chair"))
    layer = get_channel_layer()
    group = events.group_name(tl.meeting.pk)

    async def scenario() -> tuple[dict[str, Any], dict[str, Any], bool]:
        ws, snapshot = await _connected(tl.meeting.pk, cookie)
        # Two refreshes queued for this connection before it reads either.
        older = await database_sync_to_async(events.tally_event)(tl.meeting.pk, poll.pk)
        newer = await database_sync_to_async(events.tally_event)(tl.meeting.pk, poll.pk)
        await layer.group_send(group, older)
        await layer.group_send(group, newer)
        message = await ws.receive_json_from(timeout=5)
        nothing_else = await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()
        return snapshot, message, nothing_else

    snapshot, message, nothing_else = async_to_sync(scenario)()
    assert message["event"] == "poll"
    assert message["seq"] == snapshot["seq"]
    assert nothing_else  # the older refresh was skipped, not sent


def test_a_tally_from_another_process_counts_as_seen() -> None:
    from ecabinet.meetings.live import events

    frame: Any = {"tally": ["other-process", 5]}
    assert events.newer_tally(frame, 424242)
    assert not events.newer_tally({**frame, "tally": ["other-process", 4]}, 424242)
    assert events.newer_tally({"refresh": True}, 424242)  # notes: not numbered
