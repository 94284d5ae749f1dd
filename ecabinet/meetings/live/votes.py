"""The votes of a meeting, written in groups (group commit).

Every socket action runs in Django's one sync thread (``live_sync``), so a process writes one
vote at a time; each cost a transaction with its commit, the meeting's and the voter's reads,
and a hop into that thread. When votes arrive faster than that (a poll opening before 500
members), the ones that queue while a vote is being written are handed over together when it
is done: ``actions.handle_votes`` reads what they share once and writes them in one
transaction, each in its own savepoint, each answered as if alone. A vote that arrives alone
is written alone, as before. At most ``MAX_GROUP`` votes are written together, so that the
first of a long queue is not kept waiting for the last.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ecabinet.meetings.live.actions import Replies, handle_votes
from ecabinet.meetings.live.db import live_sync

if TYPE_CHECKING:
    from ecabinet.accounts.models import User

MAX_GROUP = 40

Waiting = tuple[tuple[Any, str | None, Any], "asyncio.Future[Replies]"]


@dataclass
class _Queue:
    loop: asyncio.AbstractEventLoop
    waiting: list[Waiting] = field(default_factory=list)
    writer: asyncio.Task[None] | None = None


_queues: dict[int, _Queue] = {}


async def submit(meeting_id: int, user: User, session_key: str | None, message: Any) -> Replies:
    """The messages answering this ``vote`` action, once it is written (alone or in a group)."""
    loop = asyncio.get_running_loop()
    queue = _queues.get(meeting_id)
    if queue is None or queue.loop is not loop:
        queue = _queues[meeting_id] = _Queue(loop)
    future: asyncio.Future[Replies] = loop.create_future()
    queue.waiting.append(((user, session_key, message), future))
    if queue.writer is None:
        queue.writer = loop.create_task(_write(meeting_id, queue))
    return await future


async def _write(meeting_id: int, queue: _Queue) -> None:
    try:
        while queue.waiting:
            group = queue.waiting[:MAX_GROUP]
            del queue.waiting[:MAX_GROUP]
            try:
                answers = await live_sync(handle_votes)(meeting_id, [r for r, _f in group])
            except Exception as exc:  # the group could not be written: each socket is told
                for _request, future in group:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_request, future), answer in zip(group, answers, strict=True):
                if future.done():  # the socket closed meanwhile
                    continue
                if isinstance(answer, Exception):
                    future.set_exception(answer)
                else:
                    future.set_result(answer)
    finally:
        queue.writer = None
        if queue.waiting:  # stopped early (cancelled): the ones left are not forgotten
            queue.writer = queue.loop.create_task(_write(meeting_id, queue))
        elif _queues.get(meeting_id) is queue:
            del _queues[meeting_id]
