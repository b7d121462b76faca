"""KPI snapshots: the KPI part of a build manifest, and series across versions."""

from __future__ import annotations


def snapshot(build: dict) -> dict:
    """The KPI part of a build manifest: {version, data_as_of, kpis: {id: {label, value, display, status, ...}}}."""
    keys = ("label", "format", "direction", "target", "period", "value", "display", "status", "owner")
    kpis = {kpi_id: {k: kpi.get(k) for k in keys} for kpi_id, kpi in (build.get("kpis") or {}).items()}
    return {"version": build.get("version"), "data_as_of": build.get("data_as_of"), "kpis": kpis}


def series(published: list[tuple[dict, dict]], *, current: dict | None = None) -> dict[str, dict]:
    """Per KPI: {label, format, direction, points}, with the points oldest first.

    A point is {version, title, data_as_of, value, display, status}.

    ``published`` is ``(versions.json entry, build manifest)`` per version,
    newest first, as ``publish.published.builds`` reads them. ``current`` (a
    build manifest or snapshot) adds the version being built when it is not
    published yet, so the page shows the same series before and after
    ``handbook publish``.
    """
    docs = list(reversed(published))
    if current is not None and not any(e["version"] == current.get("version") for e, _ in published):
        docs.append(({"version": current.get("version"), "title": current.get("version")}, current))
    lines: dict[str, dict] = {}
    for entry, build in docs:
        for kpi_id, kpi in snapshot(build)["kpis"].items():
            line = lines.setdefault(
                kpi_id, {"label": kpi["label"], "format": kpi["format"], "direction": kpi["direction"], "points": []}
            )
            line["label"] = kpi["label"]
            line["points"].append(
                {
                    "version": entry["version"],
                    "title": entry.get("title") or entry["version"],
                    "data_as_of": build.get("data_as_of"),
                    "value": kpi["value"],
                    "display": kpi["display"],
                    "status": kpi["status"],
                }
            )
    return lines
