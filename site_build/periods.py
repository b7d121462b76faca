"""Calendar arithmetic for KPI grains (day, week, month, quarter, year)."""

from __future__ import annotations

import datetime as dt


def start_of(day: dt.date, grain: str) -> dt.date:
    """The first day of the period of ``grain`` that contains ``day`` (weeks start on Monday)."""
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if grain == "year":
        return dt.date(day.year, 1, 1)
    raise ValueError(f"unknown grain {grain!r}")


def shift(period: dt.date, grain: str, n: int) -> dt.date:
    """The start of the period ``n`` periods after ``period`` (negative goes back)."""
    if grain == "day":
        return period + dt.timedelta(days=n)
    if grain == "week":
        return period + dt.timedelta(weeks=n)
    months = {"month": 1, "quarter": 3, "year": 12}[grain] * n
    index = period.year * 12 + period.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def end_of(period: dt.date, grain: str) -> dt.date:
    """The last day of the period that starts on ``period``."""
    return shift(period, grain, 1) - dt.timedelta(days=1)


def latest_complete(as_of: dt.date, grain: str) -> dt.date:
    """Start of the latest period that ends on or before ``as_of``."""
    current = start_of(as_of, grain)
    return current if end_of(current, grain) <= as_of else shift(current, grain, -1)


def year_before(period: dt.date, grain: str) -> dt.date:
    """The same period one year earlier (52 weeks for weekly KPIs)."""
    if grain == "week":
        return period - dt.timedelta(weeks=52)
    if grain == "day":
        try:
            return period.replace(year=period.year - 1)
        except ValueError:  # 29 February
            return period - dt.timedelta(days=365)
    return shift(period, grain, -{"month": 12, "quarter": 4, "year": 1}[grain])
