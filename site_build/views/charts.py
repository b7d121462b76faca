"""Charts: Vega-Lite specs built with Altair from query results, with static SVG fallbacks.

This module, ``vega`` and ``history_chart`` are the only ones that import ``altair`` or
``vl_convert``. A chart's data is always inlined in its spec: under ``file://``
the browser blocks fetching neighbouring files, so ``data.url`` would draw
nothing. The same input gives byte-identical HTML: keys are sorted, and
Altair 6 names params and views by content hash (tested across processes).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from site_build.data.result import QueryResult
from site_build.data.store import NO_STORE, Store
from site_build.errors import ChartError, MacroError, suggest
from site_build.formats import format_period, format_value, known, unknown
from site_build.render import fragment
from site_build.views import vega
from site_build.views.context import ChartStats
from site_build.views.specs import cached_spec, code_of, spec_key

if TYPE_CHECKING:
    import altair as alt

# Altair is imported where a chart is built (0.3 s): a build that finds every spec in the store never loads it.

MARKS = ("line", "bar", "area", "point", "arc")
TYPES = ("quantitative", "temporal", "nominal", "ordinal")
SORTS = ("ascending", "descending", "x", "-x", "y", "-y")
_NUMERIC = re.compile(
    r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL.*)$"
)
_WHOLE = re.compile(r"^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$")
#: points on lines only while they stay readable; they are the hover targets for tooltips
_MAX_LINE_POINTS = 120


@dataclass(frozen=True)
class ChartSpec:
    """A declarative chart: which columns of a query result go on which channel."""

    id: str
    title: str
    #: columns of the query result; empty means not given, which _check_spec refuses
    x: str = ""
    y: str = ""
    mark: str = "line"
    description: str | None = None
    color: str | None = None
    format: str | None = None
    x_type: str | None = None
    y_type: str | None = None
    sort: str | list | None = None
    height: int = 280
    #: dashed reference lines across the chart: {"value", "label", "kind": target | watch | alert}
    rules: tuple = ()


#: the drawing options of a declared chart (catalogue entry or chart() call)
OPTIONS = ("mark", "x", "y", "color", "format", "height", "x_type", "y_type", "sort")


def declared_chart(options: dict, chart_id: str, title: str, description: str) -> ChartSpec:
    """The ``ChartSpec`` of a chart declared in the catalogue or a chart() call; refuses unknown options."""
    fmt = options.get("format")
    if fmt is not None and not known(fmt):
        raise MacroError(f"chart('{chart_id}'): unknown format '{fmt}'. " + unknown(fmt))
    extra = set(options) - set(OPTIONS) - {"id", "title", "description", "function", "line", "kpi", "rules"}
    if extra:
        valid = ", ".join(sorted({*OPTIONS, "title", "description", "sql", "query"}))
        raise MacroError(f"chart('{chart_id}'): unknown option(s) {', '.join(sorted(extra))}. Valid options: {valid}.")
    chosen = {k: options[k] for k in OPTIONS if options.get(k) is not None}
    rules = tuple(options.get("rules") or ())
    return ChartSpec(id=chart_id, title=title, description=description, rules=rules, **chosen)


def build_chart(spec: ChartSpec, result: QueryResult) -> alt.Chart | alt.LayerChart:
    """Return an Altair chart for ``spec`` over ``result``, data inlined, with tooltips.

    Raises ChartError for an unknown mark, column, type, format or sort.
    """
    import altair as alt

    _check_spec(spec, result)
    x_type = spec.x_type or _infer_type(result, spec.x)
    y_type = spec.y_type or _infer_type(result, spec.y)
    color_type = _infer_type(result, spec.color) if spec.color else None
    if spec.mark == "arc":
        color_type = "nominal"
    grain = _grain(result.column(spec.x)) if x_type == "temporal" else None
    texts = _text_fields(spec, result, x_type, y_type, grain)
    records = _records(result, texts)
    whole = {c for c, t in zip(result.columns, result.types) if _WHOLE.match(t.upper())}
    # The encoding goes in as plain dicts, not through chart.encode(): that wraps each channel with
    # Altair's from_dict, which hashes the whole schema on every call (30 ms a chart, 4 ms this way);
    # to_spec still validates the finished spec.
    chart = alt.Chart(
        alt.InlineData(values=records),
        mark=alt.MarkDef(**_mark(spec, len(result))),
        encoding=alt.FacetedEncoding(**_encoding(spec, x_type, y_type, color_type, grain, texts, whole)),
    )
    if spec.rules and spec.mark != "arc":
        layered = alt.layer(chart, *_rules(spec.rules, spec.y))
        return layered.properties(description=spec.description or spec.title, height=spec.height)
    return chart.properties(description=spec.description or spec.title, height=spec.height)


#: the colours of reference lines: the card's own status colours (handbook.css), not the data's palette
RULE_COLOURS = {"target": "#1b7f3b", "watch": "#9a6700", "alert": "#c62828"}


def _rules(rules: tuple, y_title: str) -> list:
    """Dashed lines at each rule's value, labelled at the right end in its colour; no legend entry.

    Their y channel carries the chart's own y title: Vega-Lite drops a shared axis's title when layers differ.
    """
    import altair as alt

    data = alt.Chart(alt.InlineData(values=[dict(r) for r in rules]))
    colour = alt.Color(
        "kind:N", scale=alt.Scale(domain=list(RULE_COLOURS), range=list(RULE_COLOURS.values())), legend=None
    )
    y = alt.Y("value:Q", title=y_title)
    line = data.mark_rule(strokeDash=[6, 4], strokeWidth=1.5).encode(y=y, color=colour)
    label = data.mark_text(align="right", baseline="bottom", dx=-2, dy=-3).encode(
        x=alt.value("width"), y=y, text="label:N", color=colour
    )
    return [line, label]


def declared_spec(spec: ChartSpec, result: QueryResult, *, store: Store = NO_STORE) -> dict:
    """The normalised Vega-Lite spec of a declarative chart: ``to_spec(build_chart(...))``.

    Altair takes about 70 ms to build and validate one chart, most of a warm
    build's chart time, so the spec is kept in the store's "specs" namespace,
    keyed by the declaration, the data, the library versions and the source of
    the modules that shape the spec.
    """
    key = spec_key(dataclasses.asdict(spec), result.to_json())
    return cached_spec(
        store, key, lambda: to_spec(build_chart(spec, result), description=spec.description or spec.title)
    )


def render_chart(chart, *, title: str, description: str | None = None, **options) -> Markup:
    """Return the chart's ``<figure>`` as Markup: live container, inline spec and static SVG.

    ``chart`` is any Altair top-level chart (from ``build_chart`` or a team's
    chart function in ``macros/``); ``options`` are ``render_spec``'s.
    """
    spec = to_spec(chart, description=description or title)
    return render_spec(spec, title=title, description=description, **options)


def render_spec(
    spec: dict,
    *,
    chart_id: str,
    title: str,
    description: str | None = None,
    sources: Sequence[tuple[str, str]] = (),
    store: Store = NO_STORE,
    stats: ChartStats | None = None,
) -> Markup:
    """``render_chart`` for a spec already normalised by ``to_spec`` (or ``declared_spec``).

    ``stats``, if given, counts the static SVG as drawn or taken from the store.
    """
    svg = vega.static_svg(spec, chart_id=chart_id, store=store, stats=stats)
    return fragment(
        "chart.html",
        chart_id=chart_id,
        title=title,
        description=description,
        spec=spec,
        svg=svg,
        sources=list(sources),
    )


def function_spec(function: Callable, result: QueryResult, *, description: str, store: Store = NO_STORE) -> dict:
    """The spec of a team's chart function over ``result``, kept in the store by its code and its data.

    The key covers every Python file beside the function's module (all of macros/), so an edit
    there draws the chart again; a function with no source file is never reused from the store.
    """
    key = spec_key("function", function.__qualname__, code_of(function), description, result.to_json())
    return cached_spec(store, key, lambda: to_spec(function(result), description=description))


def to_spec(chart, *, description: str | None = None, validate: bool = True) -> dict:
    """Return the normalised Vega-Lite spec of an Altair chart, as a dict.

    Adds a container-wide width, the zh-CN locale and a description when the
    chart has none; refuses data loaded by URL. ``validate=False`` skips
    Altair's schema check (0.7 s for the 指标历史 chart) for the engine's own
    charts, whose tests check their specs; a team's chart is always checked.
    """
    import altair as alt

    if not isinstance(chart, alt.TopLevelMixin):
        raise ChartError(
            f"Expected an Altair chart, got {type(chart).__name__}. "
            "A chart function in macros/ must return an altair.Chart (or a layer/concat of charts)."
        )
    try:
        spec = chart.to_dict(validate=validate)
    except Exception as error:  # Altair raises schema and value errors of several kinds
        raise ChartError(f"The Altair chart is not a valid Vega-Lite spec: {str(error).splitlines()[0]}") from error
    _refuse_urls(spec)
    return vega.normalise(spec, description=description)


runtime_files = vega.runtime_files


def _check_spec(spec: ChartSpec, result: QueryResult) -> None:
    where = f"chart '{spec.id}'"
    if spec.mark not in MARKS:
        raise ChartError(f"{where}: unknown mark '{spec.mark}'. Valid marks: {', '.join(MARKS)}.")
    if not spec.x or not spec.y:
        raise ChartError(
            f"{where}: give both x and y (column names of the query result). Columns: {', '.join(result.columns)}."
        )
    for channel in ("x", "y", "color"):
        name = getattr(spec, channel)
        if name is not None and name not in result.columns:
            raise ChartError(
                f"{where}: {channel} column '{name}' is not in the query result. "
                + suggest(name, result.columns, noun="column")
            )
    for attr in ("x_type", "y_type"):
        value = getattr(spec, attr)
        if value is not None and value not in TYPES:
            raise ChartError(f"{where}: unknown {attr} '{value}'. Valid types: {', '.join(TYPES)}.")
    if spec.format is not None and not known(spec.format):
        raise ChartError(f"{where}: unknown format '{spec.format}'. " + unknown(spec.format))
    if spec.sort is not None and not isinstance(spec.sort, list) and spec.sort not in SORTS:
        raise ChartError(
            f"{where}: unknown sort '{spec.sort}'. Valid sorts: {', '.join(SORTS)}, or a list of x values."
        )


def _infer_type(result: QueryResult, column: str) -> str:
    type_name = result.types[result.columns.index(column)].upper()
    if type_name == "DATE" or type_name.startswith("TIMESTAMP"):
        return "temporal"
    return "quantitative" if _NUMERIC.match(type_name) else "nominal"


def _grain(values: list) -> str | None:
    """'year', 'month' or 'day' when every date sits on that boundary (aligns ticks and labels)."""
    dates = [v for v in values if isinstance(v, dt.date)]
    if not dates or any(isinstance(v, dt.datetime) and v.time() != dt.time() for v in dates):
        return None
    if all(d.day == 1 for d in dates):
        return "year" if all(d.month == 1 for d in dates) and len(set(dates)) > 1 else "month"
    return "day"


def _text_fields(
    spec: ChartSpec, result: QueryResult, x_type: str, y_type: str, grain: str | None
) -> dict[str, tuple[int, Callable]]:
    """Column -> (text field index, formatter) for tooltips that read like the tables do."""
    formatters = {}
    if x_type == "temporal":
        formatters[spec.x] = lambda v: format_period(v, grain) if grain else format_value(v)
    elif x_type == "quantitative":
        formatters[spec.x] = format_value
    if y_type == "quantitative":
        formatters[spec.y] = lambda v: format_value(v, spec.format)
    return {col: (i, fn) for i, (col, fn) in enumerate(formatters.items())}


def _records(result: QueryResult, texts: dict) -> list[dict]:
    records = result.records()
    for record, row in zip(records, result.rows):
        for col, (i, fn) in texts.items():
            record[f"_text_{i}"] = fn(row[result.columns.index(col)])
    return records


def _mark(spec: ChartSpec, rows: int) -> dict:
    mark = {"type": spec.mark, "tooltip": True}
    if spec.mark == "line" and rows <= _MAX_LINE_POINTS:
        mark["point"] = True
    if spec.mark == "point":
        mark["filled"] = True
        mark["size"] = 60
    if spec.mark == "area":
        mark["opacity"] = 0.85
    if spec.mark == "arc":
        mark["innerRadius"] = 0
    return mark


def _encoding(spec: ChartSpec, x_type, y_type, color_type, grain, texts, whole: set[str]) -> dict:
    x_format = spec.format if x_type == "quantitative" and spec.mark == "arc" else None
    x = _channel(spec.x, x_type, x_format, grain, whole=spec.x in whole)
    y = _channel(spec.y, y_type, spec.format, None, whole=spec.y in whole)
    tooltip = [_tooltip(spec.x, x_type, texts)]
    if spec.color and spec.color != spec.x:
        tooltip.append(_tooltip(spec.color, color_type, texts))
    tooltip.append(_tooltip(spec.y, y_type, texts))
    if spec.mark == "arc":
        theta = {k: v for k, v in y.items() if k in ("field", "type", "title")}
        theta["stack"] = True
        color = {"field": x["field"], "type": "nominal", "title": spec.x, "sort": None}
        return {"theta": theta, "color": color, "tooltip": tooltip}
    if x_type in ("nominal", "ordinal") or spec.sort is not None:
        x["sort"] = spec.sort
    if x_type == "temporal" and spec.mark == "bar" and vega.time_unit(grain):
        # one band per period: bars on a continuous time scale would be slivers
        x.update(type="ordinal", timeUnit=vega.time_unit(grain))
        del x["scale"]
        x["axis"] = {k: v for k, v in x["axis"].items() if k in ("format", "labelAngle")}
    encoding = {"x": x, "y": y, "tooltip": tooltip}
    if spec.color:
        encoding["color"] = {"field": _field(spec.color), "type": color_type, "title": spec.color}
    return encoding


def _channel(column: str, type_: str, fmt: str | None, grain: str | None, *, whole: bool = False) -> dict:
    channel: dict[str, Any] = {"field": _field(column), "type": type_, "title": column}
    if type_ == "temporal":
        channel["scale"] = {"type": "utc"}
        channel["axis"] = vega.time_axis(grain)
    elif type_ == "quantitative":
        channel["axis"] = vega.number_axis(fmt, whole=whole)
    else:
        channel["axis"] = {"labelAngle": 0, "labelLimit": 120}
    return channel


def _tooltip(column: str, type_: str, texts: dict) -> dict:
    if column in texts:
        return {"field": f"_text_{texts[column][0]}", "type": "nominal", "title": column}
    return {"field": _field(column), "type": type_ if type_ in ("nominal", "ordinal") else "nominal", "title": column}


def _field(column: str) -> str:
    """Vega-Lite reads '.', '[' and quotes in field names as nested access; escape them."""
    return re.sub(r"([.\[\]\\'\"])", r"\\\1", column)


def _refuse_urls(node, key: str | None = None) -> None:
    if isinstance(node, dict):
        if key == "data" and "url" in node:
            raise ChartError(
                f"The chart loads its data from a URL ({node['url']!r}). Under file:// the browser blocks that, "
                "so the chart would be empty. Pass the rows themselves: "
                "alt.Chart(alt.InlineData(values=result.records()))."
            )
        for k, v in node.items():
            _refuse_urls(v, k)
    elif isinstance(node, list):
        for item in node:
            _refuse_urls(item, key)
