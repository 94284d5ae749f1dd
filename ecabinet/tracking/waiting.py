"""The ledger's items on the home page ("Việc chờ tôi xử lý").

Each kind of work names the home-page section that lists it (kinds.py): the open items of
the ballot kinds appear under "Phiếu lấy ý kiến". One provider per section, one query each,
scoped to the bodies the user still belongs to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from ecabinet.core.waiting import Provider, WaitingItem, registry

if TYPE_CHECKING:
    from ecabinet.accounts.models import User

# kinds.py calls ensure_provider when a kind is registered: import it lazily here.

_providers: dict[str, Provider] = {}
_started = False


def waiting_items(user: User, section: str) -> list[WaitingItem]:
    """The user's open items of the kinds that belong to ``section``."""
    from ecabinet.tracking.kinds import kind_label, kinds_in_section
    from ecabinet.tracking.selectors import open_assignments_for

    # An unsaved user (the registry's own tests) has no items and must cost no query.
    if not user.is_authenticated or user.pk is None:
        return []
    kinds = kinds_in_section(section)
    if not kinds:
        return []
    fallback = reverse("tracking:mine")
    return [
        WaitingItem(
            title=a.title,
            url=a.url or fallback,
            body_name=a.body.short_name or a.body.name,
            detail=kind_label(a.kind),
            due_at=a.due_at,
        )
        for a in open_assignments_for(user).filter(kind__in=kinds)
    ]


def _provider(section: str) -> Provider:
    def provider(user: User) -> list[WaitingItem]:
        return waiting_items(user, section)

    provider.__name__ = f"tracking_waiting_{section}"
    return provider


def ensure_provider(section: str) -> None:
    """Register the provider of ``section`` once, if core declares such a section."""
    if not _started or section in _providers:
        return
    if section not in {s.key for s in registry.sections()}:
        return
    _providers[section] = registry.register(section, _provider(section))


def register_waiting_providers() -> None:
    """Called by ``TrackingConfig.ready()``; kinds registered later add their section."""
    from ecabinet.tracking.kinds import sections

    global _started
    _started = True
    for section in sorted(sections()):
        ensure_provider(section)
