"""What a built site needs to work from ``file://`` with no network.

Material's ``offline`` plugin makes search work from disk, but it loads the
``iframe-worker`` polyfill from unpkg.com. It skips that when
``extra.polyfills`` already names a URL containing "iframe-worker", so the
engine puts its vendored copy there (``local_polyfills``) and writes the file
after the build (``install_polyfill``). ``external_references`` finds anything
else in the HTML that a browser would fetch from another host.
"""

from __future__ import annotations

import functools
import hashlib
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from site_build.data.store import NO_STORE, Store
from site_build.views.assets import PREFIX

NAMESPACE = "offline"

#: where the polyfill lives in ``site_build/assets`` and, under PREFIX, in the site
_SOURCES = ("javascripts/iframe-worker.js", "javascripts/LICENSE-iframe-worker.txt")
POLYFILL_URL = f"{PREFIX}/{_SOURCES[0]}"

#: hosts a page may load from: the local test server, or none at all (file://)
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}

#: <link rel> values that make the browser fetch the href
_FETCHING_RELS = {
    "stylesheet",
    "preconnect",
    "dns-prefetch",
    "preload",
    "prefetch",
    "modulepreload",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "manifest",
}


def local_polyfills(polyfills: list | None) -> list:
    """Return ``polyfills`` with any iframe-worker entry replaced by POLYFILL_URL.

    Safe to call before or after Material's offline plugin runs ``on_config``:
    an unpkg entry it already added is replaced, and if none is there the
    local one is added, which stops the offline plugin adding its own.
    """
    kept = [src for src in polyfills or [] if "iframe-worker" not in str(src)]
    return [*kept, POLYFILL_URL]


def install_polyfill(site_dir: str | Path) -> Path:
    """Write the vendored polyfill and its licence into ``site_dir``; return the script's path."""
    root = resources.files("site_build.views").joinpath("assets")
    for rel in _SOURCES:
        dest = Path(site_dir) / PREFIX / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(root.joinpath(rel).read_bytes())
    return Path(site_dir) / POLYFILL_URL


def external_references(html: str) -> list[str]:
    """Return the URLs in ``html`` that a browser would fetch from a non-local host.

    Looks at what loads on its own (scripts, stylesheets, preconnects, images,
    frames, media); ordinary ``<a href>`` links in the text do not count.
    """
    parser = _ResourceParser()
    parser.feed(html)
    parser.close()
    return [url for url in parser.urls if _is_external(url)]


def external_references_in_site(
    site_dir: str | Path, store: Store = NO_STORE, *, stamp: str | None = None
) -> dict[str, list[str]]:
    """Return ``{relative html path: external URLs}`` for every page that has any.

    A page's answer is kept in ``store`` under its bytes: parsing every page
    took a third of a build in which nothing changed. The bytes are keyed
    without ``stamp`` (the version id in every page's footer), so that an edit
    of one chapter does not make every other page new; the answer itself is
    always parsed from the real bytes.
    """
    site = Path(site_dir)
    found = {}
    for page in sorted(site.rglob("*.html")):
        data = page.read_bytes()
        keyed = data.replace(stamp.encode("utf-8"), b"") if stamp else data
        key = Store.key(_code(), hashlib.sha256(keyed).hexdigest())
        urls = store.get_json(NAMESPACE, key, _urls) if store.enabled else None
        if urls is None:
            urls = external_references(data.decode("utf-8"))
            if store.enabled:
                store.put_json(NAMESPACE, key, urls)
        if urls:
            found[page.relative_to(site).as_posix()] = urls
    return found


@functools.cache
def _code() -> str:
    """This module's own hash: a change to what counts as external must not reuse old answers."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _urls(value) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(url, str) for url in value):
        raise TypeError("not a list of URLs")
    return value


def _is_external(url: str) -> bool:
    parts = urlsplit(url.strip())
    if parts.scheme in ("", "file", "data", "blob", "about") and not url.strip().startswith("//"):
        return False
    return (parts.hostname or "") not in _LOCAL_HOSTS


class _ResourceParser(HTMLParser):
    """Collects the URLs of resources a page loads by itself."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link":
            rels = set((attrs.get("rel") or "").lower().split())
            if rels & _FETCHING_RELS and attrs.get("href"):
                self.urls.append(attrs["href"])
        elif tag in ("script", "img", "iframe", "audio", "video", "source", "embed", "track"):
            if attrs.get("src"):
                self.urls.append(attrs["src"])
        elif tag == "object" and attrs.get("data"):
            self.urls.append(attrs["data"])

    handle_startendtag = handle_starttag
