"""Pages made from a Markdown template, one per row of a query (one page per channel, say).

A ``pages:`` entry in the catalogue names the template, the output path with
``{slug}`` and the query. Each row becomes a page whose front matter holds the
row, so the template reads ``page.meta.row.channel`` and passes it to its
macros with ``params=[...]``. Nothing here imports MkDocs: the host adds the
pages to its file list.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from markupsafe import Markup

from site_build.errors import CatalogueError, MacroError, suggest
from site_build.render import fragment

#: a slug becomes a file name: keep it portable and URL-safe
SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
#: more pages than this from one template is almost surely a query without GROUP BY
MAX_PAGES = 500


@dataclass(frozen=True)
class GeneratedPage:
    """One page made from a template for one row of its query."""

    template_id: str
    path: str
    title: str
    content: str


def generated_pages(handbook, docs_dir: Path) -> list[GeneratedPage]:
    """Every page of every catalogue page template, in catalogue then query order."""
    pages: list[GeneratedPage] = []
    for definition in handbook.catalogue.pages.values():
        pages.extend(_pages_of(handbook, definition, Path(docs_dir)))
    return pages


def page_links(handbook, template_id: str) -> Markup:
    """Links from the current page to the pages generated from one template, in query order."""
    if template_id not in handbook.catalogue.pages:
        raise MacroError(f"page_links('{template_id}'): unknown page template. " + suggest(template_id, handbook.catalogue.pages, noun="page template"))
    links = [(p.title, handbook.href(p.path)) for p in handbook.generated if p.template_id == template_id]
    return fragment("page_links.html", links=links)


def _pages_of(handbook, definition, docs_dir: Path) -> list[GeneratedPage]:
    where = f"{os.path.relpath(handbook.catalogue.path)}:{definition.line}: page template '{definition.id}'"
    template = docs_dir / definition.template
    if not template.is_file():
        raise CatalogueError(f"{where}: template {definition.template} not found in {os.path.relpath(docs_dir)}/. Create it, and list its folder under exclude_docs in mkdocs.yml so it is not built as a page of its own.")
    text = template.read_text(encoding="utf-8")
    sql = handbook.catalogue.query(definition.query).sql if definition.query else definition.sql
    result = handbook.engine.query(sql, label=f"pages {definition.id}", limit=MAX_PAGES)
    if "slug" not in result.columns:
        raise CatalogueError(f"{where}: its query must return a 'slug' column (used in path '{definition.path}'). Columns: {', '.join(result.columns)}.")
    pages, seen = [], {}
    for number, row in enumerate(result.records(), start=1):
        slug = row["slug"]
        if not isinstance(slug, str) or not SLUG.fullmatch(slug):
            raise CatalogueError(f"{where}: row {number} has slug {slug!r}; a slug becomes a file name, so use lower-case letters, digits, '-' and '_' (for example 'tmall').")
        if slug in seen:
            raise CatalogueError(f"{where}: rows {seen[slug]} and {number} both have slug '{slug}'. Make the slug unique, for example with GROUP BY.")
        seen[slug] = number
        title = str(row.get("title") or slug)
        # The body is the template verbatim, so line numbers in errors are the template's own.
        front = yaml.safe_dump({"title": title, "row": row, "generated_from": definition.template}, allow_unicode=True, sort_keys=True)
        pages.append(GeneratedPage(definition.id, definition.path.replace("{slug}", slug), title, f"---\n{front}---\n{text}"))
    return pages
