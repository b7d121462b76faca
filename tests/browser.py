"""Shared helpers for browser tests: real headless Chromium through Playwright.

Tests see what a person would see: pages load with no console errors, no
failed or non-local requests, charts drawn, search finding Chinese words.
Fixtures built on these live in tests/conftest.py.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_HINT = "apt-get install -y chromium fonts-noto-cjk"

# Measured on these machines (KNOWN-TRAPS.md): headless Debian Chromium as root.
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: A4 less the print margins the handbook sets (@page margin: 15mm 12mm), in CSS pixels
A4_PRINTABLE = 703

_LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
_LOCAL_SCHEMES = {"file", "data", "blob", "about"}

#: non-local requests stopped by the context-wide guard, which catches what a
#: page's own route does not see (service workers, requests before open_page)
BLOCKED: list[str] = []


def is_local(url: str) -> bool:
    """Return True if ``url`` stays on this machine (file://, data:, blob:, or a loopback host)."""
    parts = urlsplit(url)
    if parts.scheme in _LOCAL_SCHEMES:
        return True
    return parts.scheme in ("http", "https", "ws", "wss") and (parts.hostname or "") in _LOCAL_HOSTS


@contextmanager
def chromium_context(user_data_dir: Path) -> Iterator:
    """Yield a Playwright persistent Chromium context on a fresh profile; non-local requests are aborted."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"Chromium is missing at {CHROMIUM}; browser tests need it: {INSTALL_HINT}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            user_data_dir=str(user_data_dir),
            executable_path=str(CHROMIUM),
            headless=True,
            args=LAUNCH_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        context.route("**/*", _guard_context)
        try:
            yield context
        finally:
            context.close()


def _guard_context(route) -> None:
    if is_local(route.request.url):
        route.fallback()
    else:
        BLOCKED.append(route.request.url)
        route.abort("blockedbyclient")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextmanager
def static_server(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 at a free port; yield the base URL, ending in '/'."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class PageProblems:
    """Everything that went wrong on one page, as readable one-line strings."""

    def __init__(self, page):
        self.url = page.url
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.bad_responses: list[str] = []
        self.failed_requests: list[str] = []
        self.external_requests: list[str] = []
        self._blocked_from = len(BLOCKED)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(f"{error.name}: {error.message}"))
        # A 404 only shows as a console error, so responses are checked too.
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_request_failed)
        page.route("**/*", self._on_route)

    def _on_console(self, message) -> None:
        if message.type == "error":
            where = message.location.get("url") if message.location else ""
            self.console_errors.append(f"{message.text} [{where}]" if where else message.text)

    def _on_response(self, response) -> None:
        if response.status >= 400:
            self.bad_responses.append(f"HTTP {response.status} {response.url}")

    def _on_request_failed(self, request) -> None:
        if request.url not in self.external_requests:
            self.failed_requests.append(f"{request.failure} {request.url}")

    def _on_route(self, route) -> None:
        url = route.request.url
        if is_local(url):
            route.fallback()
        else:
            self.external_requests.append(url)
            route.abort("blockedbyclient")

    def all(self) -> list[str]:
        """Return every problem recorded so far, one labelled line each."""
        external = self.external_requests + BLOCKED[self._blocked_from :]
        groups = [
            ("console error", self.console_errors),
            ("uncaught exception", self.page_errors),
            ("bad response", self.bad_responses),
            ("failed request", self.failed_requests),
            ("non-local request", external),
        ]
        return [f"{label}: {line}" for label, lines in groups for line in lines]

    def assert_clean(self) -> None:
        """Fail with the list of problems if any page problem was recorded."""
        problems = self.all()
        if problems:
            listing = "\n  ".join(problems)
            raise AssertionError(f"{len(problems)} problem(s) on {self.url}:\n  {listing}")


def open_page(context, url: str, *, wait_until: str = "load", viewport: tuple[int, int] | None = None):
    """Open ``url`` in a new tab of ``context``; return ``(page, problems)``.

    Listeners are attached before navigation, so nothing the page does is missed.
    ``viewport`` is (width, height) in CSS pixels, set before the page loads.
    """
    page = context.new_page()
    if viewport is not None:
        page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    problems = PageProblems(page)
    page.goto(url, wait_until=wait_until)
    problems.url = url
    return page, problems


@contextmanager
def visit(context, url: str, *, wait_until: str = "load", viewport: tuple[int, int] | None = None):
    """``open_page`` as a context manager: yields ``(page, problems)`` and closes the tab."""
    page, problems = open_page(context, url, wait_until=wait_until, viewport=viewport)
    try:
        yield page, problems
    finally:
        page.close()


def settle(page) -> None:
    """Wait until the page has fetched everything it starts with, before the test navigates away.

    Material's search worker loads lunr.zh after the load event; leaving the page
    while that request is in flight aborts it, which would be recorded as a failed
    request of the page rather than of the test.
    """
    page.wait_for_load_state("networkidle")


def wait_for_charts(page, count: int, timeout: float = 15_000) -> int:
    """Wait until ``count`` vega-embed SVG charts (``svg.marks``) are drawn; return how many there are."""
    script = "n => document.querySelectorAll('svg.marks').length >= n"
    try:
        page.wait_for_function(script, arg=count, timeout=timeout)
    except Exception as error:  # playwright's TimeoutError; keep the import lazy
        drawn = page.locator("svg.marks").count()
        raise AssertionError(f"only {drawn} of {count} charts drew on {page.url}") from error
    return page.locator("svg.marks").count()


def search(page, text: str, timeout: float = 15_000) -> list[dict]:
    """Type ``text`` into Material's search box; return the results as dicts of title, text and href.

    ``href`` is percent-decoded, so Chinese anchors read as typed (``service.html#满意度目标``).

    Waits until the search worker has answered (the result meta line shows a
    count or "no results"), so an empty list means nothing was found.
    """
    # The meta line says how many results there are, in the site's language;
    # until the worker answers it shows the initializer or the placeholder.
    words = json.loads(page.locator("#__config").text_content())["translations"]
    answered = [
        "^" + r"\d+".join(re.escape(part) for part in words[key].split("#")) + "$"
        for key in ("search.result.none", "search.result.one", "search.result.other")
    ]
    box = page.locator("input[data-md-component=search-query]")
    try:
        box.wait_for(state="visible", timeout=timeout)
    except Exception as error:  # playwright's TimeoutError
        raise AssertionError(
            f"the search box is hidden on {page.url}: Material hides it when the search worker"
            " cannot start (under file:// the iframe-worker polyfill is missing or blocked)"
        ) from error
    box.click()
    box.fill("")
    box.press_sequentially(text, delay=20)
    # Material reads the query on keyup. Playwright inserts non-ASCII text with
    # no key events, as an IME commit would; a key that types nothing follows.
    box.press("End")
    try:
        page.wait_for_function(
            """answered => { const meta = document.querySelector('.md-search-result__meta');
                const text = meta ? meta.textContent.trim() : '';
                return answered.some(pattern => new RegExp(pattern).test(text)); }""",
            arg=answered,
            timeout=timeout,
        )
    except Exception as error:  # playwright's TimeoutError
        meta = page.locator(".md-search-result__meta").text_content()
        raise AssertionError(f"search for {text!r} never answered on {page.url}; it shows {meta!r}") from error
    # Material's build-time Chinese segmentation leaves zero-width spaces in the text.
    results = page.eval_on_selector_all(
        ".md-search-result__item .md-search-result__link",
        """links => links.map(a => {
            const article = a.querySelector('article');
            const heading = article && article.querySelector('h1, h2');
            const text = article ? [...article.querySelectorAll('p')].map(p => p.textContent.trim()).join(' ') : '';
            return {title: heading ? heading.textContent.trim() : '', text, href: a.href};
        })""",
    )
    return [
        {"title": r["title"].replace("\u200b", ""), "text": r["text"].replace("\u200b", ""), "href": unquote(r["href"])}
        for r in results
    ]


def screenshot(page, path: Path) -> Path:
    """Save a full-page PNG screenshot of ``page`` to ``path``; return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
