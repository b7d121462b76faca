"""KPI movements between published versions: 本版变化 and the KPI history.

Each version's ``build.json`` already holds its KPI snapshot. ``compare``
lines up two snapshots, worst news first; ``history_html`` shows the series
that ``kpis.snapshot.series`` made of the published versions
(``publish.published`` reads them). Values are shown
with the ``display`` strings the build wrote, so formatting stays in one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeGuard

from markupsafe import Markup

from site_build.formats import format_delta
from site_build.kpis.snapshot import snapshot
from site_build.render import fragment
from site_build.views.cards import status_text

#: how bad a status is; no-data counts as bad as watch (the number cannot be trusted)
STATUS_RANK: dict[str | None, int] = {"on-track": 0, "watch": 1, "no-data": 1, "alert": 2}

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
            return f"{status_text(self.previous_status)} → {status_text(self.status)}"
        return status_text(self.status)


def compare(current: dict, previous: dict | None) -> list[Change]:
    """Changes from ``previous`` to ``current`` (snapshots or build manifests), worst change first.

    Every KPI of ``current`` has one, and so has any dropped since ``previous``.
    """
    # snapshot() of a snapshot is the same snapshot, so either kind of document will do.
    now = snapshot(current)["kpis"]
    before = {} if previous is None else snapshot(previous)["kpis"]
    changes = [
        _change(kpi_id, now.get(kpi_id), before.get(kpi_id)) for kpi_id in [*now, *(k for k in before if k not in now)]
    ]
    return sorted(changes, key=lambda c: (KINDS.index(c.kind), -c.adverse, c.label))


def changes_html(changes: list[Change], *, previous: dict | None) -> Markup:
    """The 本版变化 table (templates/changes.html): the KPIs that moved; the others in one line."""
    moved = [c for c in changes if c.kind != "unchanged"]
    same = [c for c in changes if c.kind == "unchanged"]
    return fragment("changes.html", changes=moved, same=same, previous=previous, status_text=_status_words())


def history_html(series: dict[str, dict]) -> Markup:
    """One table, a row per KPI and a column per version, oldest first (templates/kpi_history.html)."""
    versions: dict[str, dict] = {}
    for line in series.values():
        for point in line["points"]:
            versions.setdefault(point["version"], point)
    rows = [
        {
            "id": kpi_id,
            "label": line["label"],
            "cells": [{p["version"]: p for p in line["points"]}.get(v) for v in versions],
        }
        for kpi_id, line in series.items()
    ]
    return fragment("kpi_history.html", versions=list(versions.values()), rows=rows, status_text=_status_words())


def _status_words() -> dict[str | None, str]:
    return {status: status_text(status) for status in (*STATUS_RANK, None)}


def _change(kpi_id: str, now: dict | None, before: dict | None) -> Change:
    ref = now or before or {}
    value, previous = (now or {}).get("value"), (before or {}).get("value")
    status, previous_status = (now or {}).get("status"), (before or {}).get("status")
    delta = value - previous if _number(value) and _number(previous) else None
    relative = delta / abs(previous) if delta is not None and previous else None
    adverse = _adverse(delta, relative, ref.get("direction"))
    return Change(
        kpi=kpi_id,
        label=ref.get("label") or kpi_id,
        kind=_kind(now, before, adverse),
        previous=previous,
        value=value,
        previous_display=(before or {}).get("display") or "—",
        display=(now or {}).get("display") or "—",
        delta=delta,
        delta_display=format_delta(delta, ref.get("format") or "number", relative=relative),
        previous_status=previous_status,
        status=status,
        adverse=adverse,
    )


def _kind(now: dict | None, before: dict | None, adverse: float) -> str:
    if now is None:
        return "removed"
    if before is None:
        return "new-alert" if now.get("status") == "alert" else "added"
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


def _number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
