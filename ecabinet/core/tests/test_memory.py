"""The server process's garbage collection is tuned once the application is loaded."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from ecabinet.core.memory import THRESHOLDS, tune_for_serving


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_gc")
def test_loaded_objects_are_frozen_and_young_ones_collected_less_often() -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    tune_for_serving()
    assert gc.get_freeze_count() > 1000  # the loaded modules, settings, URL patterns
    assert gc.get_threshold() == THRESHOLDS
    # Reference cycles are still collected.
    cycle: list[object] = []
    cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1


def test_the_asgi_application_tunes_it() -> None:
    """In a process of its own, as the server loads it (embedded shape, whatever this run's:
    the scale shape's settings need the server's secrets)."""
    probe = "import gc, ecabinet.asgi; print(*gc.get_threshold(), gc.get_freeze_count() > 1000)"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["ECABINET_TESTING"] = "1"
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [*map(str, THRESHOLDS), "True"]
