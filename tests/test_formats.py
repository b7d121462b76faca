import datetime as dt

import pytest

from site_build.errors import MacroError
from site_build.formats import format_delta, format_period, format_value


@pytest.mark.parametrize(
    "value, fmt, expected",
    [
        (1234.0, "cny", "¥1,234"),
        (56789.0, "cny", "¥5.7万"),
        (5_000_000, "cny", "¥500.0万"),
        (123_456_789, "cny", "¥1.23亿"),
        (-25000, "cny", "-¥2.5万"),
        (0.3, "percent", "30.0%"),
        (0.12345, "percent", "12.3%"),
        (1234, "count", "1,234"),
        (12_345_678, "count", "1,234.6万"),
        (45, "duration", "45.0 秒"),
        (5400, "duration", "1.5 小时"),
        (1500, "duration", "25.0 分钟"),
        (3.14159, "number", "3.14"),
        (None, "cny", "—"),
    ],
)
def test_format_value(value, fmt, expected):
    assert format_value(value, fmt) == expected


def test_digits_and_unit():
    assert format_value(0.3, "percent", digits=0) == "30%"
    assert format_value(7, "count", unit="条") == "7 条"


def test_unknown_format_suggests():
    with pytest.raises(MacroError) as info:
        format_value(1, "percnt")
    assert str(info.value) == (
        "Unknown format 'percnt'. Did you mean 'percent' or 'count'? Available formats: cny, count, duration, number, percent."
    )


def test_deltas():
    assert format_delta(-0.033, "percent") == "-3.3 个百分点"
    assert format_delta(500.0, "cny", relative=0.05) == "+5.0%"
    assert format_delta(None, "cny") == "—"


def test_count_deltas_are_counts_with_the_relative_change_once_the_base_is_large():
    assert format_delta(0.0, "count", relative=0.0) == "+0"
    assert format_delta(1.0, "count", relative=1.0) == "+1"
    assert format_delta(3.0, "count", relative=None) == "+3"
    assert format_delta(-20.0, "count", relative=-20 / 140) == "−20（-14.3%）"
    assert format_delta(2.0, "count", relative=2 / 19) == "+2"


def test_periods():
    day = dt.date(2026, 10, 1)
    assert format_period(day, "month") == "2026-10"
    assert format_period(day, "quarter") == "2026-Q4"
    assert format_period(day, "year") == "2026"
    assert format_period(dt.date(2026, 1, 26), "week") == "2026-W05"
