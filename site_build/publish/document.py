"""The whole handbook as one HTML document, for print: cover, contents, then every page in reading order.

It is made from a finished build (``site/`` and its ``build.json``), not from
the host: each page's article is taken out of its theme, stripped of what
only works on screen (live charts, scripts, sort buttons, filter boxes), and
its ids and links are rewritten so that a link to another page becomes a
link inside the document. Every text and attribute is escaped again on the
way out: nothing from a page is pasted in as markup.
"""

from __future__ import annotations

import html
import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path

from markupsafe import Markup

from site_build import i18n
from site_build.i18n import _
from site_build.kpis.status import STATUS_ICON, status_text
from site_build.markup import css_string
from site_build.render import template

#: elements dropped with everything in them: screen-only parts of a page
DROPPED_CLASSES = {
    "hb-chart__live",  # the live Vega chart: the static SVG beside it prints
    "hb-chart__spec",
    "headerlink",
    "hb-filter",
    "hb-table__more",
    "hb-table__all",  # the full table folded under a ranking: the ranking prints
    "hb-download",
    "md-source-file",
}
DROPPED_TAGS = {"script", "style", "noscript", "template", "input", "form"}
#: elements whose tag goes but whose text stays (a sort button is its column's label)
UNWRAPPED_TAGS = {"button"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_URL_ATTRS = {"href", "xlink:href"}


def page_key(path: str) -> str:
    """The id prefix of a page inside the document: 'p-2-core-channels' for 2-core/channels.html."""
    return "p-" + re.sub(r"[^A-Za-z0-9]+", "-", re.sub(r"\.html$", "", path)).strip("-")


class _Article(HTMLParser):
    """Copies one page's ``<article class="md-content__inner">``, rewritten for the document."""

    def __init__(self, path: str, pages: set[str]):
        super().__init__(convert_charrefs=True)
        self.path, self.pages, self.key = path, pages, page_key(path)
        self.out: list[str] = []
        self.depth = 0  # open elements inside the article; 0 before and after it
        self.skip = 0  # open elements inside a dropped one

    def handle_starttag(self, tag, attrs):
        self._start(tag, attrs, closed=tag in VOID)

    def handle_startendtag(self, tag, attrs):
        self._start(tag, attrs, closed=True)

    def _start(self, tag: str, attrs: list, *, closed: bool) -> None:
        values = dict(attrs)
        if not self.depth:
            if tag == "article" and "md-content__inner" in (values.get("class") or "").split():
                self.depth = 1
            return
        if self.skip or tag in DROPPED_TAGS or DROPPED_CLASSES & set((values.get("class") or "").split()):
            if not closed:
                self.skip += 1
            return
        if not closed:
            self.depth += 1
        if tag in UNWRAPPED_TAGS:
            return
        self.out.append(f"<{tag}{''.join(self._attr(k, v) for k, v in attrs)}{' /' if closed else ''}>")

    def handle_endtag(self, tag):
        if not self.depth or tag in VOID:
            return
        if self.skip:
            self.skip -= 1
            return
        self.depth -= 1
        if self.depth and tag not in UNWRAPPED_TAGS:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.out.append(html.escape(data, quote=False))

    def _attr(self, name: str, value: str | None) -> str:
        if value is None:
            return f" {name}"
        if name == "id" or (name in ("for", "aria-labelledby", "aria-describedby")):
            value = " ".join(f"{self.key}--{v}" for v in value.split())
        elif name in _URL_ATTRS:
            value = self._link(value)
            if value is None:
                return ""
        return f' {name}="{html.escape(value)}"'

    def _link(self, href: str) -> str | None:
        """A link inside the document for a page it holds; an outside URL as it is; else none."""
        if re.match(r"[a-z][a-z0-9+.-]*:", href, re.I):
            return href if href.lower().startswith(("http:", "https:", "mailto:")) else None
        target, _, anchor = href.partition("#")
        if not target:
            return f"#{self.key}--{anchor}" if anchor else f"#{self.key}"
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(self.path), target))
        if resolved.endswith("/") or not resolved.endswith(".html"):
            resolved = posixpath.join(resolved, "index.html") if "." not in posixpath.basename(resolved) else resolved
        if resolved not in self.pages:
            return None
        key = page_key(resolved)
        return f"#{key}--{anchor}" if anchor else f"#{key}"


def article(site: Path, path: str, pages: set[str]) -> str:
    """The printable body of one built page: its article, rewritten (see ``_Article``)."""
    parser = _Article(path, pages)
    parser.feed((site / path).read_text(encoding="utf-8"))
    parser.close()
    return "".join(parser.out)


def document(site: Path, build: dict, *, stylesheet: str, stamp: str) -> str:
    """The handbook as one HTML document: cover, contents with page numbers, then each page in nav order.

    ``stylesheet`` and ``stamp`` (the text at the foot of every sheet) are the
    engine's own; everything taken from the build is escaped.
    """
    order = [p for p in build.get("pages") or [] if (site / p["path"]).is_file()]
    paths = {p["path"] for p in order}
    statuses = [k.get("status") for k in (build.get("kpis") or {}).values()]
    counts = [
        {"status": s, "icon": _(STATUS_ICON[s]), "text": status_text(s), "count": statuses.count(s)}
        for s in ("alert", "watch", "no-data", "on-track")
        if statuses.count(s)
    ]
    return template("pdf_document.html").render(
        language=i18n.current(),
        site_name=build.get("site_name") or "",
        version=build["version"],
        data_as_of=build.get("data_as_of") or "—",
        built_at=build.get("built_at") or "",
        counts=counts,
        total=len(statuses),
        pages=[
            {
                "key": page_key(p["path"]),
                "title": p.get("title") or p["path"],
                "section": p.get("section"),
                # escaped by _Article, tag by tag
                "body": Markup(article(site, p["path"], paths)),
            }
            for p in order
        ],
        # the engine's own files and words, not data
        stylesheet=Markup(stylesheet),
        stamp=Markup(css_string(stamp)),  # hex-escaped: ends neither the string nor <style>
    )
