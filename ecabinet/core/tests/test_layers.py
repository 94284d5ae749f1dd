"""The embedded channel layer cleans expired messages at most once a second."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import InMemoryChannelLayer as ChannelsInMemoryLayer

from ecabinet.core import layers


def test_the_walk_over_every_channel_runs_at_most_once_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    walks: list[float] = []
    monkeypatch.setattr(
        ChannelsInMemoryLayer, "_clean_expired", lambda self: walks.append(clock[0])
    )
    clock = [100.0]
    monkeypatch.setattr(layers.time, "monotonic", lambda: clock[0])
    layer = layers.InMemoryChannelLayer()

    async def receive_three() -> None:
        for n in range(3):
            await layer.send("screen.inmemory!a", {"type": "live.event", "n": n})
        for _ in range(3):
            await layer.receive("screen.inmemory!a")

    asyncio.run(receive_three())
    assert walks == [100.0]
    clock[0] += layers.CLEAN_SECONDS
    asyncio.run(receive_three())
    assert walks == [100.0, 100.0 + layers.CLEAN_SECONDS]


def test_expired_messages_are_still_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    layer = layers.InMemoryChannelLayer(expiry=60)
    now = [1000.0]
    monkeypatch.setattr("channels.layers.time.time", lambda: now[0])

    async def scenario() -> dict[str, object]:
        await layer.send("screen.inmemory!b", {"type": "live.event", "n": "old"})
        now[0] += 61  # the first message is past its expiry
        await layer.send("screen.inmemory!b", {"type": "live.event", "n": "new"})
        return dict(await layer.receive("screen.inmemory!b"))

    assert asyncio.run(scenario())["n"] == "new"
