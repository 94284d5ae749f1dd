"""Dates as Vietnamese administrative documents write them, always in Vietnam time.

Decree 30/2020/NĐ-CP, Appendix I: the date is written in full ("ngày ... tháng ... năm ...")
with Arabic numerals; days below 10 and the months 1 and 2 take a leading zero, so that
"ngày 5" cannot later become "ngày 15" nor "tháng 1" become "tháng 11". English pages use
the plain British form "5 January 2026".
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils import translation

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def vn_date(value: date | datetime) -> date:
    """The calendar date in Vietnam of ``value``.

    An aware datetime is converted to Asia/Ho_Chi_Minh first (a vote cast at 23:30 UTC is
    the next day in Hà Nội). A naive datetime is taken as Vietnam local time.
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(VN_TZ)
        return value.date()
    return value


def vn_datetime(value: datetime) -> datetime:
    """``value`` as an aware datetime in Vietnam time (naive values are taken as Vietnam time)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=VN_TZ)
    return value.astimezone(VN_TZ)


def _is_vietnamese(language: str | None) -> bool:
    lang = (language or translation.get_language() or "vi").lower()
    return lang == "vi" or lang.startswith("vi-")


def format_decree_date(value: date | datetime, language: str | None = None) -> str:
    """``ngày 05 tháng 01 năm 2026`` (Vietnamese) or ``5 January 2026`` (other languages).

    ``language`` defaults to the active translation language.
    """
    day = vn_date(value)
    if _is_vietnamese(language):
        dd = f"{day.day:02d}" if day.day < 10 else str(day.day)
        mm = f"{day.month:02d}" if day.month < 3 else str(day.month)
        return f"ngày {dd} tháng {mm} năm {day.year}"
    return f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"


def format_decree_datetime(value: datetime, language: str | None = None) -> str:
    """``14:30, ngày 05 tháng 01 năm 2026``: 24-hour time in Vietnam, then the date."""
    local = vn_datetime(value)
    return f"{local:%H:%M}, {format_decree_date(local, language)}"
