"""The build log: one INFO line per stage, with counts and seconds, and a progress bar on a terminal.

    validate 2 resources, 25 rows [0 unchanged since the last check] 0.3 s    (session.py)
    pages: 8 rendered (1.92 s in macros and Markdown)
    charts: 5 made, 5 SVGs drawn, 0 from the disk cache (0.81 s)
    queries: 18 run, 3 from the build's memory, 0 from the disk cache (0.12 s in DuckDB)
    search: 8 pages indexed (0.40 s)
    output: 61 files written (0.93 s, 0.15 s of it for assets and build.json)

Each query, data load and chart SVG has a line of its own at DEBUG (``-v``).
``Stages`` keeps one build's clocks and writes the lines; ``StageHooks``, mixed
into the plugin, feeds it from MkDocs events at priorities chosen around the
other plugins' hooks (each one says why).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mkdocs.plugins import event_priority

from site_build.data.results import QueryStats
from site_build.mkdocs.progress import Bar
from site_build.session import Session


class Stages:
    """One build's stage clocks and counts; ``bar`` follows the pages on a terminal."""

    def __init__(self, log: logging.Logger | logging.LoggerAdapter, bar: Bar, *, search: bool):
        self.log, self.bar, self.search = log, bar, search
        self.rendered = self.written = self.indexed = 0
        self.seconds = {"pages": 0.0, "search": 0.0, "output": 0.0, "assets": 0.0}
        self._started: dict[str, float] = {}

    def start(self, clock: str) -> None:
        self._started[clock] = time.perf_counter()

    def stop(self, clock: str) -> None:
        started = self._started.pop(clock, None)
        if started is not None:
            self.seconds[clock] += time.perf_counter() - started

    @contextmanager
    def timed(self, clock: str) -> Iterator[None]:
        self.start(clock)
        try:
            yield
        finally:
            self.stop(clock)

    def rendered_all(self, session: Session) -> None:
        """Every page's Markdown is rendered (every macro has run): log pages and charts."""
        charts = session.charts
        self.log.info("pages: %d rendered (%.2f s in macros and Markdown)", self.rendered, self.seconds["pages"])
        self.log.info(
            "charts: %d made, %d SVGs drawn, %d from the disk cache (%.2f s)",
            charts.count,
            charts.drawn,
            charts.stored,
            charts.seconds,
        )

    def queried(self, stats: QueryStats) -> None:
        self.log.info(
            "queries: %d run, %d from the build's memory, %d from the disk cache (%.2f s in DuckDB)",
            stats.executed,
            stats.memory_hits,
            stats.disk_hits,
            stats.seconds,
        )

    def wrote_all(self, site_dir: Path) -> None:
        """The last post-build hook has run: log search and output."""
        if self.search:
            self.log.info("search: %d pages indexed (%.2f s)", self.indexed, self.seconds["search"])
        files = sum(1 for path in site_dir.rglob("*") if path.is_file())
        self.log.info(
            "output: %d files written (%.2f s, %.2f s of it for assets and build.json)",
            files,
            self.seconds["output"] - self.seconds["search"],
            self.seconds["assets"],
        )


def has_search(config) -> bool:
    """Material's search plugin is on: 'search' or 'material/search' in the plugins."""
    return any(name.rpartition("/")[2] == "search" for name in config.plugins)


class StageHooks:
    """The plugin's hooks that time the stages. The plugin sets ``stages`` in ``on_config``."""

    session: Session | None
    stages: Stages

    def _start_stages(self, log, config) -> None:
        self.stages = Stages(log, Bar.for_stderr(), search=has_search(config))

    # After every other plugin's on_nav: the pages are all known.
    @event_priority(-100)
    def _pages_start(self, nav, config, files):
        if self.session is not None:
            self.stages.bar.start("rendering pages", len(files.documentation_pages()))

    # Page time runs from before every plugin's on_page_markdown to after every plugin's on_page_content:
    # mkdocs-macros (0) and Markdown render between the two.
    @event_priority(100)
    def _page_starts(self, markdown, **kwargs):
        if self.session is not None:
            self.stages.start("pages")

    @event_priority(-100)
    def _page_done(self, html, **kwargs):
        if self.session is not None:
            stages, charts = self.stages, self.session.charts
            stages.stop("pages")
            stages.rendered += 1
            stages.bar.advance(f"{charts.count} charts" if charts.count else "")

    # MkDocs runs on_env once every page's Markdown is rendered, before it writes any page.
    @event_priority(-100)
    def _rendered(self, env, config, files):
        if self.session is not None:
            self.stages.rendered_all(self.session)
            self.stages.bar.start("writing pages", self.stages.rendered)
            self.stages.start("output")

    # Material's search indexes a page in on_page_context and writes its index in on_post_build, both at the
    # default priority (0). Our hooks just before (1) and just after (-1) time it; any other plugin's hook at
    # priority 0 in those two events would count with it (the handbook has only mkdocs-macros' post-build
    # functions, none of which it uses).
    @event_priority(1)
    def _search_starts(self, *args, **kwargs):
        if self.session is not None:
            self.stages.start("search")

    @event_priority(-1)
    def _page_indexed(self, context, **kwargs):
        if self.session is not None:
            self.stages.stop("search")
            self.stages.indexed += 1

    @event_priority(-100)
    def _page_written(self, output, **kwargs):
        if self.session is not None:
            self.stages.written += 1
            self.stages.bar.advance()

    @event_priority(1)
    def _index_starts(self, **kwargs):
        if self.session is not None:
            self.stages.bar.stop()
            self.stages.start("search")

    @event_priority(-1)
    def _index_written(self, **kwargs):
        if self.session is not None:
            self.stages.stop("search")

    # After Material's offline plugin (-100), the last to write files.
    @event_priority(-200)
    def _output_done(self, config, **kwargs):
        if self.session is not None:
            self.stages.stop("output")
            self.stages.wrote_all(Path(config.site_dir))
