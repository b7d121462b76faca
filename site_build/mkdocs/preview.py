"""``handbook serve``: MkDocs' live-reload server, kept up whatever the author breaks.

MkDocs' own ``serve`` exits when the first build fails, dies when mkdocs-macros
calls ``exit()`` on a template error, and after any failed rebuild holds every
request until a build succeeds, so the browser hangs with no word of why.
Here a failed build is a page: every page of the preview is replaced by one
that names the problem, the browser reloads into it, and reloads again into
the handbook once the author has fixed and saved. Page-level template errors
show on their own page, because mkdocs-macros renders them instead of
exiting.

This is an adapter: it imports MkDocs, and holds no handbook logic.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException
from mkdocs.livereload import LiveReloadServer, _serve_url

from site_build.render import template

log = logging.getLogger("mkdocs.commands.serve")


class _Problems(logging.Handler):
    """Collects the warnings and errors logged during one build, for the error page."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def serve(config_file: str, *, dev_addr: str, watch: list[str]) -> None:
    """Build into a temporary folder and serve it with live reload until interrupted."""
    site_dir = tempfile.mkdtemp(prefix="handbook-serve-")

    def get_config():
        config = load_config(config_file=config_file, site_dir=site_dir, dev_addr=dev_addr, strict=False)
        config.watch.extend(watch)
        # A template error renders on its page instead of exiting the server.
        if "macros" in config.plugins:
            config.plugins["macros"].config["on_error_fail"] = False
        return config

    config = get_config()
    config.plugins.on_startup(command="serve", dirty=False)
    host, port = config.dev_addr
    mount_path = urlsplit(config.site_url or "/").path
    serve_url = _serve_url(host, port, mount_path)

    def builder(config=None):
        log.info("Building documentation...")
        problems = _Problems()
        logging.getLogger("mkdocs").addHandler(problems)
        try:
            config = config or get_config()
            config.site_url = serve_url
            build(config, serve_url=serve_url)
        except (Exception, SystemExit) as error:  # any failure becomes the page the author sees
            log.error("The build failed; the preview shows why. Fix it and save, and the page reloads.")
            write_error_pages(Path(site_dir), _message(error), problems.lines)
        finally:
            logging.getLogger("mkdocs").removeHandler(problems)

    server = LiveReloadServer(builder=builder, host=host, port=port, root=site_dir, mount_path=mount_path)
    server.error_handler = lambda code: _read(Path(site_dir) / f"{code}.html") if code in (404, 500) else None
    try:
        builder(config)
        server.watch(config.docs_dir)
        server.watch(config.config_file_path)
        for item in config.watch:
            server.watch(item)
        try:
            server.serve()
        except KeyboardInterrupt:
            log.info("Shutting down...")
        finally:
            server.shutdown()
    finally:
        config.plugins.on_shutdown()
        shutil.rmtree(site_dir, ignore_errors=True)


def write_error_pages(site_dir: Path, message: str, logged: list[str]) -> None:
    """Replace every page of the preview (or, before the first build, index and 404) with the error page."""
    html = template("serve_error.html").render(message=message, logged=[line for line in logged if line != message])
    pages = [p for p in site_dir.rglob("*.html")] or [site_dir / "index.html"]
    for page in {*pages, site_dir / "404.html"}:
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(html, encoding="utf-8")


def _message(error: BaseException) -> str:
    if isinstance(error, SystemExit):
        return "A page's template failed (see below)."
    if isinstance(error, MkDocsException):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None
