"""Small helpers for the ballots templates."""

from __future__ import annotations

from django import template

from ecabinet.ballots.models import Ballot

register = template.Library()

_BADGES = {
    Ballot.Status.DRAFT: "",
    Ballot.Status.IN_REVIEW: "badge-warning",
    Ballot.Status.AWAITING_APPROVAL: "badge-warning",
    Ballot.Status.OPEN: "badge-ok",
    Ballot.Status.CLOSED: "",
    Ballot.Status.SUMMARISED: "badge-ok",
    Ballot.Status.DECIDED: "badge-success",
    Ballot.Status.WITHDRAWN: "badge-danger",
}


@register.filter
def status_badge(status: str) -> str:
    """The badge class of a ballot status."""
    return _BADGES.get(Ballot.Status(status), "") if status in Ballot.Status.values else ""


@register.filter
def percent(count: int, total: int) -> int:
    return round(100 * count / total) if total else 0
