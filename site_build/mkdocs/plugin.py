"""The MkDocs plugin: a thin adapter that owns the handbook session for a build.

It opens the data package and validates it in ``on_config`` (before any page
renders), tracks which page each macro runs on, writes the chart runtime only
when some page has a chart, and writes ``build.json``. List it before
``macros`` in mkdocs.yml so the session exists when ``macros/`` installs.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from site_build import i18n, render
from site_build.errors import HandbookError
from site_build.macros import Macros
from site_build.markup import css_string, data_values, unsafe_urls
from site_build.mkdocs import config as handbook_config
from site_build.mkdocs import host, search, toc
from site_build.mkdocs.config import HandbookConfig
from site_build.mkdocs.logs import forward_to
from site_build.mkdocs.pages import check_links, nav_with_generated, reading_order
from site_build.mkdocs.progress import Bar
from site_build.mkdocs.stages import StageHooks, Stages
from site_build.publish import manifest, published
from site_build.session import Published, Session
from site_build.views import assets, offline
from site_build.views.pages import PAGES_SLOT, fill_kpi_pages

log = get_plugin_logger(__name__)

THEME_DIR = Path(__file__).parent / "theme"
#: the engine's own code, an input of every build
ENGINE = Path(__file__).parent.parent
__all__ = ["HandbookConfig", "HandbookPlugin"]


class HandbookPlugin(StageHooks, BasePlugin[HandbookConfig]):
    def __init__(self):
        self.session: Session | None = None
        self.macros: Macros | None = None
        self.manifest: dict | None = None
        self.rows: dict[str, dict] = {}
        #: what the last build was made of, for ``handbook serve``'s partial rebuilds (mkdocs/rebuild.py)
        self.files = self.nav = self.env = self.entries = None
        #: the inputs: files by group, each file's fingerprint, each group's (see ``stamp``)
        self.groups: dict[str, dict[str, Path]] = {}
        self.inputs: dict[str, str] = {}
        self.prints: dict[str, str] = {}
        self._epoch = _Epoch()
        self.stages = Stages(log, Bar(None), search=False)

    # Runs before mkdocs-macros (priority 0) so the session exists when macros/ installs.
    @event_priority(50)
    def on_config(self, config):
        if not self.config.enabled:
            return config
        forward_to(log)
        self._close()
        host.prepare(config)
        self._start_stages(log, config)
        settings = handbook_config.settings(self.config, config.config_file_path)
        self.settings = settings = replace(settings, language=settings.language or config.theme.get("language"))
        try:
            self.today, user_epoch = _today(), _user_epoch()
            session = self.session = Session.open(settings, today=self.today)
            session.charts.defer = True  # drawn by workers while pages render; put in by _final_content
            stamp(self, config)
        except HandbookError as e:
            self._close()
            raise PluginError(str(e)) from None
        self.built_at = manifest.build_time(session.as_of, user_epoch)
        # Sitemaps read SOURCE_DATE_EPOCH: pin it to this build's time for this build only.
        self._epoch.pin(self.built_at)
        self.macros = Macros(session)
        config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(THEME_DIR))
        # Material's offline plugin would load this polyfill from unpkg.com; serve the vendored copy.
        config.extra["polyfills"] = offline.local_polyfills(config.extra.get("polyfills"))
        config.extra_css.extend(css for css in assets.STYLESHEETS if css not in config.extra_css)
        config.extra_javascript.extend(js for js in assets.SCRIPTS if js not in config.extra_javascript)
        log.info("data as of %s, version %s", config.extra["handbook"]["data_as_of"], session.version)
        return config

    def on_files(self, files, config):
        if self.macros is None:
            return files
        try:
            generated = self.macros.generate_pages(Path(config.docs_dir))
        except HandbookError as e:
            raise PluginError(str(e)) from None
        catalogue = self.macros.session.catalogue
        for page in generated:
            _refuse_overwrite(files, page, catalogue.path, config.docs_dir)
            files.append(File.generated(config, page.path, content=page.content))
        self.rows = {page.path: page.row for page in generated}
        self.files = files
        if config.nav:
            # Into the nav config, not the built nav: MkDocs then titles and links them like any page,
            # and does not report them as pages missing from the nav.
            config.nav = nav_with_generated(config.nav, [p.path for p in generated])
        check_links(self.macros.session, {f.src_uri for f in files.documentation_pages()}, config.docs_dir)
        return files

    def on_pre_build(self, config):
        if self.macros is None:
            return
        if "macros" in config.plugins:
            from site_build.mkdocs.macros import harden

            harden(config.plugins["macros"], self.macros.session.store.folder("templates"))
        if "material/search" in config.plugins:
            self.entries = search.reuse_entries(config.plugins["material/search"], self.macros.session.store)

    # After every other plugin's on_nav and on_env: what the pages are written with.
    @event_priority(-100)
    def _on_nav(self, nav, config, files):
        self.nav = nav

    @event_priority(-100)
    def _on_env(self, env, config, files):
        self.env = env
        env.bytecode_cache = render.bytecode_cache(self.session.store.folder("templates")) if self.session else None

    # Before mkdocs-macros renders the page, so macro failures name the right page
    # and a generated page's row is in page.meta when its template runs.
    @event_priority(50)
    def _on_page_markdown(self, markdown, page, config, files):
        if self.macros is not None:
            self.macros.begin_page(page.file.src_uri, origin=page.meta.get("generated_from"))
            if page.file.src_uri in self.rows:
                page.meta["row"] = data_values(self.rows[page.file.src_uri])
        return markdown

    # After mkdocs-macros and Markdown: the page's macros have all run.
    @event_priority(-50)
    def _on_page_content(self, html, page, config, files):
        if self.macros is not None:
            html = self.macros.stash.restore(html)
            self.macros.end_page()
        return _finished(html, page)

    # MkDocs renders every page's Markdown before any page's template: by now every page has
    # recorded its KPIs. Before search (priority 0) indexes the page.
    @event_priority(50)
    def _on_page_context(self, context, page, config, nav):
        if self.session is not None and page.content:
            page.content = _final_content(self.session, page, self.files)
        return context

    def _on_post_page(self, output, page, config):
        if self.session is None or page.file.src_uri not in self.session.pages_with_charts:
            return output
        tags = "".join(f'<script src="{get_relative_url(src, page.url)}"></script>' for src in assets.CHART_SCRIPTS)
        return output.replace("</body>", tags + "</body>", 1)

    # After search (0) writes its index, which the search line times; before offline (-100).
    @event_priority(-50)
    def _on_post_build(self, config):
        if self.session is None:
            return
        self._epoch.restore()
        session = self.session
        with self.stages.timed("assets"):
            self.manifest = _write_outputs(config, session, self)
        self.stages.queried(session.engine.stats)

    on_nav = CombinedEvent(_on_nav, StageHooks._pages_start)
    on_env = CombinedEvent(_on_env, StageHooks._rendered)
    on_page_markdown = CombinedEvent(StageHooks._page_starts, _on_page_markdown)
    on_page_content = CombinedEvent(_on_page_content, StageHooks._page_done)
    on_page_context = CombinedEvent(_on_page_context, StageHooks._search_starts, StageHooks._page_indexed)
    on_post_page = CombinedEvent(_on_post_page, StageHooks._page_written)
    on_post_build = CombinedEvent(
        StageHooks._index_starts, StageHooks._index_written, _on_post_build, StageHooks._output_done
    )

    def on_build_error(self, error=None):
        self._close()

    on_shutdown = on_build_error

    def _close(self):
        self._epoch.restore()
        self.stages.bar.stop()
        if self.session is not None:
            self.session.close()
        self.session = self.macros = None


def input_roots(config, settings) -> dict[str, list[Path]]:
    """The files and folders a build reads, by group: content, data, and configuration (which includes code)."""
    root = Path(config.config_file_path).parent
    data = [Path(settings.data_dir)] + ([Path(settings.catalogue)] if settings.catalogue else [])
    # The team's macros module, and the engine's own code and templates: new code is a new version.
    module = config.plugins["macros"].config.get("module_name") if "macros" in config.plugins else None
    code = [root / "macros"] + ([root / module, root / f"{module}.py"] if module else [])
    return {
        "content": [Path(config.docs_dir)],
        "data": data,
        "config": [Path(config.config_file_path), *dict.fromkeys(code), ENGINE],
    }


def stamp(plugin: HandbookPlugin, config, groups: dict[str, dict[str, Path]] | None = None) -> None:
    """Fingerprint the inputs; give the session, and the pages' stamp, the version they make.

    ``groups`` are the input files when the caller has listed them already (a partial rebuild has).
    """
    session = plugin.session
    assert session is not None
    plugin.groups = _input_groups(config, plugin.settings) if groups is None else groups
    plugin.inputs, plugin.prints = manifest.fingerprint(plugin.groups, session.engine.fingerprints)
    as_of = session.as_of
    session.version = version = manifest.version_id(as_of, plugin.prints["combined"])
    session.published = _published(plugin.settings.publish_dir, version)
    words_ = assets.words()
    data_as_of = as_of.isoformat() if as_of else "—"
    config.extra["handbook"] = {
        "version": version,
        "data_as_of": data_as_of,
        # the footer stamp's words, in the build's language (the theme's templates have no catalogue of ours)
        "words": words_,
        # the foot of every printed page (CSS @page), as the body of a CSS string
        "print_stamp": css_string(
            f"{config.site_name} · {words_['version']} {version} · {words_['data_as_of']} {data_as_of}"
        ),
    }


def _final_content(session: Session, page, files) -> str:
    """The page's HTML once every page has rendered: static SVGs drawn meanwhile, links to where KPIs are shown."""
    src = page.file.src_uri
    html = session.charts.resolve(page.content, src)
    if html is not page.content:  # the SVGs are new to the page: checked for links as the rest was
        html = _safe_links(html, src)
    if not PAGES_SLOT.search(html):  # only the dictionary lists pages: the others need no titles
        return html
    titles = {f.src_uri: f.page.title for f in files.documentation_pages() if f.page is not None and f.page.title}
    return fill_kpi_pages(html, session.kpi_pages, session.begin_page(src), titles)


def _finished(html: str, page) -> str:
    """The page's HTML without unsafe links; its table of contents and anchors completed from macro HTML."""
    html = _safe_links(html, page.file.src_uri)
    toc.complete(page, html)
    return html


def _safe_links(html: str, src: str) -> str:
    """``html`` without the link targets a handbook page must not have, each one logged."""
    html, removed = unsafe_urls(html)
    for url in removed:
        log.warning(
            "%s: removed the link target %r: a handbook page links only to http(s), mailto and relative "
            "URLs. Fix the link, or the data value it came from.",
            src,
            url[:80],
        )
    return html


def _input_groups(config, settings) -> dict[str, dict[str, Path]]:
    return manifest.input_files(input_roots(config, settings), Path(config.config_file_path).parent)


def _write_outputs(config, session: Session, plugin: HandbookPlugin) -> dict:
    """Write the chart runtime, the polyfill and build.json, and keep jieba's new words; return the manifest."""
    site = Path(config.site_dir)
    if plugin.entries is not None and plugin.entries.words is not None:
        plugin.entries.words.save()
    try:
        kpis = session.snapshot()["kpis"]
    except HandbookError as e:
        raise PluginError(str(e)) from None
    _write_assets(site, session)
    written = manifest.manifest(
        site_name=config.site_name,
        as_of=session.as_of,
        built_at=plugin.built_at,
        inputs=plugin.inputs,
        groups=plugin.prints,
        kpis=kpis,
        resources=_resources(session),
        published=published.declared(session.published.builds, session.published.previous),
        pages=reading_order(plugin.nav),
        language=i18n.current(),
        site_url=config.site_url,
    )
    manifest.write(site / "build.json", written)
    return written


def _refuse_overwrite(files, page, catalogue_path: Path, docs_dir: str) -> None:
    if files.get_file_from_path(page.path) is not None:
        raise PluginError(
            f"{os.path.relpath(catalogue_path)}: page template '{page.template_id}' would make {page.path}, "
            f"which already exists in {os.path.relpath(docs_dir)}/. Change the template's path or rename the page."
        )


def _write_assets(site: Path, session: Session) -> None:
    """The chart runtime and the vendored polyfill; then a warning for anything still loaded from another host."""
    assets.write(site, charts=bool(session.pages_with_charts), store=session.store)
    offline.install_polyfill(site)
    for page, urls in offline.external_references_in_site(site, session.store, stamp=session.version).items():
        log.warning(
            "%s loads %s from another host; the site must work with no network. Vendor the file or remove it.",
            page,
            ", ".join(urls),
        )


class _Epoch:
    """SOURCE_DATE_EPOCH pinned for one build and put back as it was, so the next build pins its own."""

    def __init__(self):
        self.pinned = False
        self.saved: str | None = None

    def pin(self, when: dt.datetime) -> None:
        if not self.pinned:
            self.pinned, self.saved = True, os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(int(when.timestamp()))

    def restore(self) -> None:
        if not self.pinned:
            return
        if self.saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = self.saved
        self.pinned, self.saved = False, None


def _published(publish_dir: Path | None, version: str) -> Published:
    if publish_dir is None:
        return Published()
    return Published(*published.read(publish_dir, version))


def _resources(session: Session) -> dict:
    fingerprints = session.engine.fingerprints
    return {
        name: {"path": r.relpath, "sha256": fingerprints.of(r.path)} for name, r in session.package.resources.items()
    }


def _user_epoch() -> str | None:
    """The user's SOURCE_DATE_EPOCH: the plugin puts its own back after each build, so this is never ours."""
    return os.environ.get("SOURCE_DATE_EPOCH") or None


def _today() -> dt.date:
    """The date data freshness is judged against: HANDBOOK_TODAY, the user's SOURCE_DATE_EPOCH, else today."""
    pinned = os.environ.get("HANDBOOK_TODAY")
    if pinned:
        try:
            return dt.date.fromisoformat(pinned)
        except ValueError:
            raise HandbookError(
                f"HANDBOOK_TODAY={pinned!r} is not a date. Write it as YYYY-MM-DD, or unset it."
            ) from None
    epoch = _user_epoch()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
        except ValueError:
            raise HandbookError(
                f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds since 1970. Fix it, or unset it."
            ) from None
    return dt.date.today()
