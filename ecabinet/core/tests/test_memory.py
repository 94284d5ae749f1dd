"""The server process's garbage collection is tuned once the application is loaded."""

from __future__ import annotations

import gc
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
    """In a process of its own, as the server loads it."""
    probe = "import gc, ecabinet.asgi; print(*gc.get_threshold(), gc.get_freeze_count() > 1000)"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()
    assert out == [*map(str, THRESHOLDS), "True"]
