"""Durations as people read them ("2 ngày 3 giờ") and as spreadsheets sum them (hours)."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import ngettext


def format_duration(value: timedelta | None) -> str:
    """``2 ngày 3 giờ``, ``5 giờ 20 phút``, ``45 phút``; "" for None. Two units at most."""
    if value is None:
        return ""
    minutes = max(int(value.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)s ngày", "%(n)s ngày", days) % {"n": days})
    if hours and len(parts) < 2:
        parts.append(ngettext("%(n)s giờ", "%(n)s giờ", hours) % {"n": hours})
    if mins and not days and len(parts) < 2:
        parts.append(ngettext("%(n)s phút", "%(n)s phút", mins) % {"n": mins})
    if not parts:
        return ngettext("%(n)s phút", "%(n)s phút", 0) % {"n": 0}
    return " ".join(parts)


def hours(value: timedelta | None) -> float | None:
    """Hours with one decimal, for exports; None stays empty."""
    if value is None:
        return None
    return round(value.total_seconds() / 3600, 1)
