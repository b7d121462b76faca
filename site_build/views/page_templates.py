"""Pages made from a Markdown template, one per row of a query (one page per channel, say).

A ``pages:`` entry in the catalogue names the template, the output path with
``{slug}`` and the query. Each row becomes a page; the host hands the row to
the template as ``page.meta.row``, so the template reads
``page.meta.row.channel`` and passes it to its macros with ``params=[...]``.
Nothing here imports MkDocs: the host adds the pages to its file list.

The row is data, and data is never code: it stays out of the page source
(mkdocs-macros would render it as Jinja), its strings reach the template as
``markup.DataText`` (printed as plain text), and the title in the front
matter is ``markup.plain_text``. Template and output paths must stay inside
the content folder.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Protocol

import yaml
from markupsafe import Markup

from site_build.data.result import QueryResult
from site_build.errors import CatalogueError, MacroError, suggest
from site_build.kpis.catalogue import Catalogue, PageDef
from site_build.markup import plain_text
from site_build.render import fragment
from site_build.views.context import PageContext

#: a slug becomes a file name: keep it portable and URL-safe
SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")


class Engine(Protocol):
    """What page templates need of the query engine (the renderers never import it)."""

    def query(self, sql: str, params=None, *, limit: int | None = None, label: str | None = None) -> QueryResult: ...


#: more pages than this from one template is almost surely a query without GROUP BY
MAX_PAGES = 500


@dataclass(frozen=True)
class GeneratedPage:
    """One page made from a template for one row of its query."""

    template_id: str
    path: str
    title: str
    content: str
    #: the query row, handed to the template as page.meta.row by the host (never part of ``content``)
    row: dict = field(default_factory=dict, compare=False)


def generated_pages(catalogue: Catalogue, engine: Engine, docs_dir: Path) -> list[GeneratedPage]:
    """Every page of every catalogue page template, in catalogue then query order."""
    pages: list[GeneratedPage] = []
    for definition in catalogue.pages.values():
        pages.extend(_pages_of(catalogue, engine, definition, Path(docs_dir)))
    return pages


def page_links(catalogue: Catalogue, generated: list[GeneratedPage], template_id: str, page: PageContext) -> Markup:
    """Links from ``page`` to the pages generated from one template, in query order."""
    if template_id not in catalogue.pages:
        raise MacroError(
            f"page_links('{template_id}'): unknown page template. "
            + suggest(template_id, catalogue.pages, noun="page template")
        )
    links = [(p.title, page.href(p.path)) for p in generated if p.template_id == template_id]
    return fragment("page_links.html", links=links)


def _pages_of(catalogue: Catalogue, engine: Engine, definition: PageDef, docs_dir: Path) -> list[GeneratedPage]:
    where = f"{os.path.relpath(catalogue.path)}:{definition.line}: page template '{definition.id}'"
    template = _template_file(where, definition.template, docs_dir)
    _check_output_path(where, definition.path, docs_dir)
    if not template.is_file():
        raise CatalogueError(
            f"{where}: template {definition.template} not found in {os.path.relpath(docs_dir)}/. Create it, "
            "and list its folder under exclude_docs in mkdocs.yml so it is not built as a page of its own."
        )
    text = template.read_text(encoding="utf-8")
    sql = catalogue.query(definition.query).sql if definition.query else definition.sql
    if not sql:
        raise CatalogueError(f"{where}: give it the rows to make pages from, as query: NAME or sql: SELECT ….")
    result = engine.query(sql, label=f"pages {definition.id}", limit=MAX_PAGES)
    if "slug" not in result.columns:
        raise CatalogueError(
            f"{where}: its query must return a 'slug' column (used in path '{definition.path}'). Columns: "
            f"{', '.join(result.columns)}."
        )
    pages: list = []
    seen: dict[str, int] = {}
    for number, row in enumerate(result.records(), start=1):
        slug = row["slug"]
        if not isinstance(slug, str) or not SLUG.fullmatch(slug):
            raise CatalogueError(
                f"{where}: row {number} has slug {slug!r}; a slug becomes a file name, so use lower-case "
                "letters, digits, '-' and '_' (for example 'tmall')."
            )
        if slug in seen:
            raise CatalogueError(
                f"{where}: rows {seen[slug]} and {number} both have slug '{slug}'. Make the slug unique, for "
                "example with GROUP BY."
            )
        seen[slug] = number
        title = str(row.get("title") or slug)
        # The body is the template verbatim, so line numbers in errors are the template's own.
        front = yaml.safe_dump(
            {"title": str(plain_text(title)), "generated_from": definition.template}, allow_unicode=True, sort_keys=True
        )
        pages.append(
            GeneratedPage(
                definition.id, definition.path.replace("{slug}", slug), title, f"---\n{front}---\n{text}", row
            )
        )
    return pages


def _template_file(where: str, template: str, docs_dir: Path) -> Path:
    """The template's file, which must resolve (symlinks too) inside the content folder."""
    path = (docs_dir / template).resolve()
    if PurePosixPath(template).is_absolute() or not path.is_relative_to(docs_dir.resolve()):
        raise CatalogueError(
            f"{where}: template '{template}' is outside {os.path.relpath(docs_dir)}/. "
            f"Give a path relative to {os.path.relpath(docs_dir)}/, for example '_templates/channel.md'."
        )
    return path


def _check_output_path(where: str, path: str, docs_dir: Path) -> None:
    """A page path is relative, inside the content folder, a Markdown file, with one {slug}."""
    parts = path.split("/")
    problem = None
    if PurePosixPath(path).is_absolute() or re.match(r"^[A-Za-z]:", path) or "\\" in path:
        problem = "is not a relative path"
    elif ".." in parts or "." in parts:
        problem = "leaves its folder with '..' or '.'"
    elif path.count("{slug}") != 1:
        problem = "must contain {slug} exactly once"
    elif not path.endswith(".md"):
        problem = "must end in .md"
    if problem:
        raise CatalogueError(
            f"{where}: path '{path}' {problem}. Pages are written inside {os.path.relpath(docs_dir)}/; "
            "write a relative path such as 'channels/{slug}.md'."
        )
