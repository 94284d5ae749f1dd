"""Working days in Vietnam: deadline arithmetic for ballots, invitations and handling times.

A day is a working day unless it is a Saturday or Sunday or a public holiday of Vietnam as
the ``holidays`` package knows them (New Year, Tết Nguyên Đán, Giỗ Tổ Hùng Vương, 30/4, 1/5,
2/9 and the days the Government moves around them). When the Government swaps a day off for a
Saturday worked ("làm bù"), the package lists that Saturday and we count it as a working day.

A body may have its own extra days off and extra working days (a local holiday, a Saturday it
works to compensate a bridge day); pass them to ``WorkingCalendar``. Everything is computed on
the Vietnam calendar date, whatever the server's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

from ecabinet.core.dates import VN_TZ, vn_date

_SATURDAY = 5


@lru_cache(maxsize=64)
def _public_calendar(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(holidays, weekend working days) of ``year``, computed once per process and year.

    Cached as frozen sets because a ``HolidayBase`` fills itself lazily on lookup, which is
    not safe to share between request threads.
    """
    table = holidays.country_holidays("VN", years=year)
    days_off = frozenset(day for day in table if day.year == year)
    worked = frozenset(day for day in getattr(table, "weekend_workdays", ()) if day.year == year)
    return days_off, worked


def public_holidays(year: int) -> frozenset[date]:
    """Vietnam's public holidays (and substituted days off) in ``year``."""
    return _public_calendar(year)[0]


class WorkingCalendar:
    """Vietnam's working days, optionally adjusted for one body.

    ``extra_days_off`` are never working days; ``extra_working_days`` always are (they win
    over weekends and public holidays). A date may not be in both.
    """

    def __init__(
        self,
        *,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> None:
        self.extra_days_off = frozenset(extra_days_off)
        self.extra_working_days = frozenset(extra_working_days)
        clash = self.extra_days_off & self.extra_working_days
        if clash:
            days = ", ".join(sorted(d.isoformat() for d in clash))
            raise ValueError(f"dates both off and working: {days}")

    def is_working_day(self, day: date | datetime) -> bool:
        """True if ``day`` (its date in Vietnam, for a datetime) is a working day."""
        day = vn_date(day)
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        days_off, weekend_worked = _public_calendar(day.year)
        if day in days_off:
            return False
        if day in weekend_worked:
            return True
        return day.weekday() < _SATURDAY

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The moment ``n`` working days after ``start``, at the same time of day in Vietnam.

        Days are counted after the start date: Friday 15:00 plus one working day is Monday
        15:00, and a start on a Saturday plus one is Monday. A negative ``n`` counts back
        (reminders before a deadline). ``n == 0`` returns ``start`` in Vietnam time. The
        start must be timezone-aware: a naive datetime has no defined moment.
        """
        if start.tzinfo is None:
            raise ValueError("add_working_days needs an aware datetime")
        local = start.astimezone(VN_TZ)
        day = local.date()
        step = timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return datetime.combine(day, local.timetz())

    def working_days_between(self, a: date | datetime, b: date | datetime) -> int:
        """Working days after ``a`` up to and including ``b`` (negative when ``b`` is earlier).

        The inverse of ``add_working_days``: ``working_days_between(s, add_working_days(s, n))``
        is ``n`` when the target falls on a working day. It measures how many working days a
        person held an item (the handling-time trace).
        """
        first, last = vn_date(a), vn_date(b)
        sign = 1
        if last < first:
            first, last, sign = last, first, -1
        count = 0
        day = first
        while day < last:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return sign * count


_DEFAULT = WorkingCalendar()


def _calendar(
    extra_days_off: Iterable[date] | None, extra_working_days: Iterable[date] | None
) -> WorkingCalendar:
    if not extra_days_off and not extra_working_days:
        return _DEFAULT
    return WorkingCalendar(
        extra_days_off=extra_days_off or (), extra_working_days=extra_working_days or ()
    )


def is_working_day(
    day: date | datetime,
    *,
    extra_days_off: Iterable[date] | None = None,
    extra_working_days: Iterable[date] | None = None,
) -> bool:
    """See ``WorkingCalendar.is_working_day``."""
    return _calendar(extra_days_off, extra_working_days).is_working_day(day)


def add_working_days(
    start: datetime,
    n: int,
    *,
    extra_days_off: Iterable[date] | None = None,
    extra_working_days: Iterable[date] | None = None,
) -> datetime:
    """See ``WorkingCalendar.add_working_days``."""
    return _calendar(extra_days_off, extra_working_days).add_working_days(start, n)


def working_days_between(
    a: date | datetime,
    b: date | datetime,
    *,
    extra_days_off: Iterable[date] | None = None,
    extra_working_days: Iterable[date] | None = None,
) -> int:
    """See ``WorkingCalendar.working_days_between``."""
    return _calendar(extra_days_off, extra_working_days).working_days_between(a, b)
