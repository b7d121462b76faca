"""KPI movements between published versions: 本版变化 and the KPI history.

Each version's ``build.json`` already holds its KPI snapshot. ``compare``
lines up two snapshots, worst news first; ``history`` reads every version
listed in ``public/versions.json`` into one series per KPI. Values are shown
with the ``display`` strings the build wrote, so formatting stays in one place.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from site_build import publishing
from site_build.formats import format_delta
from site_build.render import fragment

#: how bad a status is; no-data counts as bad as watch (the number cannot be trusted)
STATUS_RANK = {"on-track": 0, "watch": 1, "no-data": 1, "alert": 2}
STATUS_TEXT = {"on-track": "达标", "watch": "关注", "alert": "告警", "no-data": "无数据", None: "—"}

#: order of the 本版变化 table: worst news first
KINDS = ("new-alert", "worsened", "adverse", "unchanged", "favourable", "improved", "added", "removed")


@dataclass(frozen=True)
class Change:
    """How one KPI moved between two versions."""

    kpi: str
    label: str
    kind: str
    previous: float | None
    value: float | None
    previous_display: str
    display: str
    delta: float | None
    delta_display: str
    previous_status: str | None
    status: str | None
    adverse: float
    """Relative move against the KPI's direction: positive is bad news, negative good."""

    @property
    def status_changed(self) -> bool:
        return None not in (self.previous_status, self.status) and self.previous_status != self.status

    @property
    def status_text(self) -> str:
        """'关注 → 告警' when the status changed, else the status."""
        if self.status_changed:
            return f"{STATUS_TEXT.get(self.previous_status, self.previous_status)} → {STATUS_TEXT.get(self.status, self.status)}"
        return STATUS_TEXT.get(self.status, self.status)


def snapshot(build: dict) -> dict:
    """The KPI part of a build manifest: {version, data_as_of, kpis: {id: {label, value, display, status, ...}}}."""
    keys = ("label", "format", "direction", "target", "period", "value", "display", "status", "owner")
    kpis = {kpi_id: {k: kpi.get(k) for k in keys} for kpi_id, kpi in (build.get("kpis") or {}).items()}
    return {"version": build.get("version"), "data_as_of": build.get("data_as_of"), "kpis": kpis}


def compare(current: dict, previous: dict | None) -> list[Change]:
    """Changes from ``previous`` to ``current`` (snapshots or build manifests): every KPI of ``current`` (and any dropped since ``previous``), worst change first."""
    # snapshot() of a snapshot is the same snapshot, so either kind of document will do.
    now = snapshot(current)["kpis"]
    before = {} if previous is None else snapshot(previous)["kpis"]
    changes = [_change(kpi_id, now.get(kpi_id), before.get(kpi_id)) for kpi_id in [*now, *(k for k in before if k not in now)]]
    return sorted(changes, key=lambda c: (KINDS.index(c.kind), -c.adverse, c.label))


def history(public_dir, *, current: dict | None = None) -> dict[str, dict]:
    """Per KPI: {label, format, direction, points: [{version, title, data_as_of, value, display, status}]}, oldest first.

    ``current`` (a build manifest or snapshot) adds the version being built
    when it is not published yet, so the page shows the same series before
    and after ``handbook publish``.
    """
    public = Path(public_dir)
    listed = publishing.read_versions(public) if (public / publishing.VERSIONS_JSON).is_file() else []
    docs = [(e, _read_build(public / e["version"])) for e in reversed(listed)]
    if current is not None and not any(e["version"] == current.get("version") for e in listed):
        docs.append(({"version": current.get("version"), "title": current.get("version")}, current))
    series: dict[str, dict] = {}
    for entry, build in docs:
        if build is None:
            continue
        for kpi_id, kpi in snapshot(build)["kpis"].items():
            line = series.setdefault(kpi_id, {"label": kpi["label"], "format": kpi["format"], "direction": kpi["direction"], "points": []})
            line["label"] = kpi["label"]
            line["points"].append({"version": entry["version"], "title": entry.get("title") or entry["version"],
                                   "data_as_of": build.get("data_as_of"), "value": kpi["value"], "display": kpi["display"], "status": kpi["status"]})
    return series


def previous_snapshot(public_dir, current_version: str) -> dict | None:
    """The snapshot of the version published before ``current_version``, or None for the first one.

    At build time the current version is not published yet: then the newest
    published version is the previous one.
    """
    public = Path(public_dir)
    if not (public / publishing.VERSIONS_JSON).is_file():
        return None
    versions = [e["version"] for e in publishing.read_versions(public)]
    older = versions[versions.index(current_version) + 1:] if current_version in versions else versions
    for version in older:
        build = _read_build(public / version)
        if build is not None:
            return snapshot(build)
    return None


def changes_html(changes: list[Change], *, previous: dict | None) -> Markup:
    """The 本版变化 table (templates/changes.html)."""
    return fragment("changes.html", changes=changes, previous=previous, status_text=STATUS_TEXT)


def history_html(series: dict[str, dict]) -> Markup:
    """One table, a row per KPI and a column per version, oldest first (templates/kpi_history.html)."""
    versions: dict[str, dict] = {}
    for line in series.values():
        for point in line["points"]:
            versions.setdefault(point["version"], point)
    rows = [
        {"id": kpi_id, "label": line["label"], "cells": [{p["version"]: p for p in line["points"]}.get(v) for v in versions]}
        for kpi_id, line in series.items()
    ]
    return fragment("kpi_history.html", versions=list(versions.values()), rows=rows, status_text=STATUS_TEXT)


def _change(kpi_id: str, now: dict | None, before: dict | None) -> Change:
    ref = now or before
    value, previous = (now or {}).get("value"), (before or {}).get("value")
    status, previous_status = (now or {}).get("status"), (before or {}).get("status")
    delta = value - previous if _number(value) and _number(previous) else None
    relative = delta / abs(previous) if delta is not None and previous else None
    adverse = _adverse(delta, relative, ref.get("direction"))
    return Change(
        kpi=kpi_id, label=ref.get("label") or kpi_id, kind=_kind(now, before, adverse),
        previous=previous, value=value,
        previous_display=(before or {}).get("display") or "—", display=(now or {}).get("display") or "—",
        delta=delta, delta_display=format_delta(delta, ref.get("format") or "number", relative=relative),
        previous_status=previous_status, status=status, adverse=adverse,
    )


def _kind(now: dict | None, before: dict | None, adverse: float) -> str:
    if before is None:
        return "new-alert" if now.get("status") == "alert" else "added"
    if now is None:
        return "removed"
    was, new = STATUS_RANK.get(before.get("status"), 1), STATUS_RANK.get(now.get("status"), 1)
    if now.get("status") == "alert" and before.get("status") != "alert":
        return "new-alert"
    if new != was:
        return "worsened" if new > was else "improved"
    return "adverse" if adverse > 0 else "favourable" if adverse < 0 else "unchanged"


def _adverse(delta: float | None, relative: float | None, direction: str | None) -> float:
    if not delta:
        return 0.0
    size = relative if relative is not None else delta
    return -size if direction != "lower" else size


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _read_build(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
