from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from ecabinet.core.dates import VN_TZ, format_decree_date, format_decree_datetime, vn_date


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 5), "ngày 05 tháng 01 năm 2026"),
        (date(2026, 2, 28), "ngày 28 tháng 02 năm 2026"),
        (date(2026, 3, 9), "ngày 09 tháng 3 năm 2026"),
        (date(2026, 12, 15), "ngày 15 tháng 12 năm 2026"),
        (date(2026, 10, 10), "ngày 10 tháng 10 năm 2026"),
    ],
)
def test_vietnamese_pads_days_below_ten_and_months_one_and_two(day: date, expected: str) -> None:
    assert format_decree_date(day, "vi") == expected


def test_english_has_no_padding() -> None:
    assert format_decree_date(date(2026, 1, 5), "en") == "5 January 2026"
    assert format_decree_date(date(2026, 12, 25), "en-gb") == "25 December 2026"


def test_default_language_is_the_active_one() -> None:
    with translation.override("en"):
        assert format_decree_date(date(2026, 1, 5)) == "5 January 2026"
    with translation.override("vi"):
        assert format_decree_date(date(2026, 1, 5)) == "ngày 05 tháng 01 năm 2026"


def test_aware_datetime_is_dated_in_vietnam() -> None:
    # 18:30 UTC on 4 January is 01:30 on 5 January in Hà Nội.
    moment = datetime(2026, 1, 4, 18, 30, tzinfo=UTC)
    assert vn_date(moment) == date(2026, 1, 5)
    assert format_decree_date(moment, "vi") == "ngày 05 tháng 01 năm 2026"
    assert format_decree_datetime(moment, "vi") == "01:30, ngày 05 tháng 01 năm 2026"
    assert format_decree_datetime(moment, "en") == "01:30, 5 January 2026"


def test_naive_datetime_is_taken_as_vietnam_time() -> None:
    assert vn_date(datetime(2026, 1, 4, 23, 59)) == date(2026, 1, 4)  # noqa: DTZ001


def test_template_filters() -> None:
    template = Template(
        "{% load ecabinet_dates %}"
        "{{ d|decree_date }}|{{ t|decree_datetime }}|{{ missing|decree_date }}"
    )
    with translation.override("vi"):
        out = template.render(
            Context({"d": date(2026, 2, 1), "t": datetime(2026, 9, 2, 8, 0, tzinfo=VN_TZ)})
        )
    assert out == "ngày 01 tháng 02 năm 2026|08:00, ngày 02 tháng 9 năm 2026|"
