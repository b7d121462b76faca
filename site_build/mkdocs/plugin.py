"""The MkDocs plugin: a thin adapter that owns the handbook session for a build.

It opens the data package and validates it in ``on_config`` (before any page
renders), tracks which page each macro runs on, writes the chart runtime only
when some page has a chart, and writes ``build.json``. List it before
``macros`` in mkdocs.yml so the session exists when ``macros/`` installs.
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from site_build.errors import HandbookError
from site_build.markup import data_values, unsafe_urls
from site_build.mkdocs.logs import forward_to
from site_build.publish import manifest
from site_build.session import Handbook, Settings
from site_build.views import assets, offline

log = get_plugin_logger(__name__)

THEME_DIR = Path(__file__).parent / "theme"


class HandbookConfig(base.Config):
    enabled = c.Type(bool, default=True)
    """Turn the handbook engine off, e.g. for a plain-theme preview."""

    data_dir = c.Dir(exists=False, default="data")
    """Folder with datapackage.json, the datasets and metrics.yml (relative to mkdocs.yml)."""

    catalogue = c.Optional(c.File(exists=False))
    """KPI catalogue; defaults to <data_dir>/metrics.yml."""

    cache_dir = c.Type(str, default=".handbook-cache")
    """Hidden folder for cached query results, fingerprints and chart SVGs (relative to mkdocs.yml)."""

    validation_enabled = c.Type(bool, default=True)
    """Validate every dataset against its Table Schema before pages render."""

    validation_errors_per_type = c.Type(int, default=5)
    """How many example rows to list for each kind of validation error."""

    table_max_rows = c.Type(int, default=200)
    """Default row limit of table(); past it the macro fails with a clear error."""

    query_timeout = c.Type((int, float), default=30)
    """Seconds one content query (table, chart, KPI) may run; past it the macro fails and names the SQL."""

    health_page = c.Type(str, default="health.md")
    """Page that documents each dataset; KPI cards, tables and charts link to it."""

    dictionary_page = c.Type(str, default="dictionary.md")
    """Page that defines every KPI; KPI card titles link to it."""

    publish_dir = c.Type(str, default="public")
    """The publish tree (relative to mkdocs.yml); 本版变化 compares with its newest version."""


class HandbookPlugin(BasePlugin[HandbookConfig]):
    def __init__(self):
        self.handbook: Handbook | None = None
        self.manifest: dict | None = None
        self.rows: dict[str, dict] = {}

    # Runs before mkdocs-macros (priority 0) so the session exists when macros/ installs.
    @event_priority(50)
    def on_config(self, config):
        if not self.config.enabled:
            return config
        forward_to(log)
        root = Path(config.config_file_path).parent
        settings = Settings(
            data_dir=Path(self.config.data_dir),
            catalogue=Path(self.config.catalogue) if self.config.catalogue else None,
            cache_dir=root / self.config.cache_dir,
            table_max_rows=self.config.table_max_rows,
            query_timeout=self.config.query_timeout,
            health_page=self.config.health_page,
            dictionary_page=self.config.dictionary_page,
            validate=self.config.validation_enabled,
            errors_per_type=self.config.validation_errors_per_type,
            publish_dir=root / self.config.publish_dir,
        )
        self._close()
        try:
            self.handbook = Handbook.open(settings, today=_today())
            groups = manifest.input_files(
                {
                    "content": [Path(config.docs_dir)],
                    "data": [settings.data_dir],
                    # The engine's own code and templates count as configuration: a new engine is a new version.
                    "config": [Path(config.config_file_path), root / "macros", Path(__file__).parent.parent],
                },
                root,
            )
            inputs, prints = manifest.fingerprint(groups, self.handbook.engine.fingerprints)
            as_of = self.handbook.as_of
        except HandbookError as e:
            self._close()
            raise PluginError(str(e)) from None
        self.inputs, self.prints = inputs, prints
        version = manifest.version_id(as_of, prints["combined"])
        self.handbook.version = version
        # Sitemaps and feeds read SOURCE_DATE_EPOCH: pin it so rebuilds are byte-identical.
        os.environ.setdefault("SOURCE_DATE_EPOCH", str(int(manifest.build_time(as_of).timestamp())))
        config.extra["handbook"] = {"version": version, "data_as_of": as_of.isoformat() if as_of else "—"}
        config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(THEME_DIR))
        # Material's offline plugin would load this polyfill from unpkg.com; serve the vendored copy.
        config.extra["polyfills"] = offline.local_polyfills(config.extra.get("polyfills"))
        for css in assets.STYLESHEETS:
            if css not in config.extra_css:
                config.extra_css.append(css)
        for js in assets.SCRIPTS:
            if js not in config.extra_javascript:
                config.extra_javascript.append(js)
        log.info("data as of %s, version %s", config.extra["handbook"]["data_as_of"], version)
        return config

    def on_files(self, files, config):
        if self.handbook is None:
            return files
        try:
            generated = self.handbook.generate_pages(Path(config.docs_dir))
        except HandbookError as e:
            raise PluginError(str(e)) from None
        for page in generated:
            if files.get_file_from_path(page.path) is not None:
                raise PluginError(
                    f"{os.path.relpath(self.handbook.catalogue.path)}: page template '{page.template_id}' would make {page.path}, "
                    f"which already exists in {os.path.relpath(config.docs_dir)}/. Change the template's path or rename the page."
                )
            files.append(File.generated(config, page.path, content=page.content))
        self.rows = {page.path: page.row for page in generated}
        if config.nav:
            # Into the nav config, not the built nav: MkDocs then titles and links them like any page,
            # and does not report them as pages missing from the nav.
            config.nav = _nav_with_generated(config.nav, [p.path for p in generated])
        pages = {f.src_uri: f.content_string for f in files.documentation_pages()}
        self.handbook.scan_sources(pages)
        known = {f.src_uri for f in files.documentation_pages()}
        for kpi in self.handbook.catalogue.kpis.values():
            page = kpi.play.section.partition("#")[0]
            if page not in known:
                log.warning(
                    "KPI '%s': play.section '%s' is not a page in %s/. Fix the path in %s.",
                    kpi.id,
                    kpi.play.section,
                    os.path.relpath(config.docs_dir),
                    os.path.relpath(self.handbook.catalogue.path),
                )
        return files

    def on_pre_build(self, config):
        if self.handbook is not None and "macros" in config.plugins:
            from site_build.mkdocs.macros import harden

            harden(config.plugins["macros"])

    # Before mkdocs-macros renders the page, so macro failures name the right page
    # and a generated page's row is in page.meta when its template runs.
    @event_priority(50)
    def on_page_markdown(self, markdown, page, config, files):
        if self.handbook is not None:
            self.handbook.begin_page(page.file.src_uri, origin=page.meta.get("generated_from"))
            if page.file.src_uri in self.rows:
                page.meta["row"] = data_values(self.rows[page.file.src_uri])
        return markdown

    # After mkdocs-macros and Markdown: the page's macros have all run.
    @event_priority(-50)
    def on_page_content(self, html, page, config, files):
        if self.handbook is not None:
            self.handbook.end_page()
        html, removed = unsafe_urls(html)
        for url in removed:
            log.warning(
                "%s: removed the link target %r: a handbook page links only to http(s), mailto and relative URLs. Fix the link, or the data value it came from.",
                page.file.src_uri,
                url[:80],
            )
        return html

    def on_post_page(self, output, page, config):
        if self.handbook is None or page.file.src_uri not in self.handbook.pages_with_charts:
            return output
        tags = "".join(f'<script src="{get_relative_url(src, page.url)}"></script>' for src in assets.CHART_SCRIPTS)
        return output.replace("</body>", tags + "</body>", 1)

    def on_post_build(self, config):
        if self.handbook is None:
            return
        hb = self.handbook
        try:
            kpis = hb.snapshot()["kpis"]
        except HandbookError as e:
            raise PluginError(str(e)) from None
        site = Path(config.site_dir)
        assets.write(site, charts=bool(hb.pages_with_charts), store=hb.store)
        offline.install_polyfill(site)
        for page, urls in offline.external_references_in_site(site).items():
            log.warning(
                "%s loads %s from another host; the site must work with no network. Vendor the file or remove it.",
                page,
                ", ".join(urls),
            )
        resources = {
            name: {"path": r.relpath, "sha256": hb.engine.fingerprints.of(r.path)}
            for name, r in hb.package.resources.items()
        }
        self.manifest = manifest.manifest(
            site_name=config.site_name,
            as_of=hb.as_of,
            inputs=self.inputs,
            groups=self.prints,
            kpis=kpis,
            resources=resources,
        )
        manifest.write(site / "build.json", self.manifest)
        stats = hb.engine.stats
        log.info(
            "queries: %d run, %d from the build's memory, %d from the disk cache (%.2f s in DuckDB)",
            stats.executed,
            stats.memory_hits,
            stats.disk_hits,
            stats.seconds,
        )

    def on_build_error(self, error):
        self._close()

    def on_shutdown(self):
        self._close()

    def _close(self):
        if self.handbook is not None:
            self.handbook.close()
            self.handbook = None


def _nav_with_generated(nav: list, paths: list[str]) -> list:
    """``nav`` with each generated page right after its folder's ``index.md``, unless the nav lists it already."""
    listed = set(_nav_paths(nav))
    after: dict[str, list[str]] = {}
    for path in paths:
        if path not in listed:
            after.setdefault(posixpath.join(posixpath.dirname(path), "index.md"), []).append(path)

    def insert(items: list) -> list:
        out = []
        for item in items:
            if isinstance(item, dict):
                item = {title: insert(value) if isinstance(value, list) else value for title, value in item.items()}
            out.append(item)
            out.extend(after.get(_nav_page(item), []))
        return out

    return insert(nav)


def _nav_page(item) -> str | None:
    """The page a nav entry points at: 'a.md' or {'Title': 'a.md'}; None for a section."""
    if isinstance(item, dict) and len(item) == 1:
        item = next(iter(item.values()))
    return item if isinstance(item, str) else None


def _nav_paths(items: list):
    for item in items:
        values = item.values() if isinstance(item, dict) else [item]
        for value in values:
            if isinstance(value, list):
                yield from _nav_paths(value)
            elif isinstance(value, str):
                yield value


# Read once at import: the plugin itself sets SOURCE_DATE_EPOCH for later builds in the same process.
_USER_EPOCH = os.environ.get("SOURCE_DATE_EPOCH")


def _today() -> dt.date:
    """The date data freshness is judged against: HANDBOOK_TODAY, the user's SOURCE_DATE_EPOCH, else today."""
    pinned = os.environ.get("HANDBOOK_TODAY")
    if pinned:
        try:
            return dt.date.fromisoformat(pinned)
        except ValueError:
            raise PluginError(
                f"HANDBOOK_TODAY={pinned!r} is not a date. Write it as YYYY-MM-DD, or unset it."
            ) from None
    if _USER_EPOCH:
        return dt.datetime.fromtimestamp(int(_USER_EPOCH), tz=dt.timezone.utc).date()
    return dt.date.today()
