"""Fixtures shared by the whole suite."""

from __future__ import annotations

import pytest

from ecabinet.core.testing.personas import World, build_world


@pytest.fixture
def world(db: None) -> World:
    """Two bodies and every persona (see ecabinet/core/testing/personas.py)."""
    return build_world()
