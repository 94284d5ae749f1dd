"""run_sync: pyHanko's coroutines from synchronous code, with or without a running loop."""

from __future__ import annotations

import asyncio
import threading

import pytest

from ecabinet.signatures.aio import run_sync


async def _double(value: int) -> tuple[int, int]:
    await asyncio.sleep(0)
    return value * 2, threading.get_ident()


def test_runs_in_the_calling_thread_and_reuses_its_loop() -> None:
    result, thread = run_sync(_double, 21)
    assert (result, thread) == (42, threading.get_ident())
    loop = asyncio.new_event_loop()  # the thread's own loop is private: not disturbed
    asyncio.set_event_loop(loop)
    try:
        assert run_sync(_double, 1)[0] == 2
        assert asyncio.get_event_loop() is loop
        assert not loop.is_closed()
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def test_each_thread_has_its_own_loop() -> None:
    seen: list[int] = []

    def work() -> None:
        seen.append(run_sync(_double, 5)[0])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [10, 10, 10, 10]


def test_async_code_goes_through_a_thread_and_is_refused_on_the_loop() -> None:
    async def caller() -> tuple[int, int]:
        return await asyncio.to_thread(run_sync, _double, 4)

    result, thread = asyncio.run(caller())
    assert result == 8
    assert thread != threading.get_ident()

    async def blocking() -> None:
        coroutine = _double(1)
        try:
            run_sync(lambda: coroutine)
        finally:
            coroutine.close()

    with pytest.raises(RuntimeError, match="running event loop"):
        asyncio.run(blocking())


def test_errors_propagate() -> None:
    async def boom() -> None:
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        run_sync(boom)
