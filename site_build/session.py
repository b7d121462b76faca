"""The handbook session: data package, query engine, KPI catalogue and
renderers for one build. Host adapters (the MkDocs plugin, ``macros``) hold
one ``Handbook`` and call its render methods; nothing here imports MkDocs.
"""

from __future__ import annotations

import datetime as dt
import logging
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from site_build.data.engine import QueryEngine
from site_build.data.package import DataPackage, Fingerprints
from site_build.data.store import NO_STORE, Store
from site_build.errors import HandbookError, MacroError, suggest
from site_build.formats import FORMATS, format_value
from site_build.kpis.catalogue import Catalogue
from site_build.kpis.metrics import KPIValue, Metrics
from site_build.render import fragment
from site_build.views.tables import render_table

log = logging.getLogger("handbook")

STATUS_TEXT = {"on-track": "达标", "watch": "关注", "alert": "告警", "no-data": "无数据"}
STATUS_ICON = {"on-track": "✔", "watch": "⚠", "alert": "✖", "no-data": "？"}
MACRO_CALL = re.compile(r"\b(kpi|kpi_grid|value|target)\s*\(([^)]*)\)")
QUOTED = re.compile(r"""["']([a-z][a-z0-9_]*)["']""")


@dataclass
class Settings:
    """Paths and limits for a build; the MkDocs plugin fills these from its config."""

    data_dir: Path = Path("data")
    catalogue: Path | None = None
    cache_dir: Path | None = Path(".handbook-cache")
    table_max_rows: int = 200
    query_timeout: float = 30.0
    health_page: str = "health.md"
    dictionary_page: str = "dictionary.md"
    validate: bool = True
    errors_per_type: int = 5
    publish_dir: Path | None = Path("public")


@dataclass
class PageState:
    """What the macros of the page being rendered used."""

    src: str = "index.md"
    #: the template a generated page was made from, relative to docs_dir
    origin: str | None = None
    charts: int = 0
    resources: set[str] = field(default_factory=set)
    ids: dict[str, int] = field(default_factory=dict)

    def unique_id(self, base: str) -> str:
        """``base`` the first time on this page, then ``base-2``, ``base-3`` …"""
        n = self.ids[base] = self.ids.get(base, 0) + 1
        return base if n == 1 else f"{base}-{n}"


class Handbook:
    """One build's engine. ``open`` validates the data before anything renders."""

    def __init__(
        self,
        package: DataPackage,
        catalogue: Catalogue,
        engine: QueryEngine,
        settings: Settings,
        *,
        today: dt.date | None = None,
        store: Store = NO_STORE,
    ):
        self.package = package
        self.catalogue = catalogue
        self.engine = engine
        self.settings = settings
        self.metrics = Metrics(catalogue, engine, today=today)
        self.page = PageState()
        self.pages_with_charts: set[str] = set()
        self.kpi_pages: dict[str, list[str]] = defaultdict(list)
        self.chart_functions: dict[str, Callable] = {}
        self.validation_report = None
        #: the build cache, one per build (``open`` roots it at settings.cache_dir)
        self.store = store
        #: set by the host once the inputs are fingerprinted (see manifest.version_id)
        self.version: str | None = None
        #: pages made from catalogue page templates (see generate_pages)
        self.generated: list = []

    @classmethod
    def open(cls, settings: Settings, *, today: dt.date | None = None) -> Handbook:
        """Load the package, run the validation gate, load the catalogue and open DuckDB."""
        store = Store(settings.cache_dir)
        package = DataPackage.load(settings.data_dir)
        report = None
        if settings.validate:
            from site_build.data.validation import gate

            report = gate(package, errors_per_type=settings.errors_per_type, store=store)
            rows = sum((report.stats.get("rows") or {}).values())
            cached = len(report.stats.get("cached") or ())
            log.info(
                "validate %d resources, %s rows [%d unchanged since the last check] %.1f s",
                len(package.resources),
                f"{rows:,}",
                cached,
                report.stats.get("seconds", 0.0),
            )
        catalogue = Catalogue.load(settings.catalogue or Path(settings.data_dir) / "metrics.yml", package)
        engine = QueryEngine(package, store=store, fingerprints=Fingerprints(store), timeout=settings.query_timeout)
        hb = cls(package, catalogue, engine, settings, today=today, store=store)
        hb.validation_report = report
        return hb

    def close(self) -> None:
        self.engine.close()

    # -- page tracking --------------------------------------------------------

    def begin_page(self, src: str, origin: str | None = None) -> None:
        self.page = PageState(src=src, origin=origin)

    def end_page(self) -> PageState:
        if self.page.charts:
            self.pages_with_charts.add(self.page.src)
        return self.page

    def scan_sources(self, pages: dict[str, str]) -> None:
        """Record which pages use which KPIs, for the dictionary, from their Markdown."""
        self.kpi_pages.clear()
        for src, text in sorted(pages.items()):
            for _, args in MACRO_CALL.findall(text):
                for kpi_id in QUOTED.findall(args):
                    if kpi_id in self.catalogue.kpis and src not in self.kpi_pages[kpi_id]:
                        self.kpi_pages[kpi_id].append(src)

    def href(self, target_src: str) -> str:
        """A link from the current page to ``target_src`` ('file.md#anchor'), as built with use_directory_urls off."""
        path, _, anchor = target_src.partition("#")
        url = re.sub(r"\.md$", ".html", path)
        rel = posixpath.relpath(url, posixpath.dirname(self.page.src) or ".")
        return rel + (f"#{anchor}" if anchor else "")

    def source_links(self, resources) -> list[tuple[str, str]]:
        self.page.resources.update(resources)
        return [(r, self.href(f"{self.settings.health_page}#data-{r}")) for r in sorted(resources)]

    # -- macros ----------------------------------------------------------------

    @property
    def as_of(self) -> dt.date | None:
        return self.metrics.as_of

    def kpi_card(self, kpi_id: str) -> Markup:
        return self._card(self.metrics.get(kpi_id))

    def kpi_grid(self, kpi_ids=None, *, tag: str | None = None) -> Markup:
        if kpi_ids is None:
            kpi_ids = [k.id for k in self.catalogue.kpis.values() if tag is None or tag in k.tags]
        if isinstance(kpi_ids, str):
            raise MacroError(
                f"kpi_grid() takes a list of KPI ids, like kpi_grid(['{kpi_ids}', '…']), not a single string."
            )
        return fragment("kpi_grid.html", cards=[self.kpi_card(k) for k in kpi_ids])

    def value(self, kpi_id: str, which: str = "current") -> Markup:
        kv = self.metrics.get(kpi_id)
        choices = {"current": kv.value, "previous": kv.previous, "year_ago": kv.year_ago}
        if which not in choices:
            raise MacroError(f"value('{kpi_id}', '{which}'): unknown period. Choose one of: {', '.join(choices)}.")
        self.source_links(kv.resources)
        return fragment(
            "inline.html",
            kind="value",
            status=kv.status,
            text=kv.display(choices[which]),
            title=f"{kv.kpi.label}，{kv.period_label}，状态：{STATUS_TEXT[kv.status]}",
        )

    def target(self, kpi_id: str) -> Markup:
        kv = self.metrics.get(kpi_id)
        return fragment("inline.html", kind="target", status=None, text=kv.target_display, title=f"{kv.kpi.label}目标")

    def threshold(self, kpi_id: str, level: str = "alert") -> Markup:
        kv = self.metrics.get(kpi_id)
        names = {"watch": "关注线", "alert": "告警线", "target": "目标", "target_max": "目标上限"}
        if level not in names:
            raise MacroError(f"threshold('{kpi_id}', '{level}'): unknown level. Choose one of: {', '.join(names)}.")
        if level == "target_max" and kv.kpi.target_max is None:
            raise MacroError(
                f"threshold('{kpi_id}', 'target_max'): KPI '{kpi_id}' has no target_max. Add one to its catalogue entry."
            )
        return fragment(
            "inline.html",
            kind="threshold",
            status=None,
            text=kv.threshold_display(level),
            title=f"{kv.kpi.label}{names[level]}",
        )

    def table(
        self,
        sql_or_name: str,
        *,
        formats=None,
        labels=None,
        limit: int | None = None,
        caption: str | None = None,
        params=None,
    ) -> Markup:
        named = self.catalogue.queries.get(sql_or_name)
        if named is None and re.fullmatch(r"[a-z][a-z0-9_]*", sql_or_name.strip()):
            self.catalogue.query(sql_or_name)  # raises with suggestions
        sql = named.sql if named else sql_or_name
        formats = {**(named.formats if named else {}), **(formats or {})}
        limit = limit or (named.limit if named else None) or self.settings.table_max_rows
        result = self.engine.query(sql, params, limit=limit, label=f"table {named.id}" if named else None)
        return render_table(
            result,
            formats=formats,
            labels=labels,
            caption=caption or (named.title if named else None),
            table_id=named.id if named else None,
            sources=self.source_links(result.resources),
        )

    def chart(
        self, name: str | None = None, *, sql: str | None = None, query: str | None = None, params=None, **options
    ) -> Markup:
        from site_build.views import charts as charts_mod  # altair and vl-convert load only when a page has a chart

        definition = self.catalogue.charts.get(name) if name else None
        function = self.chart_functions.get(name) if name else None
        if name and definition is None and function is None:
            raise MacroError(
                f"chart('{name}'): unknown chart. "
                + suggest(name, [*self.catalogue.charts, *self.chart_functions], noun="chart id")
            )
        spec = dict(vars(definition)) if definition else {"id": name or "chart", "title": options.get("title", "图表")}
        spec.update({k: v for k, v in options.items()})
        query = query or spec.pop("query", None)
        sql = sql or spec.pop("sql", None) or (self.catalogue.query(query).sql if query else None)
        if function is None and spec.get("function"):
            function = self.chart_functions.get(spec["function"])
            if function is None:
                raise MacroError(
                    f"chart('{name}'): function '{spec['function']}' is not registered. Register it in macros/ with @handbook.chart('{spec['function']}')."
                )
        if function is not None and sql is None:
            sql = (
                function.sql
                if getattr(function, "sql", None)
                else (self.catalogue.query(function.query).sql if getattr(function, "query", None) else None)
            )
        if not sql:
            raise MacroError("chart(): give a named chart, a named query (query='…') or inline SQL (sql='…').")
        result = self.engine.query(
            sql, params, limit=self.settings.table_max_rows * 50, label=f"chart {name}" if name else None
        )
        chart_id = spec.get("id") or name
        title = spec.get("title") or chart_id
        description = spec.get("description") or f"{title}（{len(result)} 行数据）"
        if function is not None:
            vega_lite = charts_mod.to_spec(function(result), description=description)
        else:
            vega_lite = charts_mod.declared_spec(
                _chart_spec(spec, chart_id, title, description), result, store=self.store
            )
        self.page.charts += 1
        return charts_mod.render_spec(
            vega_lite,
            chart_id=self.page.unique_id(chart_id),
            title=title,
            description=description,
            sources=self.source_links(result.resources),
            store=self.store,
        )

    def data_as_of(self) -> Markup:
        as_of = self.as_of
        return fragment(
            "inline.html", kind="as-of", status=None, text=as_of.isoformat() if as_of else "—", title="数据日期"
        )

    def generate_pages(self, docs_dir: Path) -> list:
        """Make every catalogue page template's pages; the host adds them to the site."""
        from site_build.views.page_templates import generated_pages

        self.generated = generated_pages(self, docs_dir)
        return self.generated

    def page_links(self, template_id: str) -> Markup:
        """Links to the pages generated from a page template."""
        from site_build.views.page_templates import page_links

        return page_links(self, template_id)

    def action_list(self) -> Markup:
        """Every KPI in watch or alert with its play (the 需要行动 page)."""
        from site_build.views.pages import action_list

        return action_list(self)

    def kpi_dictionary(self) -> Markup:
        """Every KPI's definition, thresholds, owner and pages (the 指标词典 page)."""
        from site_build.views.pages import kpi_dictionary

        return kpi_dictionary(self)

    def data_health(self) -> Markup:
        """Each dataset's path, rows, fields, hash, date range and validation status (the 数据健康 page)."""
        from site_build.data.validation import validate
        from site_build.views.health import render_health

        if self.validation_report is None:  # validation was switched off for the build
            self.validation_report = validate(
                self.package, errors_per_type=self.settings.errors_per_type, store=self.store
            )
        return render_health(self.package, self.validation_report, self.engine)

    def snapshot(self) -> dict:
        """This build's KPI snapshot, as build.json and the history pages use it."""
        as_of = self.as_of
        return {
            "version": self.version,
            "data_as_of": as_of.isoformat() if as_of else None,
            "kpis": {kv.kpi.id: kv.snapshot() for kv in self.metrics.all()},
        }

    def kpi_changes(self) -> Markup:
        """How every KPI moved since the previously published version (the 本版变化 page)."""
        from site_build.publish import published
        from site_build.views import history

        current = self.snapshot()
        previous = (
            published.previous_snapshot(self.settings.publish_dir, self.version) if self.settings.publish_dir else None
        )
        return history.changes_html(history.compare(current, previous), previous=previous)

    def kpi_history(self) -> Markup:
        """Each KPI across the published versions plus this build (the 指标历史 page)."""
        from site_build.kpis.snapshot import series as kpi_series
        from site_build.publish import published
        from site_build.views import charts as charts_mod
        from site_build.views import history

        public = self.settings.publish_dir or Path("public")
        series = kpi_series(published.builds(public), current=self.snapshot())
        versions = len({p["version"] for line in series.values() for p in line["points"]})
        self.page.charts += 1
        chart = charts_mod.render_chart(
            charts_mod.history_chart(series),
            chart_id=self.page.unique_id("kpi-history"),
            title="各版本指标走势",
            description=f"每个指标在 {versions} 个已发布版本（含本版）中的数值，每个小图使用各自的纵轴。",
            store=self.store,
        )
        return Markup(chart + "\n" + history.history_html(series))

    def failure(self, macro: str, error: HandbookError) -> Markup:
        """Log a warning naming the page and render a visible failure admonition."""
        where = self.page.src + (f" (made from {self.page.origin})" if self.page.origin else "")
        log.warning("%s: %s failed: %s", where, macro, error)
        return fragment("failure.html", macro=macro, message=str(error), page=where)

    # -- helpers ---------------------------------------------------------------

    def _card(self, kv: KPIValue) -> Markup:
        self.source_links(kv.resources)
        improved = kv.improved()
        return fragment(
            "kpi_card.html",
            card_id=self.page.unique_id(f"kpi-{kv.kpi.id}"),
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
            delta_class={True: "good", False: "bad", None: "flat"}[improved],
            sparkline=_sparkline(kv),
            stale=kv.stale,
            latest_data=kv.latest_data.isoformat() if kv.latest_data else "—",
            play=kv.play,
            section_href=self.href(kv.kpi.play.section),
            dictionary_href=self.href(f"{self.settings.dictionary_page}#kpi-def-{kv.kpi.id}"),
            sources=self.source_links(kv.resources),
        )


def _chart_spec(spec: dict, chart_id: str, title: str, description: str):
    from site_build.views import charts as charts_mod

    fmt = spec.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise MacroError(f"chart('{chart_id}'): unknown format '{fmt}'. " + suggest(fmt, FORMATS, noun="format"))
    known = {"mark", "x", "y", "color", "format", "height", "x_type", "y_type", "sort"}
    extra = set(spec) - known - {"id", "title", "description", "function", "line"}
    if extra:
        raise MacroError(
            f"chart('{chart_id}'): unknown option(s) {', '.join(sorted(extra))}. Valid options: {', '.join(sorted(known | {'title', 'description', 'sql', 'query'}))}."
        )
    return charts_mod.ChartSpec(
        id=chart_id, title=title, description=description, **{k: spec[k] for k in known if spec.get(k) is not None}
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
    return {
        "points": " ".join(f"{x},{y}" for x, y in coords),
        "last": coords[-1],
        "count": len(kv.history),
        "summary": f"最低 {format_value(lo, kv.kpi.format, digits=kv.kpi.digits)}，最高 {format_value(hi, kv.kpi.format, digits=kv.kpi.digits)}",
    }
