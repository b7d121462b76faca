"""Metric tables: a query result rendered with formatted numbers, column labels
and sortable columns (sorting is done by ``handbook.js`` on ``data-sort`` keys).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Sequence

from markupsafe import Markup

from site_build.data.result import QueryResult
from site_build.errors import MacroError, suggest
from site_build.formats import format_value, known, unknown
from site_build.render import fragment

NUMERIC_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "DOUBLE",
    "FLOAT",
    "DECIMAL",
    "UBIGINT",
    "UINTEGER",
)


def render_table(
    result: QueryResult,
    *,
    formats: dict | None = None,
    labels: dict | None = None,
    caption: str | None = None,
    table_id: str | None = None,
    sources: Sequence[tuple[str, str]] = (),
    top: int | None = None,
    bottom: int | None = None,
    flag_below: dict | None = None,
) -> Markup:
    """Return the HTML of a sortable table for ``result``.

    ``formats`` maps column names to a format (cny, percent, count, duration,
    number); ``labels`` maps column names to display headings. With ``top``
    (and ``bottom``), a table longer than both shows its first ``top`` and last
    ``bottom`` rows with the count left out between them, and the whole
    table folds out beneath (a ranking of 179 campaigns is read at its ends).
    ``flag_below`` maps a column to a line: its cells under the line are
    marked ✖ in the alert colour (a campaign losing money: ``{"ROI": 1}``).
    """
    formats = dict(formats or {})
    labels = dict(labels or {})
    for name in list(formats) + list(labels):
        if name not in result.columns:
            raise MacroError(
                f"table(): no column '{name}' in the query result. " + suggest(name, result.columns, noun="column")
            )
    specs = {name: _parse_format(name, fmt) for name, fmt in formats.items()}
    numeric = [_is_numeric(t) for t in result.types]
    columns = [
        {"name": c, "label": labels.get(c, c), "numeric": numeric[i] or c in formats}
        for i, c in enumerate(result.columns)
    ]
    flags = dict(flag_below or {})
    for name, line in flags.items():
        if name not in result.columns or not _finite(line):
            raise MacroError(
                f"table(): flag_below needs a column of the result and a number, got {name!r}: {line!r}. "
                + suggest(str(name), result.columns, noun="column")
            )
    rows = [
        [
            {
                "text": _cell(v, specs.get(c)),
                "sort": _sort_key(v),
                "numeric": columns[i]["numeric"],
                "flag": c in flags and _finite(v) and v < flags[c],
            }
            for i, (c, v) in enumerate(zip(result.columns, row))
        ]
        for row in result.rows
    ]
    bottom = bottom or 0
    ends = None
    if top and len(rows) > top + bottom:
        ends = {
            "top": rows[:top],
            "bottom": rows[len(rows) - bottom :] if bottom else [],
            "left_out": len(rows) - top - bottom,
        }
    return fragment(
        "table.html", columns=columns, rows=rows, caption=caption, table_id=table_id, sources=list(sources), ends=ends
    )


def _cell(value, spec: tuple[str, int | None] | None) -> str:
    # A count column reads in full (654,947 and 1,110,000), never switching to 万 halfway down.
    if spec and spec[0] == "count" and spec[1] is None and _finite(value) and abs(value) >= 1e6:
        return f"{round(value):,}"
    return format_value(value, spec[0], digits=spec[1]) if spec else format_value(value)


def _parse_format(column: str, spec: str) -> tuple[str, int | None]:
    """'percent' or 'percent:2' (two decimals) -> (format, digits)."""
    fmt, _, digits = str(spec).partition(":")
    if not known(fmt) or (digits and not digits.isdigit()):
        raise MacroError(
            f"table(): unknown format '{spec}' for column '{column}'. "
            + unknown(fmt)
            + " Add ':N' for N decimals, e.g. 'number:3'."
        )
    return fmt, int(digits) if digits else None


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_numeric(type_name: str) -> bool:
    return type_name.split("(")[0] in NUMERIC_TYPES


def _sort_key(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, float, decimal.Decimal)):
        return repr(float(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)
