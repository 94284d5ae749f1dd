"""Event frames (serialised once, full and public forms) and the tally interval."""

from __future__ import annotations

import json

import pytest

from ecabinet.meetings.live import events


def test_a_frame_is_serialised_once_with_its_public_form() -> None:
    data = {"id": 4, "status": "open", "voted": 2, "voted_user_ids": [7, 9], "results": None}
    frame = events.frame_of(events.event_message(12, "poll", data))
    full = json.loads(events.frame_text(12, frame["body"]))
    public = json.loads(events.frame_text(15, frame["public"]))
    assert full == {"seq": 12, "type": "event", "event": "poll", "data": data}
    assert public["seq"] == 15  # each connection writes the seq it sends
    assert public["data"] == {k: v for k, v in data.items() if k != "voted_user_ids"}


def test_attendance_lists_are_not_public_and_other_parts_have_one_form() -> None:
    attendance = events.frame_of(events.event_message(3, "attendance", {"present": []}))
    assert json.loads(events.frame_text(3, attendance["public"]))["data"] is None
    quorum = events.frame_of(events.event_message(4, "quorum", {"reached": True}))
    assert "public" not in quorum
    assert "items" not in quorum
    items = events.frame_of(events.event_message(5, "items", [{"id": 1}]))
    assert items["items"] == [{"id": 1}]


def test_refresh_flag_and_vietnamese_text_survive() -> None:
    frame = events.frame_of(events.event_message(2, "notes", [{"text": "Đồng ý"}], refresh=True))
    assert frame["refresh"] is True
    assert json.loads(events.frame_text(2, frame["body"]))["data"] == [{"text": "Đồng ý"}]


@pytest.mark.parametrize(
    ("screens", "interval"),
    [(0, 0.1), (60, 0.1), (300, 0.5), (1000, 1000 / 600), (5000, 2.0)],
)
def test_the_tally_interval_grows_with_the_screens(
    monkeypatch: pytest.MonkeyPatch, screens: int, interval: float
) -> None:
    monkeypatch.setattr(events, "screens", {1: screens} if screens else {})
    assert events.tally_interval(1) == pytest.approx(interval)


def test_screens_join_and_leave() -> None:
    events.screen_joined(99)
    events.screen_joined(99)
    events.screen_left(99)
    assert events.screens[99] == 1
    events.screen_left(99)
    assert 99 not in events.screens
