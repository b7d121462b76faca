"""The 指标历史 chart: small multiples of each KPI across the published versions."""

from __future__ import annotations

import math

from site_build.data.store import NO_STORE, Store
from site_build.formats import known
from site_build.views import vega
from site_build.views.charts import to_spec
from site_build.views.specs import cached_spec, spec_key


def history_spec(series: dict[str, dict], *, description: str, store: Store = NO_STORE) -> dict:
    """The normalised spec of ``history_chart(series)``, kept in the store by what it draws.

    Altair takes about 0.6 s to build this chart, on every build, so the spec
    is cached like a declared chart's, keyed by the values it plots.
    """
    drawn = [
        (
            line["label"],
            line.get("format"),
            [(p.get("data_as_of"), p["value"], p["display"], p["status"]) for p in line["points"]],
        )
        for line in series.values()
    ]
    key = spec_key("kpi-history", description, drawn)
    return cached_spec(store, key, lambda: to_spec(history_chart(series), description=description, validate=False))


def history_chart(series: dict[str, dict]):
    """Small multiples of each KPI's value across versions, one panel per KPI with its own scale.

    ``series`` is ``history.history()``'s result. Each panel's axis labels its
    numbers in the KPI's format, by the same rules as its card; tooltips show
    the values as the builds displayed them. The version ids stay out (the
    table under the chart lists them): the id of the version being built
    changes with every edit of a chapter, and the chart would be drawn again.
    """
    import altair as alt  # only when the spec is not in the store

    panels = []
    for line in series.values():
        records = [
            {
                "指标": line["label"],
                "数据日期": label,
                "数值": point["value"],
                "显示": point["display"],
                "状态": point["status"],
            }
            for point, label in zip(line["points"], _date_labels(line["points"]))
        ]
        axis = vega.number_axis(line.get("format") if known(line.get("format") or "") else None)
        values = [p["value"] for p in line["points"] if p["value"] is not None]
        # Vega's own ticks over a 70 px panel split 0–1 into 0, 0.5, 1, which whole numbers label 0, 0, 1
        ticks = _ticks(min([0.0, *values]), max([0.0, *values]), float(axis["tickMinStep"]))
        panel = (
            alt.Chart(alt.InlineData(values=records), title=alt.TitleParams(line["label"], fontWeight="bold"))
            .mark_line(point=True)
            .encode(
                x=alt.X("数据日期:O", title=None, axis=alt.Axis(labelAngle=0, labelLimit=80)),
                y=alt.Y(
                    "数值:Q",
                    title=None,
                    axis=alt.Axis(values=ticks, **axis),
                    scale=alt.Scale(domain=[ticks[0], ticks[-1]], nice=False),
                ),
                tooltip=[
                    alt.Tooltip("指标:N"),
                    alt.Tooltip("数据日期:N"),
                    alt.Tooltip("显示:N", title="数值"),
                    alt.Tooltip("状态:N"),
                ],
            )
            .properties(width=170, height=70)
        )
        panels.append(panel)
    return alt.concat(*panels, columns=3)


def _ticks(low: float, high: float, min_step: float, count: int = 3) -> list[float]:
    """About ``count`` steps of 1, 2 or 5 × 10ⁿ from ``low`` to ``high``, each step at least ``min_step``."""
    span = high - low or abs(high) or 1.0
    raw = max(span / count, min_step)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-9))
    first, last = _whole(low / step, math.floor), _whole(high / step, math.ceil)
    last = max(last, first + 1)
    # round away float noise (0.30000000000000004) so the spec, and its cache key, stay stable
    return [round(i * step, 12) for i in range(first, last + 1)]


def _whole(quotient: float, rounding) -> int:
    """``rounding(quotient)``, but a quotient a float's error away from a whole number is that number."""
    near = round(quotient)
    return near if abs(quotient - near) < 1e-9 else rounding(quotient)


def _date_labels(points: list[dict]) -> list[str]:
    """Each point's data date; a date seen again gets "(2)", "(3)": two versions of one month stay two points."""
    seen: dict[str, int] = {}
    labels = []
    for point in points:
        date = point.get("data_as_of") or ""
        seen[date] = seen.get(date, 0) + 1
        labels.append(date if seen[date] == 1 else f"{date} ({seen[date]})")
    return labels
