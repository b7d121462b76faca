"""The handbook's macros for one session: what ``{{ kpi('…') }}`` and the rest call.

Each method resolves its arguments through the session (catalogue, metrics,
engine) and hands plain values to a renderer in ``views/`` with the page it
renders on. Host adapters register these methods under the names in
``NAMES``; ``Handbook`` is the same object opened from a folder, for a REPL.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from site_build.errors import HandbookError, MacroError, suggest
from site_build.formats import format_value
from site_build.i18n import _
from site_build.kpis.metrics import KPIValue
from site_build.markup import Stash
from site_build.render import fragment
from site_build.session import Session
from site_build.settings import Settings
from site_build.views import cards, pages
from site_build.views.context import PageContext
from site_build.views.tables import render_table

log = logging.getLogger("handbook")

#: macro name -> method name; documented in README "Macros"
NAMES = {
    "kpi": "kpi_card",
    "kpi_grid": "kpi_grid",
    "value": "value",
    "target": "target",
    "threshold": "threshold",
    "table": "table",
    "figures": "figures",
    "chart": "chart",
    "data_as_of": "data_as_of",
    "page_links": "page_links",
    "action_list": "action_list",
    "kpi_dictionary": "kpi_dictionary",
    "data_health": "data_health",
    "kpi_changes": "kpi_changes",
    "kpi_history": "kpi_history",
}
IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")


class Macros:
    def __init__(self, session: Session):
        self.session = session
        self.page = PageContext()
        #: chart id -> a team's function from macros/ (result -> Altair chart)
        self.chart_functions: dict[str, Callable] = {}
        #: pages made from catalogue page templates (see generate_pages)
        self.generated: list = []
        #: the page's block fragments, out of the Markdown converter's way (see markup.Stash)
        self.stash = Stash()

    def begin_page(self, src: str, origin: str | None = None) -> PageContext:
        self.page = self.session.begin_page(src, origin)
        self.stash.clear()
        # Only this page's: a page whose render failed never reached end_page.
        self.session.engine.readers.only(self.page.reads)
        return self.page

    def end_page(self) -> PageContext:
        self.session.engine.readers.clear()
        self.session.end_page(self.page)
        return self.page

    def _kpi(self, kpi_id: str, where: dict | None = None) -> KPIValue:
        self.page.uses.add(kpi_id)
        return self.session.metrics.get(kpi_id, where)

    def kpi_card(self, kpi_id: str, *, where: dict | None = None) -> Markup:
        return cards.kpi_card(self._kpi(kpi_id, where), self.page)

    def kpi_grid(
        self,
        kpi_ids=None,
        *,
        tag: str | None = None,
        order: str = "given",
        summary: bool = False,
        where: dict | None = None,
    ) -> Markup:
        if kpi_ids is None:
            kpi_ids = [k.id for k in self.session.catalogue.kpis.values() if tag is None or tag in k.tags]
        if isinstance(kpi_ids, str):
            raise MacroError(
                f"kpi_grid() takes a list of KPI ids, like kpi_grid(['{kpi_ids}', '…']), not a single string."
            )
        values = [self._kpi(k, where) for k in kpi_ids]
        return cards.kpi_grid(values, self.page, order=order, summary=summary)

    def value(self, kpi_id: str, which: str = "current", *, where: dict | None = None) -> Markup:
        return cards.value(self._kpi(kpi_id, where), which, self.page)

    def target(self, kpi_id: str) -> Markup:
        return cards.target(self._kpi(kpi_id), self.page)

    def threshold(self, kpi_id: str, level: str = "alert") -> Markup:
        return cards.threshold(self._kpi(kpi_id), level)

    def data_as_of(self) -> Markup:
        return cards.data_as_of(self.session.as_of)

    def table(
        self,
        sql_or_name: str,
        *,
        formats=None,
        labels=None,
        limit=None,
        caption=None,
        params=None,
        top=None,
        bottom=None,
        flag_below=None,
    ) -> Markup:
        settings = self.session.settings
        named, sql = _named_query(self.session, sql_or_name)
        formats = {**(named.formats if named else {}), **(formats or {})}
        limit = limit or (named.limit if named else None) or settings.table_max_rows
        result = self.session.engine.query(sql, params, limit=limit, label=f"table {named.id}" if named else None)
        return render_table(
            result,
            formats=formats,
            labels=labels,
            caption=caption or (named.title if named else None),
            table_id=named.id if named else None,
            sources=self.page.source_links(result.resources),
            top=top or (named.top if named else None),
            bottom=bottom if bottom is not None else (named.bottom if named else None),
            flag_below=flag_below,
        )

    def figures(self, sql_or_name: str, *, formats=None, params=None, kpis=None, caption=None) -> Markup:
        """Headline numbers from a one-row query; ``kpis`` maps a column to the KPI whose thresholds judge it."""
        return _figures(self.session, self.page, sql_or_name, formats or {}, params, kpis or {}, caption)

    def chart(self, name: str | None = None, *, sql=None, query=None, params=None, **options) -> Markup:
        source = _chart_source(self.session, self.chart_functions, name, sql=sql, query=query, options=options)
        return _render_chart(self.session, self.page, source, params)

    def generate_pages(self, docs_dir: Path) -> list:
        """Make every catalogue page template's pages; the host adds them to the site."""
        from site_build.views.page_templates import generated_pages

        self.generated = generated_pages(self.session.catalogue, self.session.engine, docs_dir)
        return self.generated

    def page_links(self, template_id: str) -> Markup:
        """Links to the pages generated from a page template."""
        from site_build.views.page_templates import page_links

        return page_links(self.session.catalogue, self.generated, template_id, self.page)

    def action_list(self) -> Markup:
        """Every KPI in watch or alert with its play (the 需要行动 page)."""
        self.page.reads_everything = True
        return pages.action_list(self.session.metrics.all(), self.session.as_of, self.page)

    def kpi_dictionary(self) -> Markup:
        """Every KPI's definition, thresholds, owner and pages (the 指标词典 page)."""
        self.page.reads_everything = True
        return pages.kpi_dictionary(self.session.catalogue, self.session.metrics, self.page)

    def data_health(self) -> Markup:
        """Each dataset's path, rows, fields, hash, date range and validation status (the 数据健康 page)."""
        self.page.reads_everything = True
        from site_build.views.health import render_health

        session = self.session
        return render_health(session.package, session.verdict(), session.engine)

    def kpi_changes(self) -> Markup:
        """How every KPI moved since the previously published version (the 本版变化 page)."""
        self.page.reads_everything = True
        from site_build.views import history

        previous = self.session.published.previous
        return history.changes_html(history.compare(self.session.snapshot(), previous), previous=previous)

    def kpi_history(self) -> Markup:
        """Each KPI across the published versions plus this build (the 指标历史 page)."""
        self.page.reads_everything = True
        return _kpi_history(self.session, self.page)

    def failure(self, macro: str, error: HandbookError) -> Markup:
        """Log a warning naming the page and render a visible failure admonition."""
        log.warning("%s: %s failed: %s", self.page.where, macro, error)
        return fragment("failure.html", macro=macro, message=str(error), page=self.page.where)


@dataclass
class ChartSource:
    """What a chart() call resolved to: its query and either a declared spec or a team's function."""

    name: str | None
    sql: str
    spec: dict
    function: Callable | None


def _chart_source(session: Session, functions: dict, name, *, sql, query, options: dict) -> ChartSource:
    """Resolve chart(name, sql=…, query=…, **options) against the catalogue and the registered functions."""
    catalogue = session.catalogue
    definition = catalogue.charts.get(name) if name else None
    function = functions.get(name) if name else None
    if name and definition is None and function is None:
        raise MacroError(
            f"chart('{name}'): unknown chart. " + suggest(name, [*catalogue.charts, *functions], noun="chart id")
        )
    spec = dict(vars(definition)) if definition else {"id": name or "chart", "title": options.get("title", _("Chart"))}
    spec.update(options)
    # Pop both always: a call's own sql= or query= overrides the definition's, and neither is a drawing option.
    declared_sql, declared_query = spec.pop("sql", None), spec.pop("query", None)
    query = query or (None if sql else declared_query)
    sql = sql or (catalogue.query(query).sql if query else declared_sql)
    if function is None and spec.get("function"):
        function = functions.get(spec["function"])
        if function is None:
            raise MacroError(
                f"chart('{name}'): function '{spec['function']}' is not registered. "
                f"Register it in macros/ with @handbook.chart('{spec['function']}')."
            )
    if function is not None and sql is None:
        if getattr(function, "sql", None):
            sql = function.sql
        elif getattr(function, "query", None):
            sql = catalogue.query(function.query).sql
    if not sql:
        raise MacroError("chart(): give a named chart, a named query (query='…') or inline SQL (sql='…').")
    return ChartSource(name, sql, spec, function)


def _named_query(session: Session, sql_or_name: str):
    """(the catalogue's named query or None, the SQL to run) for a macro's SQL or query id."""
    named = session.catalogue.queries.get(sql_or_name)
    if named is None and IDENTIFIER.fullmatch(sql_or_name.strip()):
        session.catalogue.query(sql_or_name)  # raises with suggestions
    return named, named.sql if named else sql_or_name


def _figures(session: Session, page: PageContext, sql_or_name: str, formats, params, kpis, caption) -> Markup:
    named, sql = _named_query(session, sql_or_name)
    result = session.engine.query(sql, params, limit=2, label=f"figures {named.id}" if named else None)
    if len(result) != 1:
        raise MacroError(f"figures(): the query must return one row; it returned {len(result)}. Aggregate it.")
    judged = {}
    for column, kpi_id in kpis.items():
        if column not in result.columns:
            raise MacroError(f"figures(): no column '{column}'. " + suggest(column, result.columns, noun="column"))
        judged[column] = session.catalogue.kpi(kpi_id)  # raises with suggestions
    formats = {**(named.formats if named else {}), **formats}
    return cards.figures(result, formats, judged, page, caption=caption or (named.title if named else None))


def _kpi_rules(session: Session, kpi_id: str) -> tuple:
    """A chart's reference lines for ``kpi_id``: its target (and target_max), watch line and alert line."""
    kpi = session.catalogue.kpi(kpi_id)  # raises with suggestions
    lines = [(kpi.target, "target", _("Target %(value)s")), (kpi.target_max, "target", _("Target %(value)s"))]
    if kpi.watch is not None and kpi.watch != kpi.target:
        lines.append((kpi.watch, "watch", _("Watch line %(value)s")))
    lines.append((kpi.alert, "alert", _("Alert line %(value)s")))
    return tuple(
        {"value": value, "kind": kind, "label": label % {"value": format_value(value, kpi.format)}}
        for value, kind, label in lines
        if value is not None
    )


def _kpi_history(session: Session, page: PageContext) -> Markup:
    from site_build.kpis.snapshot import series as kpi_series
    from site_build.views import charts, history, history_chart

    series = kpi_series(session.published.builds, current=session.snapshot())
    versions = len({p["version"] for line in series.values() for p in line["points"]})
    page.charts += 1
    stats = session.charts
    description = _(
        "Each KPI's value in the %(versions)s published versions (this one included); "
        "each small chart has an axis of its own."
    ) % {"versions": versions}
    with stats.timed():
        chart = charts.render_spec(
            history_chart.history_spec(series, description=description, store=session.store),
            chart_id=page.unique_id("kpi-history"),
            title=_("Each KPI across the versions"),
            description=description,
            store=session.store,
            stats=stats,
        )
    return Markup(chart + "\n" + history.history_html(series))


def _render_chart(session: Session, page: PageContext, source: ChartSource, params) -> Markup:
    from site_build.views import charts  # altair and vl-convert load only when a page has a chart

    name, spec, store = source.name, source.spec, session.store
    limit = session.settings.table_max_rows * 50
    result = session.engine.query(source.sql, params, limit=limit, label=f"chart {name}" if name else None)
    chart_id = str(spec.get("id") or name or "chart")
    title = str(spec.get("title") or chart_id)
    description = spec.get("description") or _("%(title)s (%(rows)s rows)") % {"title": title, "rows": len(result)}
    # Timed after the query: its time counts as a query's.
    with session.charts.timed():
        if source.function is not None:
            vega_lite = charts.function_spec(source.function, result, description=description, store=store)
        else:
            if spec.get("kpi"):
                spec = {**spec, "rules": _kpi_rules(session, str(spec["kpi"]))}
            declared = charts.declared_chart(spec, chart_id, title, description)
            vega_lite = charts.declared_spec(declared, result, store=store)
        page.charts += 1
        return charts.render_spec(
            vega_lite,
            chart_id=page.unique_id(chart_id),
            title=title,
            description=description,
            sources=page.source_links(result.resources),
            store=store,
            stats=session.charts,
        )


class Handbook(Macros):
    """The engine from a REPL or a script, with no host running.

    >>> hb = Handbook.open("data", language="zh")
    >>> hb.metrics.get("monthly_sales").display()
    """

    @classmethod
    def open(cls, data_dir: str | Path = "data", *, today: dt.date | None = None, **settings) -> Handbook:
        """Validate and open the data package in ``data_dir``; ``settings`` are ``Settings`` fields."""
        return cls(Session.open(Settings(data_dir=Path(data_dir), **settings), today=today))

    @property
    def metrics(self):
        return self.session.metrics

    @property
    def catalogue(self):
        return self.session.catalogue

    def query(self, sql: str, params=None, *, limit: int | None = None):
        """Run one read-only query, as the macros do."""
        return self.session.engine.query(sql, params, limit=limit)

    def kpi_dictionary(self) -> Markup:
        # With no host, the pages that use each KPI are whatever this session has rendered so far.
        html = pages.fill_kpi_pages(super().kpi_dictionary(), self.session.kpi_pages, self.page)
        return Markup(html)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Handbook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
