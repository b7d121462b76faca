"""The KPI catalogue, ``data/metrics.yml``: the one source of truth for KPIs,
named queries and named charts.

The file is checked against ``schemas/metrics.schema.json`` (JSON Schema), then
against the data package (resources, time columns). Errors name the file, the
line and the entry, and say what to write instead.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from site_build.data.package import DataPackage
from site_build.errors import CatalogueError, suggest
from site_build.formats import kpi_format
from site_build.kpis.catalogue_file import checked_yaml, line_of
from site_build.kpis.catalogue_file import rel as _rel

GRAINS = ("day", "week", "month", "quarter", "year")
STATUSES = ("on-track", "watch", "alert", "no-data")


@dataclass(frozen=True)
class Play:
    section: str
    watch: str | None = None
    alert: str | None = None

    def for_status(self, status: str) -> str | None:
        return {"watch": self.watch or self.alert, "alert": self.alert or self.watch}.get(status)


@dataclass(frozen=True)
class KPI:
    id: str
    label: str
    description: str
    time: str
    grain: str
    format: str
    direction: str
    target: float
    alert: float
    owner: str
    #: what to do on watch and alert, and the chapter that explains it; None when the catalogue gives none
    play: Play | None
    resource: str | None = None
    expression: str | None = None
    filter: str | None = None
    sql: str | None = None
    window: str = "period"
    since: dt.date | None = None
    history: int = 12
    digits: int | None = None
    unit: str | None = None
    watch: float | None = None
    target_max: float | None = None
    freshness_days: int | None = None
    tags: tuple[str, ...] = ()
    #: columns of ``resource`` the KPI may be evaluated for one value of (its targets hold per slice)
    dimensions: tuple[str, ...] = ()
    line: int = 0

    @property
    def watch_level(self) -> float:
        return self.target if self.watch is None else self.watch

    def status_of(self, value: float | None) -> str:
        """on-track, watch or alert for ``value`` (no-data when it is missing)."""
        if value is None:
            return "no-data"
        worse = (lambda v, t: v < t) if self.direction == "higher" else (lambda v, t: v > t)
        if worse(value, self.alert):
            return "alert"
        if worse(value, self.watch_level):
            return "watch"
        # a target range (5–10 videos a quarter): overshooting the far end also needs a look
        if self.target_max is not None and (
            value > self.target_max if self.direction == "higher" else value < self.target_max
        ):
            return "watch"
        return "on-track"

    @property
    def formula(self) -> str:
        if self.sql:
            return self.sql.strip()
        where = f" WHERE {self.filter}" if self.filter else ""
        return f"{self.expression} FROM {self.resource}{where}"


@dataclass(frozen=True)
class NamedQuery:
    id: str
    sql: str
    title: str | None = None
    description: str | None = None
    formats: dict = field(default_factory=dict)
    limit: int | None = None
    #: a long ranking shows its first ``top`` and last ``bottom`` rows; the whole table folds out below
    top: int | None = None
    bottom: int | None = None
    line: int = 0


@dataclass(frozen=True)
class ChartDef:
    id: str
    title: str
    description: str | None = None
    query: str | None = None
    sql: str | None = None
    function: str | None = None
    mark: str | None = None
    x: str | None = None
    y: str | None = None
    color: str | None = None
    format: str | None = None
    height: int | None = None
    #: a KPI whose target and thresholds the chart draws as dashed lines
    kpi: str | None = None
    line: int = 0


@dataclass(frozen=True)
class PageDef:
    """Pages generated from one template: a page per row of a query (e.g. one per channel)."""

    id: str
    template: str
    path: str
    query: str | None = None
    sql: str | None = None
    line: int = 0


@dataclass
class Catalogue:
    path: Path
    kpis: dict[str, KPI]
    queries: dict[str, NamedQuery]
    charts: dict[str, ChartDef]
    as_of: tuple[str, str] | None = None
    pages: dict[str, PageDef] = field(default_factory=dict)

    def kpi(self, kpi_id: str) -> KPI:
        return self._lookup(self.kpis, kpi_id, "KPI", "KPI id", "KPIs are defined in {path}.")

    def query(self, query_id: str) -> NamedQuery:
        return self._lookup(
            self.queries, query_id, "named query", "query id", "Named queries are defined under 'queries:' in {path}."
        )

    def chart(self, chart_id: str) -> ChartDef:
        return self._lookup(
            self.charts,
            chart_id,
            "chart",
            "chart id",
            "Named charts are defined under 'charts:' in {path} or with @chart in macros/.",
        )

    def _lookup(self, table: dict, name: str, what: str, noun: str, where: str):
        try:
            return table[name]
        except KeyError:
            raise CatalogueError(
                f"Unknown {what} '{name}'. {suggest(name, table, noun=noun)} {where.format(path=_rel(self.path))}"
            ) from None

    @classmethod
    def load(cls, path: str | os.PathLike, package: DataPackage | None = None) -> Catalogue:
        """Read and check the catalogue; with ``package``, also check names against the data."""
        path = Path(path)
        if not path.exists():
            return cls(path=path, kpis={}, queries={}, charts={})
        node, data = checked_yaml(path)
        catalogue = cls(
            path=path,
            kpis=_unique(path, node, data.get("kpis", []), "kpis", lambda item, line: _make_kpi(item, line, path)),
            queries=_unique(path, node, data.get("queries", []), "queries", _make_query),
            charts=_unique(path, node, data.get("charts", []), "charts", _make_chart),
            pages=_unique(path, node, data.get("pages", []), "pages", lambda item, line: PageDef(line=line, **item)),
            as_of=(data["as_of"]["resource"], data["as_of"]["column"]) if "as_of" in data else None,
        )
        if package is not None:
            catalogue.check_against(package)
        return catalogue

    def check_against(self, package: DataPackage) -> None:
        """Check that every resource, time column and query reference exists."""
        for kpi in self.kpis.values():
            where = f"{_rel(self.path)}:{kpi.line}: KPI '{kpi.id}'"
            if kpi.resource:
                if kpi.resource not in package.resources:
                    raise CatalogueError(
                        f"{where}: unknown resource '{kpi.resource}'. "
                        + suggest(kpi.resource, package.resources, noun="resource")
                    )
                resource = package.resources[kpi.resource]
                names = [f.name for f in resource.fields]
                if kpi.time not in names:
                    raise CatalogueError(
                        f"{where}: resource '{kpi.resource}' has no column '{kpi.time}' for time. "
                        + suggest(kpi.time, [f.name for f in resource.time_fields], noun="date column")
                    )
                if resource.field(kpi.time).type not in ("date", "datetime"):
                    raise CatalogueError(
                        f"{where}: time column '{kpi.time}' is a {resource.field(kpi.time).type}, "
                        "not a date or datetime. Choose a date column."
                    )
                for dimension in kpi.dimensions:
                    if dimension not in names:
                        raise CatalogueError(
                            f"{where}: dimensions: resource '{kpi.resource}' has no column '{dimension}'. "
                            + suggest(dimension, names, noun="column")
                        )
            if kpi.window == "to_date" and kpi.since is None:
                raise CatalogueError(
                    f"{where}: window: to_date needs since: YYYY-MM-DD (the start of the cumulative window)."
                )
        for chart in self.charts.values():
            if chart.query and chart.query not in self.queries:
                raise CatalogueError(
                    f"{_rel(self.path)}:{chart.line}: chart '{chart.id}' uses unknown query '{chart.query}'. "
                    + suggest(chart.query, self.queries, noun="query id")
                )
        for page in self.pages.values():
            if page.query and page.query not in self.queries:
                raise CatalogueError(
                    f"{_rel(self.path)}:{page.line}: page template '{page.id}' uses unknown query '{page.query}'. "
                    + suggest(page.query, self.queries, noun="query id")
                )
        if self.as_of and self.as_of[0] not in package.resources:
            raise CatalogueError(
                f"{_rel(self.path)}: as_of.resource '{self.as_of[0]}' is not in the data package. "
                + suggest(self.as_of[0], package.resources, noun="resource")
            )


def _unique(path: Path, node, items: list, section: str, make: Callable[[dict, int], Any]) -> dict:
    out: dict[str, Any] = {}
    for index, item in enumerate(items):
        line = line_of(node, [section, index])
        if item["id"] in out:
            raise CatalogueError(
                f"{_rel(path)}:{line}: {section} id '{item['id']}' is defined twice "
                f"(first at line {out[item['id']].line}). Ids must be unique."
            )
        out[item["id"]] = make(item, line)
    return out


def _make_kpi(item: dict, line: int, path: Path) -> KPI:
    play = Play(**item["play"]) if item.get("play") else None
    since = item.get("since")
    if isinstance(since, dt.datetime):
        # a datetime never compares with the dates of periods
        raise CatalogueError(
            f"{_rel(path)}:{line}: KPI '{item['id']}': since: {since} has a time of day. "
            "Write the date only, as YYYY-MM-DD."
        )
    if since is not None and not isinstance(since, dt.date):
        try:
            since = dt.date.fromisoformat(str(since))
        except ValueError:
            raise CatalogueError(
                f"{_rel(path)}:{line}: KPI '{item['id']}': since: {since!r} is not a date. Write it as YYYY-MM-DD."
            ) from None
    fields = {k: v for k, v in item.items() if k not in ("play", "tags", "since", "currency", "dimensions")}
    try:  # currency: USD beside format: currency is format usd
        fields["format"] = kpi_format(item["format"], item.get("currency"))
    except ValueError as e:
        raise CatalogueError(f"{_rel(path)}:{line}: KPI '{item['id']}': {e}") from None
    return KPI(
        play=play,
        tags=tuple(item.get("tags", ())),
        dimensions=tuple(item.get("dimensions", ())),
        since=since,
        line=line,
        **fields,
    )


def _make_query(item: dict, line: int) -> NamedQuery:
    return NamedQuery(line=line, **item)


def _make_chart(item: dict, line: int) -> ChartDef:
    return ChartDef(line=line, **item)
