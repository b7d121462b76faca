"""``handbook serve`` stays up whatever the author breaks, and every request answers.

A real server in a subprocess on a free loopback port, a copy of the basic site, real edits.
A failed rebuild keeps the last good site under a banner; the browser test watches that
happen in Chromium. Each wait is bounded; nothing here measures speed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import expect

from site_build.mkdocs.preview import banner, insert_banner
from tests import browser
from tests.sitebuild import copy_site

#: how long one request may take before we call it a hang
REQUEST_TIMEOUT = 20
#: how long a rebuild may take before the browser test gives up on it, in ms (2 busy cores)
REBUILD_TIMEOUT = 120_000
#: the basic site's data are fresh on this day, so a clean build logs no warnings
TODAY = "2025-11-20"
#: a row of data/traffic.csv (line 13) that the tests break and mend; 2025-10 conversion is 22.7% with it
ROW = "2025-10-15,京东,250,45,5500.25"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT) as response:
            return response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.read().decode("utf-8")


class Server:
    def __init__(self, project: Path, port: int | None = None):
        self.project = project
        self.port = port or _free_port()
        self.log = project / "serve.log"
        self.tmp = project.parent / "tmp"
        self.tmp.mkdir(exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "site_build", "serve", "--dev-addr", f"127.0.0.1:{self.port}"],
            cwd=project,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            # TMPDIR: the served site's temporary folder stays in the test's folder, even when we kill the server.
            env={**os.environ, "HANDBOOK_TODAY": TODAY, "NO_MKDOCS_2_WARNING": "1", "TMPDIR": str(self.tmp)},
        )

    def url(self, page: str) -> str:
        return f"http://127.0.0.1:{self.port}/{page}"

    def wait_for(self, page: str, text: str, *, present: bool = True, timeout: float = 120) -> str:
        """Poll ``page`` until it contains ``text`` (or, not ``present``, no longer does); return the body.

        Fails with the server's log if that never happens.
        """
        deadline, body = time.monotonic() + timeout, ""
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (
                f"the server exited with {self.process.returncode}:\n{self.log.read_text()}"
            )
            try:
                body = _get(self.url(page))
            except (urllib.error.URLError, ConnectionError):
                body = None  # not listening yet
            if body is not None and (text in body) == present:
                return body
            time.sleep(0.5)
        raise AssertionError(
            f"{page} never {'showed' if present else 'lost'} {text!r}; last body starts {(body or '')[:300]!r}"
            f"\nlog:\n{self.log.read_text()}"
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def server(tmp_path):
    project = copy_site("basic", tmp_path / "project")
    server = Server(project)
    try:
        server.wait_for("index.html", "hb-kpi")
        yield server
    finally:
        server.stop()


def _edit(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_a_template_error_shows_on_its_page_and_the_server_stays_up(server):
    service = server.project / "content" / "service.md"
    original = service.read_text(encoding="utf-8")
    _edit(service, original + "\n{{ kpi( }}\n")
    body = server.wait_for("service.html", "Macro Syntax Error")
    assert "Traceback" not in body
    _edit(service, original + '\n{{ kip("conversion_rate") }}\n')
    server.wait_for("service.html", "unknown macro or variable 'kip'. Did you mean 'kpi'?")
    # serve is never strict, so the warning that would fail `handbook build` shows on every page
    warnings = _banner(server.wait_for("index.html", "hb-serve-banner--warning"))
    assert warnings["role"] == "status"
    assert "The build logged 1 warning" in warnings.summary.get_text()
    assert "service.md" in warnings.get_text() and "'kip'" in warnings.get_text()
    _edit(service, original)
    server.wait_for("service.html", "hb-kpi")
    server.wait_for("index.html", "hb-serve-banner", present=False)
    assert server.process.poll() is None


def test_invalid_data_keeps_the_last_good_site_under_a_banner_and_requests_answer(server):
    traffic = server.project / "data" / "traffic.csv"
    original = traffic.read_text(encoding="utf-8")
    _edit(traffic, original + "2025-11-04,天猫,not-a-number,1,1.0\n")
    body = server.wait_for("index.html", "hb-serve-banner--error")
    assert "hb-kpi" in body  # the last good page, not an error page
    alert = _banner(body)
    assert alert["role"] == "alert"
    assert "The last build failed: this is the last good build" in alert.summary.get_text()
    assert "type-error" in alert.get_text() and "traffic.csv" in alert.get_text()
    # every page answers at once, with the reason, instead of hanging until the data is fixed
    assert "hb-serve-banner--error" in _get(server.url("service.html"))
    assert "hb-serve-banner--error" in _get(server.url("no-such-page.html"))
    # the banner is added as pages are served, so search never indexes it
    index = _get(server.url("search/search_index.json"))
    assert '"docs"' in index and "The last build failed" not in index
    _edit(traffic, original)
    server.wait_for("index.html", "hb-serve-banner", present=False)
    assert server.process.poll() is None


def test_invalid_data_at_start_shows_a_page_under_the_banner_until_fixed(tmp_path):
    project = copy_site("basic", tmp_path / "project")
    traffic = project / "data" / "traffic.csv"
    original = traffic.read_text(encoding="utf-8")
    _edit(traffic, original.replace(ROW, "2025-10-15,京东,not-a-number,45,5500.25"))
    server = Server(project)
    try:
        body = server.wait_for("index.html", "hb-serve-banner--error")
        assert "No page to show yet" in body
        assert "The handbook did not build" in _banner(body).summary.get_text()
        # any other address is the 404 page, under the same banner and with live reload
        missing = _get(server.url("service.html"))
        assert "hb-serve-banner--error" in missing and "livereload(" in missing
        _edit(traffic, original)
        body = server.wait_for("index.html", "hb-kpi")
        assert "hb-serve-banner" not in body
    finally:
        server.stop()


def test_a_broken_page_at_start_still_serves(tmp_path):
    project = copy_site("basic", tmp_path / "project")
    (project / "content" / "index.md").write_text("# 首页\n\n{% if %}\n", encoding="utf-8")
    server = Server(project)
    try:
        server.wait_for("index.html", "Macro Syntax Error")
        assert "hb-kpi" in _get(server.url("service.html"))
    finally:
        server.stop()


def test_a_failed_rebuild_keeps_the_page_in_the_browser_under_a_banner(server, browser_context):
    traffic = server.project / "data" / "traffic.csv"
    metrics = server.project / "data" / "metrics.yml"
    original = traffic.read_text(encoding="utf-8")
    page, problems = browser.open_page(browser_context, server.url("index.html"))
    try:
        value = page.locator("#kpi-conversion_rate .hb-kpi__value")
        alert = page.locator(".hb-serve-banner[role=alert]")
        expect(value).to_have_text("22.7%")
        expect(page.locator(".hb-serve-banner")).to_have_count(0)

        # (1) a bad cell: live reload brings the same page back, with its last good value, under the banner
        _edit(traffic, original.replace(ROW, "2025-10-15,京东,not-a-number,45,5500.25"))
        expect(alert).to_be_visible(timeout=REBUILD_TIMEOUT)
        for text in ("traffic.csv", "row 13", "sessions = 'not-a-number' is not a valid integer", "fix: Write a value"):
            expect(alert).to_contain_text(text)
        expect(value).to_have_text("22.7%")
        # a request during the failure answers (urlopen's timeout), with the last good page
        assert "hb-kpi" in _get(server.url("service.html"))

        # (2) mended, with a new value: the banner goes and the page shows the new number
        _edit(traffic, original.replace(ROW, "2025-10-15,京东,250,95,5500.25"))
        expect(value).to_have_text("26.0%", timeout=REBUILD_TIMEOUT)
        expect(page.locator(".hb-serve-banner")).to_have_count(0)

        # (3) a broken catalogue: the banner names the file, the line and the fix
        _edit(metrics, "kpis:\n  - id: [\n")
        expect(alert).to_contain_text("data/metrics.yml:3: invalid YAML", timeout=REBUILD_TIMEOUT)
        expect(alert).to_contain_text("Fix the syntax")
        expect(value).to_have_text("26.0%")
        body = _get(server.url("index.html"))
        assert "hb-serve-banner--error" in body and "hb-kpi" in body
        assert problems.page_errors == [] and problems.external_requests == []
    finally:
        page.close()


def test_the_banner_escapes_what_it_quotes():
    hostile = "<script>alert(1)</script>"
    html = banner(failed=True, kept=True, message=f"Bad value {hostile}", logged=[f"row 2: x = '{hostile}'"])
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None
    assert [pre.get_text() for pre in soup.select("pre")] == [f"Bad value {hostile}", f"row 2: x = '{hostile}'"]
    assert b"&lt;script&gt;" in html


def test_the_banner_goes_right_after_body():
    page = b'<html><head></head><body class="x" dir="ltr"><p>hi</p></body></html>'
    assert insert_banner(page, b"<div>B</div>") == (
        b'<html><head></head><body class="x" dir="ltr"><div>B</div><p>hi</p></body></html>'
    )
    assert insert_banner(page, b"") == page
    assert banner(failed=False, kept=True, message=None, logged=[]) == b""


def _banner(body: str):
    """The serve banner in ``body``, parsed; fails when there is none."""
    found = BeautifulSoup(body, "html.parser").select_one(".hb-serve-banner")
    assert found is not None, f"no banner in {body[:300]!r}"
    return found


def _stage_counts(log: str) -> dict[str, int]:
    stages = ("validate ", "pages: ", "charts: ", "queries: ", "search: ", "output: ")
    return {stage: log.count(f"INFO    -  site_build: {stage}") for stage in stages}


def test_each_rebuild_logs_one_line_per_stage(server):
    def counts_when_built(builds: int) -> dict[str, int]:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            counts = _stage_counts(server.log.read_text(encoding="utf-8"))
            if counts["output: "] >= builds:
                return counts
            time.sleep(0.5)
        raise AssertionError(f"no {builds} builds logged:\n{server.log.read_text(encoding='utf-8')}")

    assert set(counts_when_built(1).values()) == {1}
    service = server.project / "content" / "service.md"
    _edit(service, service.read_text(encoding="utf-8") + "\n改过的一段。\n")
    server.wait_for("service.html", "改过的一段")
    counts = counts_when_built(2)
    # A chapter edit rebuilds that page alone, and logs every stage once, except validation: no data was read.
    assert counts == {**dict.fromkeys(counts, 2), "validate ": 1}, counts
    assert "Rebuilt service.md in" in server.log.read_text(encoding="utf-8")
    log = server.log.read_text(encoding="utf-8")
    assert "[fresh]" not in log and "SQL for" not in log  # per-query lines only with -v
