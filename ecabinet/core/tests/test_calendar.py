from datetime import UTC, date, datetime, timedelta

import pytest

from ecabinet.core.calendar import (
    WorkingCalendar,
    add_working_days,
    is_working_day,
    public_holidays,
    working_days_between,
)
from ecabinet.core.dates import VN_TZ


def vn(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


def test_tet_2026_is_the_holidays_package_period_16_to_20_february() -> None:
    tet = {d for d in public_holidays(2026) if d.month == 2}
    assert tet == {date(2026, 2, day) for day in range(16, 21)}
    for day in range(14, 23):  # the weekends either side are off as well
        assert not is_working_day(date(2026, 2, day)), day
    assert is_working_day(date(2026, 2, 13))
    assert is_working_day(date(2026, 2, 23))


def test_reunification_and_labour_day_2026() -> None:
    assert not is_working_day(date(2026, 4, 30))
    assert not is_working_day(date(2026, 5, 1))
    assert is_working_day(date(2026, 4, 29))
    assert is_working_day(date(2026, 5, 4))


def test_national_day_2026_and_its_swapped_days() -> None:
    assert not is_working_day(date(2026, 9, 2))
    assert not is_working_day(date(2026, 9, 1))
    # The package knows the Government moved a day off to Monday 31 August, worked on
    # Saturday 22 August.
    assert not is_working_day(date(2026, 8, 31))
    assert is_working_day(date(2026, 8, 22))


def test_hung_kings_day_2026_falls_on_sunday_and_is_observed_on_monday() -> None:
    assert not is_working_day(date(2026, 4, 26))
    assert not is_working_day(date(2026, 4, 27))


def test_weekends_are_off() -> None:
    assert not is_working_day(date(2026, 3, 7))  # Saturday
    assert not is_working_day(date(2026, 3, 8))  # Sunday
    assert is_working_day(date(2026, 3, 9))  # Monday


def test_extra_days_off_and_extra_working_days() -> None:
    cal = WorkingCalendar(
        extra_days_off=[date(2026, 3, 10)], extra_working_days=[date(2026, 3, 14)]
    )
    assert not cal.is_working_day(date(2026, 3, 10))
    assert cal.is_working_day(date(2026, 3, 14))  # a compensatory Saturday
    assert is_working_day(date(2026, 3, 14), extra_working_days=[date(2026, 3, 14)])
    assert not is_working_day(date(2026, 3, 10), extra_days_off=[date(2026, 3, 10)])
    # An extra working day wins over a public holiday.
    assert cal.is_working_day(date(2026, 3, 14))
    assert WorkingCalendar(extra_working_days=[date(2026, 9, 2)]).is_working_day(date(2026, 9, 2))


def test_a_day_cannot_be_both_off_and_working() -> None:
    with pytest.raises(ValueError, match="2026-03-10"):
        WorkingCalendar(extra_days_off=[date(2026, 3, 10)], extra_working_days=[date(2026, 3, 10)])


def test_deadline_crossing_tet_keeps_the_time_of_day() -> None:
    # Thursday 12 February 2026, 10:30: +1 Friday 13, +2 Monday 23, +3 Tuesday 24.
    start = vn(2026, 2, 12, 10, 30)
    assert add_working_days(start, 3) == vn(2026, 2, 24, 10, 30)
    assert working_days_between(start, vn(2026, 2, 24, 10, 30)) == 3


def test_friday_plus_one_is_monday_and_weekend_start_rolls_forward() -> None:
    assert add_working_days(vn(2026, 3, 6, 15), 1) == vn(2026, 3, 9, 15)
    assert add_working_days(vn(2026, 3, 7, 11), 1) == vn(2026, 3, 9, 11)


def test_deadline_is_computed_in_vietnam_time() -> None:
    # 20:00 UTC on Friday 6 March is 03:00 on Saturday 7 March in Hà Nội.
    result = add_working_days(datetime(2026, 3, 6, 20, 0, tzinfo=UTC), 1)
    assert result == vn(2026, 3, 9, 3, 0)
    assert result.utcoffset() == timedelta(hours=7)


def test_counting_back_and_zero() -> None:
    assert add_working_days(vn(2026, 2, 23), -1) == vn(2026, 2, 13)
    assert add_working_days(vn(2026, 3, 7, 8), 0) == vn(2026, 3, 7, 8)


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_working_days(datetime(2026, 3, 6, 9), 1)  # noqa: DTZ001


def test_working_days_between_30_april_and_2_september() -> None:
    # Wednesday 29 April to Monday 4 May 2026: only 4 May counts (30/4, 1/5, weekend off).
    assert working_days_between(date(2026, 4, 29), date(2026, 5, 4)) == 1
    assert working_days_between(date(2026, 5, 4), date(2026, 4, 29)) == -1
    assert working_days_between(date(2026, 5, 4), date(2026, 5, 4)) == 0
    # Friday 28 August to Thursday 3 September: 31/8, 1/9 and 2/9 are off.
    assert working_days_between(date(2026, 8, 28), date(2026, 9, 3)) == 1


def test_round_trip_over_a_whole_year() -> None:
    start = vn(2025, 12, 31, 16, 45)
    for n in range(0, 260, 7):
        assert working_days_between(start, add_working_days(start, n)) == n
