"""``handbook serve`` stays up whatever the author breaks, and every request answers.

A real server in a subprocess on a free loopback port, a copy of the basic site, real edits.
Each wait is bounded; nothing here measures speed.
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

from tests.sitebuild import HANDBOOK_TODAY, copy_site

#: how long one request may take before we call it a hang
REQUEST_TIMEOUT = 20


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
    def __init__(self, project: Path):
        self.project = project
        self.port = _free_port()
        self.log = project / "serve.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "site_build", "serve", "--dev-addr", f"127.0.0.1:{self.port}"],
            cwd=project,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            env={**os.environ, "HANDBOOK_TODAY": HANDBOOK_TODAY, "NO_MKDOCS_2_WARNING": "1"},
        )

    def url(self, page: str) -> str:
        return f"http://127.0.0.1:{self.port}/{page}"

    def wait_for(self, page: str, text: str, timeout: float = 120) -> str:
        """Poll ``page`` until it contains ``text``; fail with the server's log if it never does."""
        deadline, body = time.monotonic() + timeout, ""
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (
                f"the server exited with {self.process.returncode}:\n{self.log.read_text()}"
            )
            try:
                body = _get(self.url(page))
            except (urllib.error.URLError, ConnectionError):
                body = ""  # not listening yet
            if text in body:
                return body
            time.sleep(0.5)
        raise AssertionError(
            f"{page} never showed {text!r}; last body starts {body[:300]!r}\nlog:\n{self.log.read_text()}"
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
    _edit(service, original)
    server.wait_for("service.html", "hb-kpi")
    assert server.process.poll() is None


def test_invalid_data_shows_why_on_every_page_and_requests_answer(server):
    traffic = server.project / "data" / "traffic.csv"
    original = traffic.read_text(encoding="utf-8")
    _edit(traffic, original + "2025-11-04,天猫,not-a-number,1,1.0\n")
    body = server.wait_for("index.html", "The handbook did not build")
    assert "type-error" in body and "traffic.csv" in body
    # every page answers at once, with the reason, instead of hanging until the data is fixed
    assert "The handbook did not build" in _get(server.url("service.html"))
    assert "The handbook did not build" in _get(server.url("no-such-page.html"))
    _edit(traffic, original)
    server.wait_for("index.html", "hb-kpi")
    assert server.process.poll() is None


def test_a_broken_page_at_start_still_serves(tmp_path):
    project = copy_site("basic", tmp_path / "project")
    (project / "content" / "index.md").write_text("# 首页\n\n{% if %}\n", encoding="utf-8")
    server = Server(project)
    try:
        server.wait_for("index.html", "Macro Syntax Error")
        assert "hb-kpi" in _get(server.url("service.html"))
    finally:
        server.stop()


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
    assert len(set(counts.values())) == 1, counts  # every rebuild logs every stage, once
    log = server.log.read_text(encoding="utf-8")
    assert "[fresh]" not in log and "SQL for" not in log  # per-query lines only with -v
