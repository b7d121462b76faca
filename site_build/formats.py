"""Number formats for KPI values, table cells and deltas, the Chinese way.

``cny`` uses ¥ and switches to 万 / 亿 for large amounts; ``percent`` expects
a ratio (0.3 → 30.0%); ``duration`` expects seconds; ``count`` is a whole number.
"""

from __future__ import annotations

import datetime as dt
import math

from site_build.errors import MacroError, suggest

FORMATS = ("cny", "percent", "count", "duration", "number")


def format_value(value, fmt: str | None = None, *, digits: int | None = None, unit: str | None = None) -> str:
    """Return ``value`` as display text in format ``fmt`` ('—' for missing values)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if fmt is None:
        return _plain(value)
    if fmt not in FORMATS:
        raise MacroError(f"Unknown format '{fmt}'. {suggest(fmt, FORMATS, noun='format')}")
    value = float(value)
    text = {
        "cny": _cny,
        "percent": _percent,
        "count": _count,
        "duration": _duration,
        "number": _number,
    }[fmt](value, digits)
    return f"{text} {unit}" if unit and fmt in ("count", "number") else text


#: below this base a count's relative change says more about luck than trend (1 → 2 is +100%)
COUNT_RELATIVE_FROM = 20


def format_delta(delta: float | None, fmt: str, *, relative: float | None = None, digits: int | None = None) -> str:
    """A signed change: percentage points for ratios, the count itself for counts, else the relative change.

    Counts show how many more or fewer (1 → 2 SKUs is "+1", not "+100.0%"),
    with the relative change beside it once the base is large enough to mean something.
    """
    if delta is None:
        return "—"
    if fmt == "percent":
        points = delta * 100
        d = 1 if digits is None else digits
        return f"{points:+.{d}f} 个百分点"
    sign = "+" if delta >= 0 else "−"
    absolute = sign + format_value(abs(delta), fmt, digits=digits)
    has_relative = relative is not None and math.isfinite(relative)
    if fmt == "count":
        base = abs(delta / relative) if has_relative and relative else None
        return f"{absolute}（{relative * 100:+.1f}%）" if base is not None and base >= COUNT_RELATIVE_FROM else absolute
    return f"{relative * 100:+.1f}%" if has_relative else absolute


def format_period(period: dt.date | None, grain: str) -> str:
    """'2026-10' for a month, '2026-Q3' for a quarter, '2026-W05' for a week."""
    if period is None:
        return "—"
    if grain == "month":
        return f"{period.year}-{period.month:02d}"
    if grain == "quarter":
        return f"{period.year}-Q{(period.month - 1) // 3 + 1}"
    if grain == "year":
        return str(period.year)
    if grain == "week":
        iso = period.isocalendar()
        return f"{iso[0]}-W{iso[1]:02d}"
    return period.isoformat()


def _cny(value: float, digits: int | None) -> str:
    sign = "-" if value < 0 else ""
    v = abs(value)
    if v >= 1e8:
        return f"{sign}¥{v / 1e8:.{2 if digits is None else digits}f}亿"
    if v >= 1e4:
        return f"{sign}¥{v / 1e4:.{1 if digits is None else digits}f}万"
    return f"{sign}¥{v:,.{0 if digits is None else digits}f}"


def _percent(value: float, digits: int | None) -> str:
    return f"{value * 100:.{1 if digits is None else digits}f}%"


def _count(value: float, digits: int | None) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e4:,.{1 if digits is None else digits}f}万"
    return f"{value:,.{0 if digits is None else digits}f}"


def _duration(seconds: float, digits: int | None) -> str:
    d = 1 if digits is None else digits
    if abs(seconds) >= 86400:
        return f"{seconds / 86400:.{d}f} 天"
    if abs(seconds) >= 3600:
        return f"{seconds / 3600:.{d}f} 小时"
    if abs(seconds) >= 60:
        return f"{seconds / 60:.{d}f} 分钟"
    return f"{seconds:.{d}f} 秒"


def _number(value: float, digits: int | None) -> str:
    d = 2 if digits is None else digits
    return f"{value:,.{d}f}"


def _plain(value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)
