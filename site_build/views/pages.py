"""Pages generated from the catalogue: what needs action now, and the KPI dictionary."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from markupsafe import Markup

from site_build.formats import format_delta, format_value
from site_build.i18n import N_, _
from site_build.kpis.catalogue import Catalogue
from site_build.kpis.metrics import KPIValue, Metrics
from site_build.render import fragment
from site_build.views.cards import SEVERITY, STATUS_ICON, kpi_card, status_text
from site_build.views.context import PageContext

#: where the dictionary lists a KPI's pages; filled in once every page has rendered (see ``fill_kpi_pages``)
PAGES_SLOT = re.compile(r"<!--hb-kpi-pages:([a-z][a-z0-9_]*)-->")


def action_list(values: list[KPIValue], as_of: dt.date | None, page: PageContext) -> Markup:
    """Every KPI in watch or alert, worst first, with its play and chapter link."""
    items: list[dict[str, Any]] = []
    for kv in sorted(values, key=lambda kv: (SEVERITY[kv.status], kv.kpi.id)):
        if kv.status not in ("watch", "alert"):
            continue
        # The card carries the play, the owner and the link to the chapter section.
        items.append(
            {
                "kv": kv,
                "card": kpi_card(kv, page, record=False),
                "play": kv.play,
                "status_text": status_text(kv.status),
                "icon": _(STATUS_ICON[kv.status]),
                "section_href": page.href(kv.kpi.play.section) if kv.kpi.play else None,
                "gap": _gap(kv),
                "periods": kv.breached_periods(),
            }
        )
    counts = {s: sum(1 for i in items if i["kv"].status == s) for s in ("alert", "watch")}
    return fragment("actions.html", items=items, counts=counts, as_of=as_of)


def _gap(kv: KPIValue) -> str:
    """How far the value is from the target, signed: percentage points for a ratio."""
    if kv.value is None:
        return "—"
    return format_delta(kv.value - kv.kpi.target, kv.kpi.format, digits=kv.kpi.digits)


#: a KPI's window in words (message ids)
WINDOWS = {"period": N_("per period"), "to_date": N_("to date"), "all": N_("over all the data")}
#: a KPI's grain in words (message ids)
GRAINS = {
    "day": N_("daily"),
    "week": N_("weekly"),
    "month": N_("monthly"),
    "quarter": N_("quarterly"),
    "year": N_("yearly"),
}


def kpi_dictionary(catalogue: Catalogue, metrics: Metrics, page: PageContext) -> Markup:
    """Every KPI's definition, formula, target, thresholds, owner and a slot for the pages that use it.

    Which pages use a KPI is known only once every page has rendered, so the
    host calls ``fill_kpi_pages`` on this page's HTML after that.
    """
    entries = []
    for kpi in catalogue.kpis.values():
        fmt = lambda v, kpi=kpi: format_value(v, kpi.format, digits=kpi.digits, unit=kpi.unit)  # noqa: E731
        # past a threshold is below it when higher is better
        beyond = _("below %(value)s") if kpi.direction == "higher" else _("above %(value)s")
        entries.append(
            {
                "kpi": kpi,
                "target": fmt(kpi.target),
                "watch": beyond % {"value": fmt(kpi.watch_level)},
                "alert": beyond % {"value": fmt(kpi.alert)},
                "direction": _("higher is better") if kpi.direction == "higher" else _("lower is better"),
                "grain": _(GRAINS[kpi.grain]),
                "window": _(WINDOWS[kpi.window]),
                "formula": kpi.formula,
                "section": page.href(kpi.play.section) if kpi.play else None,
                "sources": page.source_links([kpi.resource] if kpi.resource else metrics.get(kpi.id).resources),
            }
        )
    return fragment("dictionary.html", entries=entries)


def fill_kpi_pages(
    html: str, kpi_pages: dict[str, list[str]], page: PageContext, titles: dict[str, str] | None = None
) -> str:
    """The dictionary's HTML with each KPI's list of the pages that showed it, linked from ``page``.

    Each page is named by its title in ``titles`` (by source path), else by its path.
    """
    titles = titles or {}

    def links(match: re.Match) -> str:
        pages = [(titles.get(src) or src, page.href(src)) for src in kpi_pages.get(match.group(1), [])]
        return str(fragment("kpi_pages.html", pages=pages))

    return PAGES_SLOT.sub(links, html)
