"""``handbook serve``: MkDocs' live-reload server, kept up whatever the author breaks.

MkDocs' own ``serve`` exits when the first build fails, dies when mkdocs-macros
calls ``exit()`` on a template error, and after any failed rebuild holds every
request until a build succeeds, so the browser hangs with no word of why.

Here every build goes into a staging folder that replaces the served site only
on success, and the builder never raises, so MkDocs' loop always moves on and
reloads the browser. A failed build (invalid data, a bad catalogue, a broken
config) leaves the last good site served, with a banner on every page that
shows what the build logged and the error; the next good build clears it.
Before the first good build there is no site to keep: index and 404 are then a
short page under the same banner. A build that succeeds but logs warnings (a
failed macro, stale data) shows them in a smaller banner, because ``serve`` is
never strict and the author would otherwise not see them. Page-level template
errors also show on their own page, because mkdocs-macros renders them
instead of exiting.

The banner is added to each HTML response as it is served, never written into
the site, so the search index never holds it.

This is an adapter: it imports MkDocs, and holds no handbook logic.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, MkDocsException
from mkdocs.livereload import LiveReloadServer, _serve_url

from site_build.mkdocs.rebuild import FullBuild, LastBuild, rebuild
from site_build.publish.staging import staged
from site_build.render import template

log = logging.getLogger("mkdocs.commands.serve")

_BODY = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)


class _Problems(logging.Handler):
    """Collects the warnings and errors logged by one build, on the thread that builds.

    Request threads log too (MkDocs logs every 404 as a warning); those are not the build's.
    """

    def __init__(self):
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.lines.append(record.getMessage())


@contextmanager
def _collecting() -> Iterator[_Problems]:
    problems = _Problems()
    logging.getLogger("mkdocs").addHandler(problems)
    try:
        yield problems
    finally:
        logging.getLogger("mkdocs").removeHandler(problems)


class PreviewServer(LiveReloadServer):
    """MkDocs' live-reload server, with the current problem's banner at the top of every HTML page it serves."""

    def __init__(self, builds: _Builds, **kwargs):
        super().__init__(builder=builds, **kwargs)
        self.builds = builds
        self.error_handler = self._not_found

    def _inject_js_into_html(self, content: bytes, epoch: int) -> bytes:
        content = super()._inject_js_into_html(content, epoch)
        return insert_banner(content, self.builds.banner)

    def _not_found(self, code: int) -> bytes | None:
        # MkDocs serves 404.html as it is; ours carries the banner and reloads like any page.
        page = Path(self.root) / "404.html"
        if code != 404 or not page.is_file():
            return None
        return self._inject_js_into_html(page.read_bytes(), self._visible_epoch)


def insert_banner(html: bytes, banner: bytes) -> bytes:
    """``html`` with ``banner`` right after its ``<body>`` tag (at the start when there is none)."""
    if not banner:
        return html
    body = _BODY.search(html)
    at = body.end() if body else 0
    return html[:at] + banner + html[at:]


def banner(*, failed: bool, kept: bool, message: str | None, logged: list[str]) -> bytes:
    """The banner's HTML: a failed build (``kept``: the last good site is still served) or a build's warnings.

    Empty for a build that succeeded and logged nothing. ``message`` and ``logged`` are
    untrusted (they quote data values); the template escapes them.
    """
    if not failed and not logged:
        return b""
    lines = [line for line in logged if line != message]
    html = template("serve_banner.html").render(failed=failed, kept=kept, message=message, logged=lines)
    return html.encode("utf-8")


class _Builds:
    """The builder MkDocs' loop calls: builds into a staging folder, swapped in only on success; never raises."""

    def __init__(self, site: Path, get_config: Callable[[], MkDocsConfig], serve_url: str):
        self.site, self.get_config, self.serve_url = site, get_config, serve_url
        #: True once a build has succeeded: from then on a failed build keeps the site that is served
        self.good = False
        #: the banner's HTML while a problem is current, else empty; replaced whole, so readers need no lock
        self.banner = b""
        #: what the last good build logged, and what it was made of (None: the next build is a full one)
        self.logged: list[str] = []
        self.last: LastBuild | None = None

    def __call__(self, config: MkDocsConfig | None = None) -> None:
        if config is None and self.last is not None and self._rebuild(self.last):
            return
        log.info("Building documentation...")
        if self.last is not None:
            self.last.close()
            self.last = None
        error: BaseException | None = None
        with _collecting() as problems:
            try:
                with staged(self.site) as staging:
                    config = config or self.get_config()
                    config.site_dir = str(staging)
                    config.site_url = self.serve_url
                    build(config, serve_url=self.serve_url)
            except (Exception, SystemExit) as e:  # any failure becomes the banner the author sees
                error = e
        if error is None:
            assert config is not None
            self.good = True
            self.last = LastBuild.of(config)
            self._show(problems.lines)
            return
        message = _message(error, problems.lines)
        if self.good:
            log.error("The build failed; the preview keeps the last good site and shows why. Fix it and save.")
        else:
            log.error("The build failed; the preview shows why. Fix it and save, and the page reloads.")
            self._write_error_pages()
        self.banner = banner(failed=True, kept=self.good, message=message, logged=problems.lines)

    def _rebuild(self, last: LastBuild) -> bool:
        """Rebuild only the pages the change reaches; False when a full build must run instead."""
        start = time.perf_counter()
        with _collecting() as problems:
            try:
                pages = rebuild(last, self.site)
            except FullBuild as e:
                log.info("A full build: %s.", e)
                return False
            except Exception:  # the full build that follows reports it, with the banner
                log.debug("The partial rebuild failed", exc_info=True)
                return False
        if not pages:
            log.info("Nothing changed since the last build.")
            return True
        log.info("Rebuilt %s in %.2f s.", ", ".join(pages), time.perf_counter() - start)
        # The pages not rebuilt still have their warnings; the rebuilt ones have their new ones.
        kept = [line for line in self.logged if not line.startswith(tuple(pages))]
        self._show(kept + problems.lines)
        return True

    def _show(self, logged: list[str]) -> None:
        self.logged = logged
        self.banner = banner(failed=False, kept=True, message=None, logged=logged)

    def _write_error_pages(self) -> None:
        """Before any good build: index and 404 become a short page, which the banner explains."""
        html = template("serve_error.html").render()
        try:
            with staged(self.site) as staging:
                for name in ("index.html", "404.html"):
                    (staging / name).write_text(html, encoding="utf-8")
        except Exception:  # the banner still names the build's problem; this one goes to the log
            log.exception("Could not write the preview's error page")


def serve(config_file: str, *, dev_addr: str, watch: list[str]) -> None:
    """Build into a temporary folder and serve it with live reload until interrupted."""
    workdir = Path(tempfile.mkdtemp(prefix="handbook-serve-"))
    site = workdir / "site"

    def get_config() -> MkDocsConfig:
        config = load_config(config_file=config_file, site_dir=str(site), dev_addr=dev_addr, strict=False)
        config.watch.extend(watch)
        # A template error renders on its page instead of exiting the server.
        if "macros" in config.plugins:
            config.plugins["macros"].config["on_error_fail"] = False
        return config

    config = get_config()
    config.plugins.on_startup(command="serve", dirty=False)
    host, port = config.dev_addr
    mount_path = urlsplit(config.site_url or "/").path
    builds = _Builds(site, get_config, _serve_url(host, port, mount_path))
    # The server opens each file under `site` as it is requested, so a swapped-in build shows at once.
    server = PreviewServer(builds, host=host, port=port, root=str(site), mount_path=mount_path)
    try:
        builds(config)
        for item in dict.fromkeys([config.docs_dir, config.config_file_path, *config.watch, *_inputs(config)]):
            server.watch(item)
        try:
            server.serve()
        except KeyboardInterrupt:
            log.info("Shutting down...")
        finally:
            server.shutdown()
    finally:
        if builds.last is not None:
            builds.last.close()
        config.plugins.on_shutdown()
        shutil.rmtree(workdir, ignore_errors=True)


def _inputs(config: MkDocsConfig) -> list[str]:
    """What the build read beyond content and mkdocs.yml: the data folder, the catalogue, the macros module."""
    from site_build.mkdocs.plugin import ENGINE, input_roots

    plugin = config.plugins.get("handbook")
    settings = getattr(plugin, "settings", None)
    if settings is None:  # the first build failed before the plugin read its settings
        return []
    roots = input_roots(config, settings)
    return [str(path) for paths in roots.values() for path in paths if path.exists() and path != ENGINE]


def _message(error: BaseException, logged: list[str]) -> str | None:
    """What to say about ``error`` beyond the lines the build logged; None when they already say it."""
    if isinstance(error, Abort):
        # MkDocs logged the plugin's error (or the config's) and raised a bare "Aborted with ...".
        return None if logged else str(error)
    if isinstance(error, SystemExit):
        return "A page's template failed (see below)."
    if isinstance(error, MkDocsException):
        return str(error)
    return f"{type(error).__name__}: {error}"
