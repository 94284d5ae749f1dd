"""Template filters for dates: ``{% load ecabinet_dates %}{{ value|decree_date }}``."""

from __future__ import annotations

from datetime import date, datetime

from django import template

from ecabinet.core.dates import format_decree_date, format_decree_datetime

register = template.Library()


@register.filter
def decree_date(value: date | datetime | str | None) -> str:
    """``ngày 05 tháng 01 năm 2026`` / ``5 January 2026``, in Vietnam time.

    A missing value (None, or "" for an unknown template variable) renders as "".
    """
    if not isinstance(value, date):
        return ""
    return format_decree_date(value)


@register.filter
def decree_datetime(value: datetime | str | None) -> str:
    """``14:30, ngày 05 tháng 01 năm 2026`` / ``14:30, 5 January 2026``; "" when missing."""
    if not isinstance(value, datetime):
        return ""
    return format_decree_datetime(value)
