"""Small helpers for the resolutions templates."""

from __future__ import annotations

from django import template

from ecabinet.resolutions.models import Resolution

register = template.Library()

_BADGES = {
    Resolution.Status.DRAFTING: "",
    Resolution.Status.CONSULTATION: "badge-warning",
    Resolution.Status.AWAITING_SIGNATURE: "badge-warning",
    Resolution.Status.SIGNED: "badge-ok",
    Resolution.Status.ISSUED: "badge-success",
    Resolution.Status.CANCELLED: "badge-danger",
}


@register.filter
def resolution_badge(status: str) -> str:
    """The badge class of a resolution status."""
    if status not in Resolution.Status.values:
        return ""
    return _BADGES.get(Resolution.Status(status), "")


@register.filter
def lookup(mapping: dict[str, object], key: str) -> object:
    """``mapping[key]`` in a template (None when missing)."""
    return mapping.get(key) if isinstance(mapping, dict) else None
