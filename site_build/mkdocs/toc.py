"""Headings and anchors of macro HTML, added to the page's table of contents and anchor list.

Macros' block HTML skips Python-Markdown (``markup.Stash``), so its headings
never reach the ``toc`` extension: 指标词典, 数据健康 and 需要行动 had an empty
table of contents, and MkDocs reported links to their sections as missing
anchors. ``complete`` reads the page's final HTML and puts them back, in
document order, keeping the entries Markdown made.
"""

from __future__ import annotations

import html
import re

from mkdocs.structure.toc import AnchorLink, TableOfContents

_HEADING = re.compile(r"<h([1-6])\b[^>]*?\bid=\"([^\"]+)\"[^>]*>(.*?)</h\1>", re.S)
_ID = re.compile(r"\bid=\"([^\"]+)\"")
_TAG = re.compile(r"<[^>]+>")
_PERMALINK = re.compile(r"<a class=\"headerlink\".*?</a>", re.S)


def complete(page, content: str) -> None:
    """Add the headings and ids of ``content`` (the page's HTML) that MkDocs did not see to ``page``."""
    if page.present_anchor_ids is not None:
        page.present_anchor_ids |= set(_ID.findall(content))
    known = {link.id: link for link in _walk(page.toc)}
    found = [(int(level), anchor, title) for level, anchor, title in _HEADING.findall(content)]
    if all(anchor in known for _, anchor, _ in found):
        return
    links = [known.get(anchor) or AnchorLink(_text(title), anchor, level) for level, anchor, title in found]
    page.toc = TableOfContents(_nest(links))


def _walk(links):
    for link in links:
        yield link
        yield from _walk(link.children)


def _nest(links: list[AnchorLink]) -> list[AnchorLink]:
    roots: list[AnchorLink] = []
    open_: list[AnchorLink] = []
    for link in links:
        link.children = []
        while open_ and open_[-1].level >= link.level:
            open_.pop()
        (open_[-1].children if open_ else roots).append(link)
        open_.append(link)
    return roots


def _text(title: str) -> str:
    """A heading's text as TOC HTML: tags and the permalink dropped, the text escaped again."""
    return html.escape(html.unescape(_TAG.sub("", _PERMALINK.sub("", title))).strip(), quote=False)
