"""Where the handbook's pages sit in the site: pages made from templates in the nav, and the pages cards link to.

This is an adapter's helper: it works on MkDocs' nav config and page paths, and logs on the plugin's logger.
"""

from __future__ import annotations

import html
import os
import posixpath
import re

from mkdocs.plugins import get_plugin_logger

from site_build.session import Session

log = get_plugin_logger("site_build.mkdocs.plugin")


#: the pages every KPI card links to: (setting, what it is, the macro that fills it)
_REFERENCE_PAGES = (
    ("dictionary_page", "the KPI dictionary", "kpi_dictionary()"),
    ("health_page", "the data-health page", "data_health()"),
)


def check_links(session: Session, known: set[str], docs_dir: str) -> None:
    """Warn (so a strict build fails) about the pages cards link to that the site does not have."""
    catalogue, content = session.catalogue, os.path.relpath(docs_dir)
    for setting, what, macro in _REFERENCE_PAGES if catalogue.kpis else ():
        page = getattr(session.settings, setting)
        if page not in known:
            log.warning(
                "KPI cards link to %s at %s, which is not a page in %s/. Add %s/%s with {{ %s }} "
                "(handbook new writes one), or point %s in mkdocs.yml at the page that has it.",
                what, page, content, content, page, macro, setting,
            )  # fmt: skip
    for kpi in catalogue.kpis.values():
        if kpi.play and kpi.play.section.partition("#")[0] not in known:
            log.warning(
                "KPI '%s': play.section '%s' is not a page in %s/. Fix the path in %s.",
                kpi.id,
                kpi.play.section,
                content,
                os.path.relpath(catalogue.path),
            )


def nav_with_generated(nav: list, paths: list[str]) -> list:
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
            out.extend(after.get(_nav_page(item) or "", []))
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


def reading_order(nav) -> list[dict]:
    """The built pages in nav order, for build.json: path (the HTML file), title, and the top section's title.

    The PDF takes its chapters in this order; a page outside the nav is not in it.
    """
    if nav is None:
        return []
    out = []
    for page in nav.pages:
        section = page.parent
        while section is not None and section.parent is not None:
            section = section.parent
        out.append(
            {"path": page.file.dest_uri, "title": _text(page.title), "section": section and _text(section.title)}
        )
    return out


def _text(title: str | None) -> str:
    """A nav title as plain text: MkDocs keeps it as HTML (官网&#47;APP)."""
    return html.unescape(re.sub(r"<[^>]+>", "", title or ""))
