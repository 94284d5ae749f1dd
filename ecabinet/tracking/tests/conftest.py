"""Fixtures of the ledger's tests: Vietnam times, and assignments made at a chosen moment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import time_machine

from ecabinet.accounts.models import User
from ecabinet.core.dates import VN_TZ
from ecabinet.core.testing.personas import World
from ecabinet.tracking import services
from ecabinet.tracking.models import Assignment


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in Hà Nội time."""
    return datetime(year, month, day, hour, minute, tzinfo=VN_TZ)


def user(world: World, persona: str) -> User:
    found = world.user(persona)
    assert found is not None
    return found


Assign = Callable[..., Assignment]


@pytest.fixture
def assign(world: World) -> Assign:
    """``assign("member", at=..., due=..., subject_id="7", kind=..., actor="office")``."""

    def do(
        persona: str = "member",
        *,
        at: datetime,
        due: datetime | None,
        subject_id: str = "1",
        kind: str = "ballot.answer",
        actor: str | None = "office",
        title: str = "Phiếu lấy ý kiến về dự án Luật Đất đai (sửa đổi)",
        **kwargs: Any,
    ) -> Assignment:
        with time_machine.travel(at, tick=False):
            return services.assignment_create(
                actor=user(world, actor) if actor else None,
                body=world.body,
                assignee=user(world, persona),
                kind=kind,
                subject_type="ballots.ballot",
                subject_id=subject_id,
                title=title,
                url=f"/phieu/{subject_id}/",
                due_at=due,
                **kwargs,
            )

    return do
