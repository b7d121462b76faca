import datetime as dt

from site_build import periods

D = dt.date


def test_latest_complete_month():
    assert periods.latest_complete(D(2026, 10, 31), "month") == D(2026, 10, 1)
    assert periods.latest_complete(D(2026, 11, 3), "month") == D(2026, 10, 1)


def test_latest_complete_quarter_and_week():
    assert periods.latest_complete(D(2026, 10, 31), "quarter") == D(2026, 7, 1)
    assert periods.latest_complete(D(2026, 9, 30), "quarter") == D(2026, 7, 1)
    # 2026-11-01 is a Sunday: the week that ends on it is complete
    assert periods.latest_complete(D(2026, 11, 1), "week") == D(2026, 10, 26)
    assert periods.latest_complete(D(2026, 10, 31), "week") == D(2026, 10, 19)


def test_shift_and_year_before():
    assert periods.shift(D(2026, 1, 1), "month", -1) == D(2025, 12, 1)
    assert periods.shift(D(2026, 1, 1), "quarter", 1) == D(2026, 4, 1)
    assert periods.year_before(D(2026, 10, 1), "month") == D(2025, 10, 1)
    assert periods.year_before(D(2024, 2, 29), "day") == D(2023, 3, 1)
    assert periods.end_of(D(2024, 2, 1), "month") == D(2024, 2, 29)
