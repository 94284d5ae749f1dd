"""Garbage collection of the server process, tuned for live sessions.

With 500 screens connected, CPython's full collections walked every object of the process
(modules, URL patterns, templates, the sockets' state) for 150-200 ms, several times during
one poll: every socket stalled meanwhile, which was most of the p99 of a vote's
acknowledgement (docs/performance.md). What the server loads before serving is never garbage:
``gc.freeze()`` moves it out of the collector's sight. And the youngest generation is
collected after 50,000 allocations instead of 700, so that the older generations, which
include the connections' objects, are examined far less often. Reference cycles are still
collected; memory grows by a few megabytes (peak RSS at N = 500: about 200 MB).
"""

from __future__ import annotations

import gc

THRESHOLDS = (50_000, 20, 100)


def tune_for_serving() -> None:
    """Call once the application is loaded, before it serves."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
