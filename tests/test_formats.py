import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from site_build.errors import MacroError
from site_build.formats import FORMATS, format_delta, format_period, format_value, vega_expr
from tests.chartsvg import evaluate


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
        "Unknown format 'percnt'. Did you mean 'percent' or 'count' or 'points'? Available formats: cny, count, "
        "currency, duration, number, percent, points. Money in a given currency is its ISO 4217 code in lower case "
        "(usd, eur …)."
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


# --- the same rules in charts: vega_expr, evaluated by real Vega (vl-convert), against format_value ---

# exact binary ties at the digits shown, where d3 (toFixed: away from zero) and Python (to even) part ways
TIES = {
    "cny": [2.5, 3.5, -2.5, 122_500.0, 112_500_000.0, 1e8 * 1.125],
    "percent": [0.0025, 0.0125, -0.0125, 0.125],
    "count": [2.5, 3.5, 1_002_500.0, -1_002_500.0],
    "duration": [2.25, 0.125, 150 * 60 / 8 * 1.0, 3600 * 2.25, 86400 * 2.25],
    "number": [0.125, 0.375, -2.625, 1234.125],
}
EDGES = [None, 0.0, -0.0, -0.4, 0.4, 59.99, 60.0, 3599.96, 9_999.5, 9_999.4, 999_999.5, 99_999_999.5, 1e8, 1e12]


@pytest.mark.parametrize("fmt", TIES)
@pytest.mark.parametrize("digits", [None, 0, 2])
def test_vega_expr_writes_ties_and_edges_as_format_value_does(fmt, digits):
    values = TIES[fmt] + EDGES
    expected = [format_value(v, fmt, digits=digits) for v in values]
    assert evaluate(vega_expr(fmt, "datum.v", digits=digits), values) == expected


def test_the_ties_are_real_ties():
    # without the even-neighbour branch, d3 would write these differently: the test above can fail
    assert evaluate("format(datum.v, '.1f')", [2.25, 0.25]) == ["2.3", "0.3"]
    assert format_value(2.25, "duration") == "2.2 秒" and format_value(0.0025, "percent") == "0.2%"


def test_vega_expr_units_and_missing_values():
    assert evaluate(vega_expr("count", "datum.v", unit="条"), [7, 2_000_000, None]) == ["7 条", "200.0万 条", "—"]
    assert evaluate(vega_expr("percent", "datum.v", unit="条"), [0.5]) == ["50.0%"]  # as format_value: no unit


def test_vega_expr_refuses_an_unknown_format():
    with pytest.raises(MacroError, match="Unknown format 'yuan'"):
        vega_expr("yuan")


def _shown(unit: float):
    """Values near a step's scale, ties included (k/8 of the unit is a tie at 0, 1 and 2 digits)."""
    return st.one_of(
        st.integers(-(10**6), 10**6).map(lambda k: k / 8 * unit),
        st.floats(-1e3, 1e3, allow_nan=False).map(lambda x: x * unit),
    )


VALUES = st.one_of(
    st.floats(-1e12, 1e12, allow_nan=False),
    st.integers(-(10**12), 10**12),
    *(_shown(u) for u in (1, 0.01, 60, 3600, 86400, 1e4, 1e8)),
)


@settings(max_examples=25, deadline=None)
@given(
    fmt=st.sampled_from(FORMATS),
    digits=st.one_of(st.none(), st.integers(0, 3)),
    values=st.lists(VALUES, min_size=1, max_size=60),
)
def test_vega_expr_agrees_with_format_value(fmt, digits, values):
    assert evaluate(vega_expr(fmt, "datum.v", digits=digits), values) == [
        format_value(v, fmt, digits=digits) for v in values
    ]
