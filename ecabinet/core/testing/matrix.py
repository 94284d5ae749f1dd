"""The permission matrix: every URL × every persona → expected status.

Each app lists its cases in ``<app>/tests/matrix.py`` as ``CASES``. The core test runs all
of them and fails when a named URL of ours has no case, so a new view cannot ship without
its permission row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ecabinet.core.testing.personas import PERSONAS, World


@dataclass(frozen=True)
class Case:
    """One URL, requested by each persona, with the status each must get.

    ``expect`` maps persona → status; ``default`` covers the personas not named.
    ``kwargs`` builds the URL arguments from the world (objects of the first body, or of
    the other body to prove an outsider gets 404).
    """

    url_name: str
    expect: Mapping[str, int]
    default: int | None = None
    kwargs: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    method: str = "get"
    data: Callable[[World], dict[str, Any]] | None = None
    note: str = ""

    def expected(self, persona: str) -> int:
        if persona in self.expect:
            return self.expect[persona]
        if self.default is None:
            raise KeyError(f"{self.url_name}: no expectation for {persona}")
        return self.default


def everyone(status: int, **overrides: int) -> dict[str, int]:
    """Expectation helper: ``everyone(403, chair=200, anonymous=302)``."""
    table = dict.fromkeys(PERSONAS, status)
    table.update(overrides)
    return table
