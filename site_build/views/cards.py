"""KPI cards and the inline KPI figures (value, target, threshold, data date).

Each function takes the evaluated ``KPIValue`` and the ``PageContext`` it
renders on; it never reaches back into the session.
"""

from __future__ import annotations

import datetime as dt

from markupsafe import Markup

from site_build.errors import MacroError
from site_build.formats import format_value, known, unknown
from site_build.i18n import N_, _
from site_build.kpis.metrics import KPIValue
from site_build.kpis.status import STATUS_ICON, status_text
from site_build.render import fragment
from site_build.views.context import PageContext

PERIODS = ("current", "previous", "year_ago")
LEVELS = {
    "watch": N_("%(kpi)s watch line"),
    "alert": N_("%(kpi)s alert line"),
    "target": N_("%(kpi)s target"),
    "target_max": N_("%(kpi)s target maximum"),
}


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
        slice=kv.slice_label,
        status=kv.status,
        status_text=status_text(kv.status),
        icon=_(STATUS_ICON[kv.status]),
        # a KPI over all the data has no period before it
        deltas=kv.kpi.window != "all",
        display=kv.display(),
        raw_value="" if kv.value is None else repr(kv.value),
        period=kv.period_label,
        target=kv.target_display,
        changes=_changes(kv),
        sparkline=_sparkline(kv),
        stale=kv.stale,
        latest_data=kv.latest_data.isoformat() if kv.latest_data else "—",
        play=kv.play,
        section_href=page.href(kv.kpi.play.section) if kv.kpi.play else None,
        dictionary_href=page.dictionary_href(kv.kpi.id),
        sources=page.source_links(kv.resources),
    )


#: how kpi_grid orders its cards: as given (the catalogue's order for a tag), or the worst status first
GRID_ORDERS = ("given", "status")
SEVERITY = {"alert": 0, "watch": 1, "no-data": 2, "on-track": 3}


def kpi_grid(values: list[KPIValue], page: PageContext, *, order: str = "given", summary: bool = False) -> Markup:
    """Cards in a grid; ``order="status"`` puts alerts first; ``summary`` adds a line counting each status."""
    if order not in GRID_ORDERS:
        raise MacroError(f"kpi_grid(order='{order}'): choose one of {', '.join(GRID_ORDERS)}.")
    if order == "status":
        values = sorted(values, key=lambda kv: SEVERITY[kv.status])  # stable: the given order within a status
    counts = [
        {"status": s, "icon": _(STATUS_ICON[s]), "text": status_text(s), "count": n}
        for s in SEVERITY
        if (n := sum(1 for kv in values if kv.status == s))
    ]
    return fragment("kpi_grid.html", cards=[kpi_card(kv, page) for kv in values], counts=counts if summary else None)


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
        title=_("%(kpi)s, %(period)s, status: %(status)s")
        % {"kpi": kv.label, "period": kv.period_label, "status": status_text(kv.status)},
    )


def target(kv: KPIValue, page: PageContext) -> Markup:
    page.shows(kv.kpi.id)
    return fragment(
        "inline.html",
        kind="target",
        status=None,
        text=kv.target_display,
        title=_(LEVELS["target"]) % {"kpi": kv.kpi.label},
    )


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
        title=_(LEVELS[level]) % {"kpi": kv.kpi.label},
    )


def data_as_of(as_of: dt.date | None) -> Markup:
    return fragment(
        "inline.html", kind="as-of", status=None, text=as_of.isoformat() if as_of else "—", title=_("Data date")
    )


def _changes(kv: KPIValue) -> list[dict]:
    """Each delta with its own arrow and tone: month on month and year on year may point opposite ways."""
    changes = [_change(kv, "previous", _("vs previous period"))]
    if kv.year_ago is not None:
        changes.append(_change(kv, "year_ago", _("vs a year ago")))
    return changes


def _change(kv: KPIValue, against: str, label: str) -> dict:
    tone = {True: "good", False: "bad", None: "flat"}[kv.improved(against)]
    # the tone in words as well as colour (WCAG 1.4.1), for screen readers
    words = {"good": _(" (better)"), "bad": _(" (worse)"), "flat": ""}[tone]
    return {
        "label": label,
        "text": kv.delta_display(against),
        "arrow": _arrow(kv.delta(against)),
        "tone": tone,
        "words": words,
    }


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
    # The target is on the same scale, as a dashed line: a wobble of a few percent reads as one, not as a trend.
    target = kv.kpi.target
    top, bottom = max(hi, target), min(lo, target)
    span = (top - bottom) or 1.0
    n = max(len(kv.history) - 1, 1)
    coords = [(round(i * 120 / n, 1), round(26 - (v - bottom) / span * 24, 1)) for i, v in points]
    fmt, digits = kv.kpi.format, kv.kpi.digits
    return {
        "points": " ".join(f"{x},{y}" for x, y in coords),
        "target": round(26 - (target - bottom) / span * 24, 1),
        "last": coords[-1],
        "count": len(kv.history),
        "summary": _("lowest %(low)s, highest %(high)s, target %(target)s")
        % {
            "low": format_value(lo, fmt, digits=digits),
            "high": format_value(hi, fmt, digits=digits),
            "target": format_value(target, fmt, digits=digits),
        },
    }


def figures(result, formats: dict, kpis: dict, page: PageContext, *, caption: str | None = None) -> Markup:
    """A one-row result as big figures, one per column; a column judged by a KPI shows its status too."""
    row = result.rows[0]
    items = []
    for column, value in zip(result.columns, row):
        fmt = formats.get(column) or (kpis[column].format if column in kpis else None)
        if fmt is not None and not known(fmt):
            raise MacroError(f"figures(): unknown format '{fmt}' for column '{column}'. " + unknown(fmt))
        status = kpis[column].status_of(value) if column in kpis else None
        items.append(
            {
                "label": column,
                "text": format_value(value, fmt),
                "status": status,
                "icon": _(STATUS_ICON[status]) if status else "",
                "status_text": status_text(status) if status else "",
                "target": format_value(kpis[column].target, fmt) if column in kpis else None,
            }
        )
    return fragment("figures.html", items=items, caption=caption, sources=page.source_links(result.resources))
