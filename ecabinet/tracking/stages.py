"""Reminder stages of one deadline under a body's policy: pure date arithmetic, no database.

Stages, in time order: each offset before the deadline ("before-wd2": two working days
before, "before-h4": four hours before), the deadline itself ("deadline"), then one per
working day after it at the deadline's time of day ("after-1", "after-2", ...). Working days
come from ``ecabinet.core.calendar`` (weekends and Vietnamese public holidays excluded).
Only stages after the start of the current cycle apply: a ballot sent a day before its
deadline gets no "two working days before" reminder.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ecabinet.core.calendar import add_working_days

if TYPE_CHECKING:
    from ecabinet.tracking.models import TrackingSettings

BEFORE_WORKING_DAYS = "working_days"
BEFORE_HOURS = "hours"
# Bounds of the offsets a body may set (the settings form and the service check them).
MAX_WORKING_DAYS = 20
MAX_HOURS = 72
MAX_OFFSETS = 6


@dataclass(frozen=True, order=True)
class Offset:
    unit: str  # BEFORE_WORKING_DAYS or BEFORE_HOURS
    n: int

    @property
    def code(self) -> str:
        return f"before-wd{self.n}" if self.unit == BEFORE_WORKING_DAYS else f"before-h{self.n}"

    def as_json(self) -> dict[str, int]:
        return {self.unit: self.n}


def parse_offsets(raw: Any) -> tuple[Offset, ...]:
    """Offsets from the stored JSON list; raises ValueError on anything else."""
    if not isinstance(raw, list) or len(raw) > MAX_OFFSETS:
        raise ValueError(f"remind_before must be a list of at most {MAX_OFFSETS} offsets")
    offsets: set[Offset] = set()
    for item in raw:
        if not isinstance(item, dict) or len(item) != 1:
            raise ValueError(f"bad offset {item!r}")
        ((unit, n),) = item.items()
        limit = {BEFORE_WORKING_DAYS: MAX_WORKING_DAYS, BEFORE_HOURS: MAX_HOURS}.get(unit)
        if limit is None or not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= limit:
            raise ValueError(f"bad offset {item!r}")
        offsets.add(Offset(unit, n))
    return tuple(sorted(offsets))


@dataclass(frozen=True)
class Policy:
    """A body's reminder policy (``TrackingSettings``), or the defaults."""

    remind_before: tuple[Offset, ...] = (Offset(BEFORE_WORKING_DAYS, 2), Offset(BEFORE_HOURS, 4))
    at_deadline: bool = True
    daily_after: bool = True
    escalate_to_office: bool = True
    old_item_days: int = 7

    @classmethod
    def of(cls, row: TrackingSettings | None) -> Policy:
        if row is None:
            return cls()
        try:
            offsets = parse_offsets(row.remind_before)
        except ValueError:
            # A row edited behind the service's back: fall back to the defaults, never crash
            # the scan for every body.
            offsets = cls.remind_before
        return cls(
            remind_before=offsets,
            at_deadline=row.at_deadline,
            daily_after=row.daily_after,
            escalate_to_office=row.escalate_to_office,
            old_item_days=row.old_item_days,
        )


@dataclass(frozen=True)
class Stage:
    code: str
    at: datetime
    # "before" (the deadline is near), "deadline" (it is reached) or "after" (overdue).
    phase: str
    n: int = 0  # working days or hours before; working days after
    unit: str = ""  # for "before": BEFORE_WORKING_DAYS or BEFORE_HOURS
    # False for the deadline stage of a policy without deadline reminders: it still marks
    # the item overdue, but notifies no one.
    notify: bool = True

    @property
    def overdue(self) -> bool:
        return self.phase in {"deadline", "after"}


def _before_and_deadline(due: datetime, policy: Policy) -> list[Stage]:
    stages = []
    for offset in policy.remind_before:
        at = (
            add_working_days(due, -offset.n)
            if offset.unit == BEFORE_WORKING_DAYS
            else due - timedelta(hours=offset.n)
        )
        stages.append(Stage(offset.code, at, "before", offset.n, offset.unit))
    stages.append(Stage("deadline", due, "deadline", notify=policy.at_deadline))
    # Stable order: by time, then the offset with more notice first.
    stages.sort(key=lambda s: (s.at, s.phase != "before", s.code))
    return stages


def _after(due: datetime, policy: Policy) -> Iterator[Stage]:
    if not policy.daily_after:
        return
    # One working day after the previous stage: the same as ``add_working_days(due, n)``
    # without recounting from the deadline each time.
    at, n = due, 1
    while True:
        at = add_working_days(at, 1)
        yield Stage(f"after-{n}", at, "after", n)
        n += 1


def stages_between(due: datetime, policy: Policy, start: datetime, until: datetime) -> list[Stage]:
    """Stages with ``start < at <= until``, in time order."""
    found = [s for s in _before_and_deadline(due, policy) if start < s.at <= until]
    if until > due:
        for stage in _after(due, policy):
            if stage.at > until:
                break
            if stage.at > start:
                found.append(stage)
    return found


def next_stage(due: datetime, policy: Policy, start: datetime, after: datetime) -> Stage | None:
    """The first stage later than both ``start`` and ``after``; None when there is none."""
    floor = max(start, after)
    for stage in _before_and_deadline(due, policy):
        if stage.at > floor:
            return stage
    for stage in _after(due, policy):
        if stage.at > floor:
            return stage
    return None


@dataclass(frozen=True)
class Plan:
    """What one scan does for one assignment: send one stage, record the missed ones."""

    send: Stage | None
    skipped: tuple[Stage, ...]
    next_at: datetime | None


def plan(due: datetime, policy: Policy, start: datetime, now: datetime, recorded: set[str]) -> Plan:
    """Only the latest due stage is sent; earlier unrecorded ones were missed (skipped)."""
    pending = [s for s in stages_between(due, policy, start, now) if s.code not in recorded]
    upcoming = next_stage(due, policy, start, now)
    if not pending:
        return Plan(None, (), upcoming.at if upcoming else None)
    return Plan(pending[-1], tuple(pending[:-1]), upcoming.at if upcoming else None)
