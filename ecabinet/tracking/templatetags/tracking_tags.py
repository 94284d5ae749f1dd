"""Template filters of the ledger: ``{% load tracking_tags %}``."""

from __future__ import annotations

from datetime import timedelta

from django import template

from ecabinet.tracking.formatting import format_duration
from ecabinet.tracking.kinds import kind_label

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    """``2 ngày 3 giờ``; "" for a missing value."""
    return format_duration(value) if isinstance(value, timedelta) else ""


@register.filter
def kind_name(code: str) -> str:
    """The label of a kind of work (its code when unknown)."""
    return kind_label(str(code))
