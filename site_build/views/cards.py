"""KPI cards and the inline KPI figures (value, target, threshold, data date).

Each function takes the evaluated ``KPIValue`` and the ``PageContext`` it
renders on; it never reaches back into the session.
"""

from __future__ import annotations

import datetime as dt

from markupsafe import Markup

from site_build.errors import MacroError
from site_build.formats import format_value
from site_build.kpis.metrics import KPIValue
from site_build.render import fragment
from site_build.views.context import PageContext

STATUS_TEXT = {"on-track": "达标", "watch": "关注", "alert": "告警", "no-data": "无数据"}
STATUS_ICON = {"on-track": "✔", "watch": "⚠", "alert": "✖", "no-data": "？"}
PERIODS = ("current", "previous", "year_ago")
LEVELS = {"watch": "关注线", "alert": "告警线", "target": "目标", "target_max": "目标上限"}


def kpi_card(kv: KPIValue, page: PageContext, *, record: bool = True) -> Markup:
    """The card: value, status, target, deltas, sparkline, play and sources.

    ``record=False`` for a page that lists cards by status (需要行动): it shows
    the KPI, but it is not a page that uses it.
    """
    if record:
        page.shows(kv.kpi.id)
    page.source_links(kv.resources)
    return fragment(
        "kpi_card.html",
        card_id=page.unique_id(f"kpi-{kv.kpi.id}"),
        kpi=kv.kpi,
        status=kv.status,
        status_text=STATUS_TEXT[kv.status],
        icon=STATUS_ICON[kv.status],
        display=kv.display(),
        raw_value="" if kv.value is None else repr(kv.value),
        period=kv.period_label,
        target=kv.target_display,
        delta=kv.delta_display(),
        yoy=kv.delta_display("year_ago") if kv.year_ago is not None else None,
        arrow=_arrow(kv.delta()),
        delta_class={True: "good", False: "bad", None: "flat"}[kv.improved()],
        sparkline=_sparkline(kv),
        stale=kv.stale,
        latest_data=kv.latest_data.isoformat() if kv.latest_data else "—",
        play=kv.play,
        section_href=page.href(kv.kpi.play.section),
        dictionary_href=page.dictionary_href(kv.kpi.id),
        sources=page.source_links(kv.resources),
    )


def kpi_grid(cards: list[Markup]) -> Markup:
    return fragment("kpi_grid.html", cards=cards)


def value(kv: KPIValue, which: str, page: PageContext) -> Markup:
    """One of the KPI's figures in running text, coloured by status."""
    choices = {"current": kv.value, "previous": kv.previous, "year_ago": kv.year_ago}
    if which not in choices:
        raise MacroError(f"value('{kv.kpi.id}', '{which}'): unknown period. Choose one of: {', '.join(PERIODS)}.")
    page.shows(kv.kpi.id)
    page.source_links(kv.resources)
    return fragment(
        "inline.html",
        kind="value",
        status=kv.status,
        text=kv.display(choices[which]),
        title=f"{kv.kpi.label}，{kv.period_label}，状态：{STATUS_TEXT[kv.status]}",
    )


def target(kv: KPIValue, page: PageContext) -> Markup:
    page.shows(kv.kpi.id)
    return fragment("inline.html", kind="target", status=None, text=kv.target_display, title=f"{kv.kpi.label}目标")


def threshold(kv: KPIValue, level: str) -> Markup:
    kpi_id = kv.kpi.id
    if level not in LEVELS:
        raise MacroError(f"threshold('{kpi_id}', '{level}'): unknown level. Choose one of: {', '.join(LEVELS)}.")
    if level == "target_max" and kv.kpi.target_max is None:
        raise MacroError(
            f"threshold('{kpi_id}', 'target_max'): KPI '{kpi_id}' has no target_max. Add one to its catalogue entry."
        )
    return fragment(
        "inline.html",
        kind="threshold",
        status=None,
        text=kv.threshold_display(level),
        title=f"{kv.kpi.label}{LEVELS[level]}",
    )


def data_as_of(as_of: dt.date | None) -> Markup:
    return fragment(
        "inline.html", kind="as-of", status=None, text=as_of.isoformat() if as_of else "—", title="数据日期"
    )


def _arrow(delta: float | None) -> str:
    if not delta:
        return "→"
    return "▲" if delta > 0 else "▼"


def _sparkline(kv: KPIValue) -> dict | None:
    points = [(i, v) for i, (_, v) in enumerate(kv.history) if v is not None]
    if len(points) < 2:
        return None
    lo = min(v for _, v in points)
    hi = max(v for _, v in points)
    span = (hi - lo) or 1.0
    n = max(len(kv.history) - 1, 1)
    coords = [(round(i * 120 / n, 1), round(26 - (v - lo) / span * 24, 1)) for i, v in points]
    fmt, digits = kv.kpi.format, kv.kpi.digits
    return {
        "points": " ".join(f"{x},{y}" for x, y in coords),
        "last": coords[-1],
        "count": len(kv.history),
        "summary": f"最低 {format_value(lo, fmt, digits=digits)}，最高 {format_value(hi, fmt, digits=digits)}",
    }
