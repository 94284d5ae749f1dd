"""What is waiting for a user ("Việc chờ tôi xử lý"), gathered from the apps that own it.

Core declares the sections of the home page; each app registers a provider for its section in
its ``AppConfig.ready()``::

    from ecabinet.core.waiting import registry
    registry.register("ballots", ballots_waiting_for)

A provider takes the user and returns ``WaitingItem``s; it must be scoped to the user's bodies
and run in a constant number of queries. A section without providers shows its empty-state
text. A provider that fails is logged and its section says so: the home page is where a
minister starts, and one broken app must not hide the rest of the work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from ecabinet.accounts.models import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WaitingItem:
    """One thing the user has to act on."""

    title: str
    url: str
    body_name: str = ""
    detail: str = ""
    due_at: datetime | None = None

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.due_at is not None and self.due_at < (now or timezone.now())


Provider = Callable[["User"], Sequence[WaitingItem]]


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    empty_text: str | Promise
    order: int


@dataclass(frozen=True)
class SectionResult:
    """A section as the home page shows it."""

    section: Section
    items: list[WaitingItem] = field(default_factory=list)
    failed: bool = False
    overdue: int = 0

    @property
    def key(self) -> str:
        return self.section.key

    @property
    def title(self) -> str | Promise:
        return self.section.title


def _due_key(item: WaitingItem) -> tuple[int, float]:
    # Items with a deadline first, soonest first; the others keep their provider's order.
    if item.due_at is None:
        return (1, 0.0)
    return (0, item.due_at.timestamp())


class WaitingRegistry:
    def __init__(self) -> None:
        self._sections: dict[str, Section] = {}
        self._providers: dict[str, list[Provider]] = {}

    def declare(
        self, key: str, title: str | Promise, empty_text: str | Promise, order: int
    ) -> Section:
        """Add a section to the home page (core declares the standard ones below)."""
        if key in self._sections:
            raise ValueError(f"waiting section {key!r} is already declared")
        section = Section(key, title, empty_text, order)
        self._sections[key] = section
        self._providers[key] = []
        return section

    def register(self, key: str, provider: Provider) -> Provider:
        """Let ``provider`` fill section ``key``; returns it, so it can decorate a function."""
        if key not in self._sections:
            raise KeyError(f"unknown waiting section {key!r}")
        if provider not in self._providers[key]:
            self._providers[key].append(provider)
        return provider

    def unregister(self, key: str, provider: Provider) -> None:
        self._providers[key].remove(provider)

    def sections(self) -> list[Section]:
        return sorted(self._sections.values(), key=lambda s: (s.order, s.key))

    def waiting_for(self, user: User) -> list[SectionResult]:
        """Every section, in order, with the user's items (soonest deadline first)."""
        now = timezone.now()
        results = []
        for section in self.sections():
            items: list[WaitingItem] = []
            failed = False
            for provider in self._providers[section.key]:
                try:
                    items.extend(provider(user))
                except Exception:
                    logger.exception("waiting provider %r failed for %s", provider, section.key)
                    failed = True
            items.sort(key=_due_key)
            overdue = sum(1 for item in items if item.is_overdue(now))
            results.append(SectionResult(section, items, failed=failed, overdue=overdue))
        return results


registry = WaitingRegistry()
registry.declare(
    "ballots",
    _("Phiếu lấy ý kiến"),
    _("Không có phiếu lấy ý kiến nào đang chờ bạn trả lời."),
    order=10,
)
registry.declare(
    "meetings",
    _("Cuộc họp"),
    _("Không có cuộc họp nào đang chờ bạn xác nhận hoặc cho ý kiến."),
    order=20,
)
registry.declare(
    "signatures",
    _("Văn bản chờ ký"),
    _("Không có văn bản nào đang chờ bạn ký."),
    order=30,
)
