"""How untrusted values become page text, and which links a page may carry.

Values from ``data/`` and query results reach a page in three ways, and each
is made inert here:

- through the engine's own fragments (``render``), whose autoescape also
  neutralises the Markdown that would otherwise turn a cell into a link or
  add attributes (``inline_text``);
- through a page template's ``page.meta.row``, whose strings are ``DataText``:
  mkdocs-macros prints them through ``finalize`` as ``plain_text``, with
  every ASCII punctuation mark as a character reference, so no Markdown,
  HTML or Jinja syntax survives (the browser still shows the original text);
- as a page title, which mkdocs-macros renders as Jinja and the theme inserts
  as HTML: ``plain_text`` leaves it no ``{``, ``<`` or ``&`` to act on.

``unsafe_urls`` is the backstop for what escaping cannot see: a template that
puts a value in a link target. Only http(s), mailto and relative URLs stay.
"""

from __future__ import annotations

import html
import re
import secrets
import string
from collections.abc import Mapping

from markupsafe import Markup, escape

#: characters Python's str.splitlines() breaks on; a value must never start a new Markdown line
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_PLAIN = str.maketrans({c: f"&#{ord(c)};" for c in string.punctuation + _LINE_BREAKS + "\t"})
# In the engine's fragments, HTML escaping already covers < > & " '; these are the Markdown
# characters that can still act inside raw inline HTML: links, attr_list's {: onclick=… }, code, tables.
_INLINE = str.maketrans({c: f"&#{ord(c)};" for c in "[]{}`\\*|~" + _LINE_BREAKS})

#: link targets a handbook page may carry; everything else is dropped from the page
SAFE_SCHEMES = ("http", "https", "mailto")
_URL_ATTRIBUTE = re.compile(
    r"""(\s(?:href|src|action|formaction|xlink:href|poster|background)\s*=\s*)("[^"]*"|'[^']*'|[^\s>]+)""",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
# Browsers ignore ASCII whitespace and control characters inside a URL's scheme ("java\tscript:").
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")


class DataText(str):
    """A string that came from data: printed by a page template, it is text, never markup."""

    __slots__ = ()


def plain_text(value) -> Markup:
    """``value`` as text that Markdown, HTML and Jinja all leave alone: punctuation as character references."""
    return Markup(str(value).translate(_PLAIN))


def inline_text(value) -> Markup:
    """HTML-escaped ``value`` that Markdown also leaves alone, for the engine's autoescaped fragments."""
    if hasattr(value, "__html__"):
        return Markup(value)
    return Markup(str(escape(value)).translate(_INLINE))


def data_values(value):
    """``value`` with every string in it, at any depth, marked as ``DataText``."""
    if isinstance(value, str):
        return DataText(value)
    if isinstance(value, Mapping):
        return {k: data_values(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [data_values(v) for v in value]
    return value


def finalize(value):
    """Jinja ``finalize`` for pages: data prints as plain text, everything else as before."""
    if isinstance(value, DataText):
        return plain_text(value)
    return value


def safe_url(url: str) -> bool:
    """True for a relative URL or one with an http, https or mailto scheme."""
    bare = _IGNORED_IN_SCHEME.sub("", html.unescape(url))
    match = _SCHEME.match(bare)
    return match is None or match.group(1).lower() in SAFE_SCHEMES


def unsafe_urls(page_html: str) -> tuple[str, list[str]]:
    """``page_html`` without URL attributes whose scheme could run code, and the URLs removed."""
    removed: list[str] = []

    def check(match: re.Match) -> str:
        url = match.group(2).strip("\"'")
        if safe_url(url):
            return match.group(0)
        removed.append(html.unescape(url))
        return ""

    return _URL_ATTRIBUTE.sub(check, page_html), removed


#: the engine's block fragments: a page's Markdown gets a placeholder for each, not the HTML itself
_BLOCK = re.compile(r"\s*<(?:div|figure|table|section|dl|ul|ol|details|nav|aside|pre|h[1-6])\b", re.IGNORECASE)


class Stash:
    """Block HTML that macros made, kept out of Markdown's way until the page is converted.

    Python-Markdown parses every raw HTML block of a page with its HTML
    parser to find where it ends: for the engine's tables, cards and charts
    that was a fifth of a build, to learn nothing. A macro's block output
    goes into the page as a placeholder word, which Markdown leaves alone,
    and ``restore`` puts the HTML back in its place (a paragraph of nothing
    but placeholders becomes their blocks). Inline output (a value, a target)
    stays in the text: it is small and may sit in a heading. Placeholders
    carry a random part, so no page text can name one.
    """

    def __init__(self):
        prefix = f"hbstash{secrets.token_hex(6)}x"
        self._html: list[str] = []
        self._token = re.compile(rf"{prefix}(\d+)x")
        self._paragraph = re.compile(rf"<p>\s*((?:{prefix}\d+x\s*)+)</p>")
        self._prefix = prefix

    def put(self, html: str) -> str:
        """``html`` itself when it is inline, else the placeholder that stands for it in the page."""
        if not _BLOCK.match(html):
            return html
        self._html.append(str(html))
        return Markup(f"{self._prefix}{len(self._html) - 1}x")

    def restore(self, html: str) -> str:
        """``html`` (a converted page) with each placeholder replaced by the HTML it stands for."""
        if not self._html:
            return html

        def blocks(match: re.Match) -> str:
            return "\n".join(self._html[int(n)] for n in self._token.findall(match.group(1)))

        html = self._paragraph.sub(blocks, html)
        return self._token.sub(lambda match: self._html[int(match.group(1))], html)

    def clear(self) -> None:
        self._html.clear()


def css_string(text: str) -> str:
    """``text`` as the body of a double-quoted CSS string that is also safe inside ``<style>`` in HTML.

    Quotes, backslashes, line breaks and ``<>&`` become CSS hex escapes, so the
    value can neither end the string nor the ``<style>`` element.
    """
    return "".join(f"\\{ord(c):06x}" if c in "\"\\<>&'" or ord(c) < 0x20 or ord(c) == 0x7F else c for c in text)
