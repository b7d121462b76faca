"""``handbook serve`` rebuilds only the pages an edit reaches.

After a good build, ``LastBuild`` keeps what MkDocs built the site from
(config with its plugins, files, nav, theme) and the session, which knows
what each page read (``Session.page_reads``). On the next change, the inputs'
fingerprints say what changed:

    a chapter (a page that exists)    that page
    a data file                       the pages whose queries or KPIs read that resource, and the pages
                                      that summarise every KPI (需要行动, 指标词典, 数据健康, 本版变化, 指标历史)
    anything else                     a full build: mkdocs.yml, the catalogue, the descriptor, macros/,
                                      page templates, the engine, a page added or removed, an image

A partial rebuild also gives way to a full build when what it rendered
reaches other pages: a page's title (the nav), the KPIs a page shows (the
dictionary and the cards' links), whether it has charts (the chart runtime),
the data date (every card), or the pages the catalogue's templates make.
Search, ``build.json`` and the chart runtime are written again every time.
The pages not rebuilt keep the stamp (version) of the build that wrote them.

Pages render into a scratch folder, moved into the served site only once
every page has rendered: a failure leaves the site as it was, and the caller
then runs a full build, which reports the error.

This is an adapter: it calls MkDocs' own page steps (``_populate_page``,
``_build_page``; MkDocs 1.x is frozen, so they stay as they are).
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mkdocs.commands.build import _build_page, _populate_page
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import InclusionLevel

from site_build import fsutil
from site_build.mkdocs.plugin import _input_groups, stamp
from site_build.mkdocs.plugin import log as handbook_log
from site_build.mkdocs.stages import has_search
from site_build.publish import manifest
from site_build.session import Session

log = logging.getLogger("mkdocs.commands.serve")


class FullBuild(Exception):
    """The change reaches beyond the pages a partial rebuild renders; the message says why."""


@dataclass
class LastBuild:
    """What a good build leaves for the next one to start from."""

    config: MkDocsConfig
    #: the generated pages (path, content, row) the catalogue's templates made
    generated: list[tuple]

    @classmethod
    def of(cls, config: MkDocsConfig) -> LastBuild | None:
        """The state of the build that just ran with ``config``; None when a plugin kept no state to reuse."""
        plugin = config.plugins.get("handbook")
        if plugin is None or plugin.session is None or None in (plugin.files, plugin.nav, plugin.env):
            return None
        if plugin.entries is None and has_search(config):
            return None
        generated = [(p.path, p.content, p.row) for p in plugin.macros.generated]
        return cls(config, generated)

    @property
    def plugin(self):
        return self.config.plugins["handbook"]

    def close(self) -> None:
        self.plugin._close()


def rebuild(last: LastBuild, site: Path) -> list[str]:
    """Bring the served ``site`` up to date with the inputs; return the pages rebuilt (empty: nothing changed).

    Raises ``FullBuild`` when the change needs a full build, and whatever a
    page's render raises; ``site`` is then untouched.
    """
    config, plugin = last.config, last.plugin
    old_inputs, old_groups = plugin.inputs, plugin.groups
    groups = _input_groups(config, plugin.settings)
    new_inputs, _ = manifest.fingerprint(groups, plugin.session.engine.fingerprints)
    changed = {key for key in old_inputs.keys() | new_inputs.keys() if old_inputs.get(key) != new_inputs.get(key)}
    if not changed:
        return []
    if changed - (old_inputs.keys() & new_inputs.keys()):
        raise FullBuild(f"{min(changed - (old_inputs.keys() & new_inputs.keys()))} was added or removed")
    pages, resources = _classify(changed, old_groups, plugin)
    plugin._start_stages(handbook_log, config)
    if resources:
        pages |= _refresh(last, resources)
    stamp(plugin, config, groups)
    files = plugin.files
    doc_files = files.documentation_pages(inclusion=InclusionLevel.is_in_serve)
    order = [f for f in doc_files if f.src_uri in pages]
    for file in order:
        _render(file, config, plugin)
    # As a full build does once every page is rendered: the log's pages and charts lines.
    config.plugins.on_env(plugin.env, config=config, files=files)
    with tempfile.TemporaryDirectory(prefix=".rebuild-", dir=site.parent) as scratch:
        _write(order, Path(scratch), config, plugin, doc_files)
        fsutil.merge_into(Path(scratch), site)
    return [f.src_uri for f in order]


def _classify(changed: set[str], groups: dict[str, dict[str, Path]], plugin) -> tuple[set[str], set[str]]:
    """(pages to rebuild, resources whose data changed); ``FullBuild`` for any other change."""
    pages_at = {Path(f.abs_src_path): f.src_uri for f in plugin.files.documentation_pages() if f.abs_src_path}
    resources_at = {r.path.resolve(): name for name, r in plugin.session.package.resources.items()}
    pages, resources = set(), set()
    for key in sorted(changed):
        group = next(g for g, paths in groups.items() if key in paths)
        path = groups[group][key].resolve()
        if group == "content" and path in pages_at:
            pages.add(pages_at[path])
        elif group == "data" and path in resources_at:
            resources.add(resources_at[path])
        else:
            raise FullBuild(f"{key} changed")
    return pages, resources


def _refresh(last: LastBuild, resources: set[str]) -> set[str]:
    """Open a session on the new data in place of the old one; return the pages that read ``resources``."""
    plugin = last.plugin
    old: Session = plugin.session
    new = Session.open(plugin.settings, today=plugin.today)
    new.charts.defer = old.charts.defer
    try:
        if new.as_of != old.as_of:
            raise FullBuild(f"the data date moved from {old.as_of} to {new.as_of}")
        # What the pages recorded stays true for the pages not rebuilt.
        new.kpi_pages, new.pages_with_charts, new.page_reads = old.kpi_pages, old.pages_with_charts, old.page_reads
        plugin.macros.session = new
        generated = plugin.macros.generate_pages(Path(last.config.docs_dir))
        if [(p.path, p.content, p.row) for p in generated] != last.generated:
            raise FullBuild("the pages made from the catalogue's templates changed")
    except BaseException:
        plugin.macros.session = old
        new.close()
        raise
    plugin.session = new
    old.close()
    return {src for src, reads in new.page_reads.items() if reads is None or reads & resources}


def _render(file, config: MkDocsConfig, plugin) -> None:
    """Render ``file``'s page again, as a full build does; ``FullBuild`` when the change reaches other pages."""
    page, src, session = file.page, file.src_uri, plugin.session
    title, had_charts = page.title, src in session.pages_with_charts
    shown = {kpi for kpi, pages in session.kpi_pages.items() if src in pages}
    _populate_page(page, config, plugin.files)
    if page.title != title:
        raise FullBuild(f"the title of {src} changed (the nav shows it)")
    if set(plugin.macros.page.kpis) != shown:
        raise FullBuild(f"{src} shows other KPIs now (the dictionary lists where each KPI is shown)")
    if (src in session.pages_with_charts) != had_charts:
        raise FullBuild(f"{src} gained or lost its charts (the chart runtime)")


def _write(order: list, scratch: Path, config: MkDocsConfig, plugin, doc_files) -> None:
    """Write the rebuilt pages, the search index, build.json and the assets into ``scratch``."""
    site_dir = config.site_dir
    config.site_dir = str(scratch)
    try:
        for file in order:
            file.dest_dir = str(scratch)
            file.__dict__.pop("abs_dest_path", None)  # a cached property, computed from dest_dir
            _build_page(file.page, config, doc_files, plugin.nav, plugin.env)
        if plugin.entries is not None:
            plugin.entries.reorder([f.page.url for f in doc_files if f.page is not None])
        config.plugins.on_post_build(config=config)
    finally:
        config.site_dir = site_dir
