"""Typed payloads sent over the channel layer to a user's notification group."""

from __future__ import annotations

from typing import Literal, TypedDict


class UnreadCountEvent(TypedDict):
    """Channel-layer event; Channels dispatches it to ``NotificationCountConsumer``."""

    type: Literal["notification.count"]
    unread: int


def unread_count_event(unread: int) -> UnreadCountEvent:
    return {"type": "notification.count", "unread": unread}
