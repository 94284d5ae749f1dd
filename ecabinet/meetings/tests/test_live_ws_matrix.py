"""Every WebSocket action of the live session, for every persona: who is refused
(``forbidden``) and who gets through (an ``ack``; for a vote of someone without a
certificate, that refusal: permission is checked before anything else).

Each case runs the socket's own dispatcher (``actions.handle``, what the consumer calls for
every message after the connection check) on a fresh meeting prepared for that action.
Connecting is checked per persona in ``test_connect_codes``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import World, build_world
from ecabinet.meetings.live import services as live
from ecabinet.meetings.live.actions import ACTION_NAMES, handle
from ecabinet.meetings.tests.live_support import (  # noqa: F401
    Live,
    _fresh_internal_tsa,
    build_live,
)

PERSONAS = (
    "chair",
    "office",
    "member",
    "substitute",
    "agency",
    "observer",
    "outsider",
    "admin",
    "anonymous",
)
VIEWERS = {"chair", "office", "member", "substitute", "agency", "observer", "admin"}
ATTENDERS = {"chair", "member", "substitute", "agency", "observer"}
SPEAKERS = {"chair", "member", "substitute", "agency"}
QUESTIONERS = {"chair", "member", "substitute"}
VOTERS = {"chair", "member", "substitute"}
RECORDERS = {"office"}  # the Office (the meeting's secretary is Office staff here)
CHAIR = {"chair"}

Setup = Callable[[Live, str], dict[str, Any]]


def _opened(lv: Live, _persona: str) -> dict[str, Any]:
    lv.open()
    return {"seq": lv.seq}


def _all_in(lv: Live) -> None:
    lv.open()
    for name in ("chair", "member", "member2", "substitute", "agency", "observer"):
        lv.checkin(name)


def _own_request(lv: Live, persona: str) -> dict[str, Any]:
    _all_in(lv)
    owner = persona if persona in SPEAKERS else "member2"
    request = live.floor_request(actor=lv.user(owner), meeting=lv.fresh(), kind="speak")
    return {"id": request.pk}


def _waiting(lv: Live, _persona: str) -> dict[str, Any]:
    _all_in(lv)
    request = live.floor_request(actor=lv.user("member2"), meeting=lv.fresh(), kind="speak")
    return {"id": request.pk, "seq": lv.seq}


def _speaking(lv: Live, persona: str) -> dict[str, Any]:
    fields = _waiting(lv, persona)
    live.floor_start(
        actor=lv.user("chair"), meeting=lv.fresh(), request_id=fields["id"], seq=lv.seq
    )
    return {"id": fields["id"], "seq": lv.seq}


def _item_on_floor(lv: Live, _persona: str) -> dict[str, Any]:
    _all_in(lv)
    lv.start(lv.items[0])
    return {"item": lv.items[0].pk, "seq": lv.seq}


def _poll_ready(lv: Live, persona: str) -> dict[str, Any]:
    fields = _item_on_floor(lv, persona)
    return {"items": [fields["item"]], "seq": lv.seq}


def _poll_open(lv: Live, persona: str) -> dict[str, Any]:
    _poll_ready(lv, persona)
    poll = lv.poll(lv.items[0])
    return {"poll": poll.pk, "seq": lv.seq}


def _vote(lv: Live, persona: str) -> dict[str, Any]:
    poll = _poll_open(lv, persona)["poll"]
    return {"poll": poll, "choice": "agree", "key": str(uuid.uuid4())}


def _adjourned(lv: Live, _persona: str) -> dict[str, Any]:
    lv.open()
    live.meeting_adjourn_session(actor=lv.user("chair"), meeting=lv.fresh(), seq=lv.seq)
    return {"seq": lv.seq}


def _note(lv: Live, _persona: str) -> dict[str, Any]:
    lv.open()
    return {"item": lv.items[0].pk, "text": "Ý kiến của Bộ trưởng"}


def _conclude(lv: Live, _persona: str) -> dict[str, Any]:
    lv.open()
    return {"item": lv.items[1].pk, "outcome": "deferred", "text": "Hoãn sang phiên sau"}


# action → (setup giving the fields, personas that get through, what they get)
CASES: dict[str, tuple[Setup, set[str], str]] = {
    "resync": (lambda lv, p: {}, VIEWERS, "ack"),
    "checkin": (lambda lv, p: {"mode": "room"}, ATTENDERS, "ack"),
    "floor.request": (lambda lv, p: (_all_in(lv), {"kind": "speak"})[1], SPEAKERS, "ack"),
    "floor.request+question": (
        lambda lv, p: (_all_in(lv), {"kind": "question"})[1],
        QUESTIONERS,
        "ack",
    ),
    "floor.cancel": (_own_request, SPEAKERS, "ack"),
    # Without a certificate the voter is told so before any step-up (no code would help).
    "vote": (_vote, VOTERS, "conflict:no_certificate"),
    "session.open": (lambda lv, p: {"seq": lv.seq}, CHAIR, "ack"),
    "session.adjourn": (_opened, CHAIR, "ack"),
    "session.resume": (_adjourned, CHAIR, "ack"),
    "session.close": (_opened, CHAIR, "ack"),
    "item.start": (lambda lv, p: {**_opened(lv, p), "item": lv.items[0].pk}, CHAIR, "ack"),
    "item.end": (_item_on_floor, CHAIR, "ack"),
    "floor.call": (_waiting, CHAIR, "ack"),
    "floor.start": (_waiting, CHAIR, "ack"),
    "floor.finish": (_speaking, CHAIR, "ack"),
    "poll.open": (_poll_ready, CHAIR, "ack"),
    "poll.close": (_poll_open, CHAIR, "ack"),
    "note.add": (_note, RECORDERS, "ack"),
    "item.conclude": (_conclude, RECORDERS, "ack"),
}


def test_every_action_has_a_case() -> None:
    assert {name.split("+")[0] for name in CASES} == set(ACTION_NAMES)


def _answer(reply: list[dict[str, Any]]) -> str:
    first = reply[0]
    if first["type"] == "ack":
        return "ack"
    return ":".join(str(part) for part in (first["code"], first.get("reason")) if part)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_action_for_persona(world: World, case: str, persona: str) -> None:
    setup, allowed, answer = CASES[case]
    lv = build_live(world)
    fields = setup(lv, persona)
    user = AnonymousUser() if persona == "anonymous" else lv.user(persona)
    message = {"action": case.split("+")[0], "ref": "r", **fields}
    reply = handle(user, lv.meeting.pk, "matrix-session", message)
    expected = answer if persona in allowed else "forbidden"
    assert _answer(reply) == expected, reply


CONNECT = dict.fromkeys(VIEWERS, (True, None)) | {
    "outsider": (False, 4403),
    "anonymous": (False, 4401),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_connect_codes(transactional_db: None, persona: str) -> None:
    from ecabinet.asgi import application
    from ecabinet.notifications.tests.websocket import WebsocketClient

    lv = build_live(build_world())
    headers = [(b"origin", b"http://localhost")]
    if persona != "anonymous":
        client = login_as(Client(), lv.user(persona))
        cookie = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
        headers.append((b"cookie", cookie.encode()))

    async def scenario() -> tuple[bool, int | None]:
        ws = WebsocketClient(application, f"/ws/cuoc-hop/{lv.meeting.pk}/", headers)
        result = await ws.connect()
        await ws.disconnect()
        return result

    assert async_to_sync(scenario)() == CONNECT[persona]
