"""The kinds of work other apps assign, with their labels and home-page sections.

A kind is a short code ``<app>.<action>``. Apps may add their own in ``AppConfig.ready()``
with ``register_kind``; an unknown kind still works everywhere, shown by its code and
listed only on the "my items" page, since no home-page section claims it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    code: str
    label: str | Promise
    # The "waiting for me" section (ecabinet.core.waiting) that lists open items of this kind.
    section: str | None = None


_KINDS: dict[str, Kind] = {}


def register_kind(code: str, label: str | Promise, section: str | None = None) -> Kind:
    """Declare (or redeclare) a kind of work; returns it."""
    kind = Kind(code, label, section)
    _KINDS[code] = kind
    if section is not None:
        from ecabinet.tracking.waiting import ensure_provider

        ensure_provider(section)
    return kind


def kind_of(code: str) -> Kind:
    return _KINDS.get(code) or Kind(code, code, None)


def kind_label(code: str) -> str:
    return str(kind_of(code).label)


def kinds_in_section(section: str) -> list[str]:
    return sorted(code for code, kind in _KINDS.items() if kind.section == section)


def sections() -> set[str]:
    return {kind.section for kind in _KINDS.values() if kind.section}


BALLOT_ANSWER = register_kind("ballot.answer", _("Trả lời phiếu lấy ý kiến"), "ballots")
BALLOT_REVIEW = register_kind("ballot.review", _("Xem xét dự thảo phiếu lấy ý kiến"), "ballots")
BALLOT_APPROVE = register_kind("ballot.approve", _("Phê duyệt gửi phiếu lấy ý kiến"), "ballots")
RESOLUTION_CONSULT = register_kind("resolution.consult", _("Góp ý dự thảo nghị quyết"))
