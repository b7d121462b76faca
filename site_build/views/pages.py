"""Pages generated from the catalogue: what needs action now, and the KPI dictionary."""

from __future__ import annotations

from markupsafe import Markup

from site_build.formats import format_value
from site_build.render import fragment

SEVERITY = {"alert": 0, "watch": 1, "no-data": 2, "on-track": 3}


def action_list(handbook) -> Markup:
    """Every KPI in watch or alert, worst first, with its play and chapter link."""
    items = []
    for kv in sorted(handbook.metrics.all(), key=lambda kv: (SEVERITY[kv.status], kv.kpi.id)):
        if kv.status not in ("watch", "alert"):
            continue
        # The card carries the play, the owner and the link to the chapter section.
        items.append({"kv": kv, "card": handbook.kpi_card(kv.kpi.id), "play": kv.play})
    counts = {s: sum(1 for i in items if i["kv"].status == s) for s in ("alert", "watch")}
    return fragment("actions.html", items=items, counts=counts, as_of=handbook.as_of)


def kpi_dictionary(handbook) -> Markup:
    """Every KPI's definition, formula, target, thresholds, owner and the pages that use it."""
    entries = []
    for kpi in handbook.catalogue.kpis.values():
        fmt = lambda v, kpi=kpi: format_value(v, kpi.format, digits=kpi.digits, unit=kpi.unit)  # noqa: E731
        comparison = "低于" if kpi.direction == "higher" else "高于"
        entries.append(
            {
                "kpi": kpi,
                "target": fmt(kpi.target),
                "watch": f"{comparison} {fmt(kpi.watch_level)}",
                "alert": f"{comparison} {fmt(kpi.alert)}",
                "direction": "越高越好" if kpi.direction == "higher" else "越低越好",
                "grain": {"day": "日", "week": "周", "month": "月", "quarter": "季度", "year": "年"}[kpi.grain],
                "window": "累计至今" if kpi.window == "to_date" else "按周期",
                "formula": kpi.formula,
                "section": handbook.href(kpi.play.section),
                "pages": [(src, handbook.href(src)) for src in handbook.kpi_pages.get(kpi.id, [])],
                "sources": handbook.source_links(
                    [kpi.resource] if kpi.resource else handbook.metrics.get(kpi.id).resources
                ),
            }
        )
    return fragment("dictionary.html", entries=entries)
