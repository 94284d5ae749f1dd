"""The embedded shape's channel layer: Channels' in-memory layer, cleaned once a second.

``channels.layers.InMemoryChannelLayer`` walks every channel and every group member to drop
expired messages and memberships at each ``receive``. Every open socket receives every event
of its meeting, so one event to N screens walked N channels N times: with 500 screens that
walk was an eighth of the server's CPU during a vote (docs/performance.md). Expiry is counted
in seconds (a message after ``expiry``, 60 s; a membership after ``group_expiry``, a day), so
this layer does the same walk at most once a second and behaves the same otherwise.
"""

from __future__ import annotations

import time

from channels.layers import InMemoryChannelLayer as ChannelsInMemoryLayer

CLEAN_SECONDS = 1.0


class InMemoryChannelLayer(ChannelsInMemoryLayer):  # type: ignore[misc]
    _cleaned_at = float("-inf")

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._cleaned_at < CLEAN_SECONDS:
            return
        self._cleaned_at = now
        super()._clean_expired()
