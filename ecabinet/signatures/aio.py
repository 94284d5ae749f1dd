"""Run pyHanko's coroutines from our synchronous services, cheaply.

``asgiref.async_to_sync`` starts an event loop in another thread for every call, which cost
about half of a statement signature (a few milliseconds of signing, tens of milliseconds of
loop set-up). Services run in threads without a running loop (sync views, commands, tasks),
so each such thread keeps one private loop and runs the coroutine on it directly. Like
``async_to_sync``, it refuses to run in a thread whose own loop is running (async code must
call the service through ``sync_to_async``), since blocking that loop would stall it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_local = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _local.loop = loop
    return loop


def run_sync(fn: Callable[..., Coroutine[Any, Any, T]], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` awaited to its result, from synchronous code."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _thread_loop().run_until_complete(fn(*args, **kwargs))
    raise RuntimeError("run_sync() called from a running event loop; use sync_to_async")
