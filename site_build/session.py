"""One build's session: the data package, validation report, KPI catalogue,
query engine, metrics, settings and version, plus what the pages recorded.

The host opens one ``Session`` per build, makes a ``PageContext`` for each
page (``begin_page``), and hands it back when the page is done
(``end_page``). The renderers in ``views/`` get what they need as arguments;
``macros.Macros`` is the glue between macro calls and renderers. Nothing
here imports MkDocs.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from site_build import i18n, render
from site_build.data.engine import QueryEngine
from site_build.data.package import DataPackage, Fingerprints
from site_build.data.report import Report
from site_build.data.store import NO_STORE, Store
from site_build.kpis.catalogue import Catalogue
from site_build.kpis.metrics import Metrics
from site_build.settings import Settings
from site_build.views.context import ChartStats, PageContext

log = logging.getLogger("handbook")


@dataclass
class Published:
    """What is already published, as this build reads it: a declared input (本版变化, 指标历史)."""

    #: (versions.json entry, build manifest) of each published version, newest first
    builds: list[tuple[dict, dict]] = field(default_factory=list)
    #: the snapshot of the version this build is compared with, or None for the first version
    previous: dict | None = None


@dataclass
class Session:
    package: DataPackage
    catalogue: Catalogue
    engine: QueryEngine
    metrics: Metrics
    settings: Settings
    report: Report | None = None
    #: set by the host once the inputs are fingerprinted (see publish.manifest.version_id)
    version: str | None = None
    published: Published = field(default_factory=Published)
    #: kpi id -> the pages that showed it, recorded as the pages render
    kpi_pages: dict[str, list[str]] = field(default_factory=dict)
    pages_with_charts: set[str] = field(default_factory=set)
    #: page -> the resources its macros read, or None for a page that summarises them all
    page_reads: dict[str, frozenset[str] | None] = field(default_factory=dict)
    #: the build cache, one per build, rooted at settings.cache_dir
    store: Store = NO_STORE
    #: what the pages' charts cost, for the build log
    charts: ChartStats = field(default_factory=ChartStats)

    @classmethod
    def open(cls, settings: Settings, *, today: dt.date | None = None) -> Session:
        """Load the package, run the validation gate, load the catalogue and open DuckDB.

        From here on, this thread speaks the settings' language (``i18n``).
        """
        i18n.activate(i18n.language_of(settings.language), settings.currency)
        store = Store(settings.cache_dir)
        render.environment().bytecode_cache = render.bytecode_cache(store.folder("templates"))
        package = DataPackage.load(settings.data_dir)
        report = _gate(package, settings, store) if settings.validate else None
        catalogue = Catalogue.load(settings.catalogue or Path(settings.data_dir) / "metrics.yml", package)
        engine = QueryEngine(
            package,
            store=store,
            fingerprints=Fingerprints(store),
            timeout=settings.query_timeout,
            memory_limit=settings.memory_limit,
        )
        metrics = Metrics(catalogue, engine, today=today)
        return cls(package, catalogue, engine, metrics, settings, report, store=store)

    def close(self) -> None:
        self.engine.close()

    def verdict(self) -> Report:
        """The validation report; with validation switched off for the build, the data is checked now."""
        if self.report is None:
            from site_build.data.validation import validate

            settings = self.settings
            self.report = validate(
                self.package,
                store=self.store,
                errors_per_type=settings.errors_per_type,
                memory_limit=settings.memory_limit,
            )
        return self.report

    @property
    def as_of(self) -> dt.date | None:
        return self.metrics.as_of

    def begin_page(self, src: str, origin: str | None = None) -> PageContext:
        """A fresh context for the page ``src``; hand it to ``end_page`` once its macros have run."""
        return PageContext(
            src=src,
            origin=origin,
            health_page=self.settings.health_page,
            dictionary_page=self.settings.dictionary_page,
            titles={name: r.title for name, r in self.package.resources.items() if r.title},
        )

    def end_page(self, page: PageContext) -> None:
        if page.charts:
            self.pages_with_charts.add(page.src)
        else:
            self.pages_with_charts.discard(page.src)
        reads = set(page.reads)
        for kpi_id in page.uses:
            reads |= self.metrics.reads.get(kpi_id, frozenset())
        self.page_reads[page.src] = None if page.reads_everything else frozenset(reads)
        for kpi_id in page.kpis:
            pages = self.kpi_pages.setdefault(kpi_id, [])
            if page.src not in pages:
                pages.append(page.src)
                pages.sort()

    def snapshot(self) -> dict:
        """This build's KPI snapshot, as build.json and the history pages use it."""
        as_of = self.as_of
        return {
            "version": self.version,
            "data_as_of": as_of.isoformat() if as_of else None,
            "kpis": {kv.kpi.id: kv.snapshot() for kv in self.metrics.all()},
        }


def _gate(package: DataPackage, settings: Settings, store: Store) -> Report:
    from site_build.data.validation import gate

    report = gate(package, errors_per_type=settings.errors_per_type, store=store, memory_limit=settings.memory_limit)
    rows = sum((report.stats.get("rows") or {}).values())
    cached = len(report.stats.get("cached") or ())
    log.info(
        "validate %d resources, %s rows [%d unchanged since the last check] %.1f s",
        len(package.resources),
        f"{rows:,}",
        cached,
        report.stats.get("seconds", 0.0),
    )
    return report
