"""Number formats for KPI values, table cells, deltas and chart axes, in the build's language.

``currency`` is money in the site's currency (``cny``, ``usd``, ``eur`` … name
one): its symbol, and the compact units it switches to for large amounts (万 /
亿 in Chinese, K / M / B in English), come from the CLDR (``cldr``).
``percent`` expects a ratio (0.3 → 30.0%); ``points`` a difference of two
ratios (0.012 → 1.2 pp, 个百分点 in Chinese); ``duration`` expects seconds;
``count`` is a whole number.

Each format is a ``Rule`` (``rule``): the affixes, scales, digits and
thresholds are written down once per language. ``format_value`` reads them
in Python for cards and tables; ``vega_expr`` turns the same rule into a
Vega expression for chart axes, so a number reads the same on a card, in a
table and on a chart.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass

from site_build import cldr, i18n
from site_build.errors import MacroError, suggest
from site_build.i18n import N_, _


@dataclass(frozen=True)
class Step:
    """One range of a format: sizes from ``at`` up are divided by ``divisor``, shown with ``digits`` and ``suffix``."""

    at: float
    divisor: float
    digits: int
    suffix: str = ""
    grouped: bool = False  # thousands separators: ¥1,234


@dataclass(frozen=True)
class Rule:
    """How a format writes a number: a sign, ``prefix``, the first ``Step`` the size reaches, its suffix."""

    steps: tuple[Step, ...]  # largest first; the last starts at 0
    prefix: str = ""  # after the sign: -¥2.5万
    after: str = ""  # after the unit: 2,5 Mio. €
    factor: float = 1  # percent shows a ratio per hundred
    signed_zero: bool = True  # -0.0 keeps its minus, as Python's own format does; yuan never did
    takes_unit: bool = False  # "7 条": only plain quantities take a unit after them


#: the formats by name; any ISO 4217 code in lower case (cny, usd, eur …) is also a currency format
FORMATS = ("currency", "percent", "points", "count", "duration", "number")
#: a duration's units, message ids: " 小时" in Chinese
_DURATION = ((86400, N_(" d")), (3600, N_(" h")), (60, N_(" min")), (0, N_(" s")))


def known(fmt: str) -> bool:
    """``fmt`` names a format: one of FORMATS, or a currency code such as cny."""
    return fmt in FORMATS or cldr.is_currency_code(fmt)


def unknown(fmt: str) -> str:
    """What to say about a format that ``known`` does not know: the closest names, and the currency codes."""
    return (
        suggest(fmt, [*FORMATS, "cny"], noun="format")
        + " Money in a given currency is its ISO 4217 code in lower case (usd, eur …)."
    )


def kpi_format(fmt: str, currency: str | None) -> str:
    """A catalogue KPI's format, its ``currency:`` folded in ('usd'); ValueError says what is wrong."""
    if currency is not None:
        if fmt != "currency":
            raise ValueError(f"currency: {currency} goes with format: currency, not format: {fmt}.")
        fmt = str(currency).lower()
    if not known(fmt):
        raise ValueError(
            f"format: {fmt} is neither a format ({', '.join(FORMATS)}) nor an ISO 4217 currency code "
            "(cny, usd, eur …). Fix the format."
        )
    return fmt


def rule(fmt: str) -> Rule:
    """The rule of format ``fmt`` in the build's language (and, for ``currency``, the site's currency)."""
    if not known(fmt):
        raise MacroError(f"Unknown format '{fmt}'. {unknown(fmt)}")
    if fmt == "currency":
        code = i18n.currency()
        if code is None:
            raise MacroError(
                "format 'currency' needs the site's currency: set 'currency: USD' (or CNY, EUR …) under the "
                "handbook plugin in mkdocs.yml, or name the currency as the format ('usd')."
            )
        fmt = code
    return _rule(i18n.current(), fmt.lower())


@functools.cache
def _rule(language: str, fmt: str) -> Rule:
    units = cldr.compact_units(language)
    if fmt == "percent":
        return Rule(factor=100, steps=(Step(0, 1, 1, "%"),))
    if fmt == "count":
        # from a million on, in the largest unit up to a million: 123.4万 in zh, 1.2M in en
        divisor, suffix = max((u for u in units if u[0] <= 1e6), default=(1.0, ""))
        big = (Step(1e6, divisor, 1, suffix, grouped=True),) if suffix else ()
        return Rule(takes_unit=True, steps=(*big, Step(0, 1, 0, grouped=True)))
    if fmt == "duration":
        with i18n.use(language):
            return Rule(steps=tuple(Step(at, at or 1, 1, _(unit)) for at, unit in _DURATION))
    if fmt == "points":
        # the difference of two ratios: 0.012 is 1.2 percentage points, not 1.2%
        with i18n.use(language):
            return Rule(factor=100, steps=(Step(0, 1, 1, _(" pp")),))
    if fmt == "number":
        return Rule(takes_unit=True, steps=(Step(0, 1, 2, grouped=True),))
    before, after = cldr.currency_affixes(language, fmt)
    # from ten thousand on, in compact units: ¥55.8万, $2.5M; two decimals from a hundred million
    steps = [Step(max(d, 1e4), d, 2 if d >= 1e8 else 1, suffix) for d, suffix in reversed(units) if d >= 1e3]
    return Rule(prefix=before, after=after, signed_zero=False, steps=(*steps, Step(0, 1, 0, grouped=True)))


#: what a table shows for a whole number with no format (f"{n:,}"), for axes of integer columns
WHOLE = Rule(steps=(Step(0, 1, 0, grouped=True),))
MISSING = "—"


def format_value(value, fmt: str | None = None, *, digits: int | None = None, unit: str | None = None) -> str:
    """Return ``value`` as display text in format ``fmt`` ('—' for missing values)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if fmt is None:
        return _plain(value)
    how = rule(fmt)
    text = _apply(how, float(value), digits)
    return f"{text} {unit}" if unit and how.takes_unit else text


def smallest_step(fmt: str | Rule) -> float:
    """The smallest difference ``fmt`` can show near zero: 1 for yuan, 0.001 for percent (0.1%).

    An axis ticked more finely than this labels two ticks alike (0秒, 1秒, 1秒).
    """
    how = fmt if isinstance(fmt, Rule) else rule(fmt)
    last = how.steps[-1]
    return last.divisor / how.factor / 10**last.digits


def vega_expr(
    fmt: str | Rule, value: str = "datum.value", *, digits: int | None = None, unit: str | None = None
) -> str:
    """Return a Vega expression that writes ``value`` (an expression) as ``format_value`` does.

    Use it as an axis ``labelExpr`` (the default ``datum.value`` is the tick)
    or in a ``calculate`` transform for tooltips and text marks. Agrees with
    ``format_value`` for finite numbers while the figure shown, times 10**digits,
    stays below 2**52 (exact ties need it); tests/test_formats.py checks it.
    """
    how = fmt if isinstance(fmt, Rule) else rule(fmt)
    scaled = value if how.factor == 1 else f"{value} * {_js(how.factor)}"
    size = f"abs({scaled})"
    # 1 / -0.0 is -Infinity: the expression's way to see a negative zero
    negative = f"1 / {scaled if how.factor == 1 else f'({scaled})'} < 0" if how.signed_zero else f"{scaled} < 0"
    *ranges, last = how.steps
    body = _step_expr(last, size, digits)
    for step in reversed(ranges):
        body = f"{size} >= {_js(step.at)} ? {_step_expr(step, size, digits)} : {body}"
    parts = [
        f"({negative} ? '-' : '')",
        _js_str(how.prefix),
        f"({body})",
        _js_str(how.after),
        _js_str(f" {unit}" if unit and how.takes_unit else ""),
    ]
    text = " + ".join(p for p in parts if p != "''")
    return f"isValid({value}) ? {text} : {_js_str(MISSING)}"


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
        return _("%(points)s pp") % {"points": f"{points:+.{d}f}"}
    sign = "+" if delta >= 0 else "−"
    absolute = sign + format_value(abs(delta), fmt, digits=digits)
    if relative is None or not math.isfinite(relative):
        return absolute
    if fmt == "count":
        base = abs(delta / relative) if relative else None
        if base is not None and base >= COUNT_RELATIVE_FROM:
            return _("%(change)s (%(relative)s)") % {"change": absolute, "relative": f"{relative * 100:+.1f}%"}
        return absolute
    return f"{relative * 100:+.1f}%"


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


def _apply(rule: Rule, value: float, digits: int | None) -> str:
    scaled = value * rule.factor
    size = abs(scaled)
    step = next((s for s in rule.steps if size >= s.at), rule.steps[-1])  # NaN reaches no step
    negative = scaled < 0 or (rule.signed_zero and scaled == 0 and math.copysign(1.0, scaled) < 0)
    spec = f"{',' if step.grouped else ''}.{step.digits if digits is None else digits}f"
    return ("-" if negative else "") + rule.prefix + format(size / step.divisor, spec) + step.suffix + rule.after


def _step_expr(step: Step, size: str, digits: int | None) -> str:
    d = step.digits if digits is None else digits
    x = size if step.divisor == 1 else f"{size} / {_js(step.divisor)}"
    spec = _js_str(f"{',' if step.grouped else ''}.{d}f")
    # d3's format rounds a tie away from zero (toFixed: 2.25 → "2.3"), Python to even ("2.2").
    # x is a tie exactly when x·2^(d+1) is odd (multiplying by 2 is exact); then print the even neighbour.
    low = f"floor({x} * {10**d})" if d else f"floor({x})"
    even = f"{low} / {10**d}" if d else low
    fixed = f"({x} * {2 ** (d + 1)} % 2 === 1 && {low} % 2 === 0 ? format({even}, {spec}) : format({x}, {spec}))"
    return fixed if not step.suffix else f"{fixed} + {_js_str(step.suffix)}"


def _js(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(number)


def _js_str(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _plain(value) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)
