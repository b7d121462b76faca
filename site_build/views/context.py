"""The page being rendered: where it is, what it showed, and links from it.

One ``PageContext`` per page. Renderers take it as an argument to make ids
unique on the page, to link relative to it, and to record what the page used
(KPIs for the dictionary, datasets for the data-health links, charts for the
chart runtime). Nothing here knows the host: ``src`` is a path in the
content folder, as built with ``use_directory_urls`` off.

``ChartStats`` is the build-wide count of what its charts cost, for the log.
"""

from __future__ import annotations

import posixpath
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ChartStats:
    """A build's charts: SVGs drawn by vl-convert, SVGs taken from the store, and the seconds they took."""

    drawn: int = 0
    stored: int = 0
    #: making the charts (spec and SVG), not the queries under them: those count as queries
    seconds: float = 0.0
    #: True when the host puts the static SVGs into the pages once they have all rendered (``resolve``):
    #: they are then drawn in worker processes meanwhile (``vega.Drawings``), else each at once, here
    defer: bool = False
    drawings: Any = None

    def resolve(self, html: str, page: str) -> str:
        """``html`` with the static SVGs of deferred drawings put in (see ``defer``)."""
        return html if self.drawings is None else self.drawings.resolve(html, page)

    @property
    def count(self) -> int:
        return self.drawn + self.stored

    @contextmanager
    def timed(self) -> Iterator[None]:
        """Add the time spent inside the ``with`` block to ``seconds``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds += time.perf_counter() - start


@dataclass
class PageContext:
    src: str = "index.md"
    #: the template a generated page was made from, relative to the content folder
    origin: str | None = None
    health_page: str = "health.md"
    dictionary_page: str = "dictionary.md"
    #: resource name -> its title in the descriptor, for the "Data:" links readers see
    titles: dict[str, str] = field(default_factory=dict)
    charts: int = 0
    resources: set[str] = field(default_factory=set)
    #: KPI ids whose card or value this page shows, in first-use order
    kpis: list[str] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    #: the resources this page's queries read, and the KPIs its macros evaluated (for rebuilds after a data edit)
    reads: set[str] = field(default_factory=set)
    uses: set[str] = field(default_factory=set)
    #: a page that summarises the whole build (actions, dictionary, health, history): rebuilt on any data edit
    reads_everything: bool = False

    @property
    def where(self) -> str:
        """The page for an error message; a generated page names its template, where the mistake is."""
        return self.src + (f" (made from {self.origin})" if self.origin else "")

    def unique_id(self, base: str) -> str:
        """``base`` the first time on this page, then ``base-2``, ``base-3`` …"""
        n = self.ids[base] = self.ids.get(base, 0) + 1
        return base if n == 1 else f"{base}-{n}"

    def href(self, target_src: str) -> str:
        """A link from this page to ``target_src`` ('file.md#anchor')."""
        path, _, anchor = target_src.partition("#")
        url = re.sub(r"\.md$", ".html", path)
        rel = posixpath.relpath(url, posixpath.dirname(self.src) or ".")
        return rel + (f"#{anchor}" if anchor else "")

    def source_links(self, resources) -> list[tuple[str, str]]:
        """Links to each dataset's entry on the data-health page; records that this page read them."""
        self.resources.update(resources)
        return [(self.titles.get(r) or r, self.href(f"{self.health_page}#data-{r}")) for r in sorted(resources)]

    def dictionary_href(self, kpi_id: str) -> str:
        return self.href(f"{self.dictionary_page}#kpi-def-{kpi_id}")

    def shows(self, kpi_id: str) -> None:
        """Record that this page shows ``kpi_id`` (the dictionary lists the pages that use a KPI)."""
        if kpi_id not in self.kpis:
            self.kpis.append(kpi_id)
