"""The build log: one line per stage with its counts; per-query lines only with -v; a progress bar only on a terminal.

Real builds of tests/sites/basic: in-process through the CLI, and in a subprocess whose stderr is a pipe
or a pseudo-terminal.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from tests.sitebuild import ROOT, build, copy_site, soup

#: tests/sites/basic: 6 chapters in content/ and 2 channel pages made from content/_templates/
PAGES = 8
#: what a build of tests/sites/basic asks DuckDB, with an empty cache
QUERIES = "queries: 18 run, 3 from the build's memory, 0 from the disk cache"
STAGES = ("validate ", "pages: ", "charts: ", "queries: ", "search: ", "output: ")
#: what rich draws on a terminal: hide and show the cursor, erase the line, move up
CURSOR_CODES = ("\x1b[?25l", "\x1b[?25h", "\x1b[2K", "\x1b[1A")
TIMEOUT = 180


def _lines(output: str, start: str) -> list[str]:
    """The log lines whose message (after 'INFO    -  site_build: ') starts with ``start``."""
    return [line for line in output.splitlines() if re.match(r"\w+ +-  site_build: " + re.escape(start), line)]


def _charts_in(site: Path) -> int:
    return sum(len(soup(page).select("figure.hb-chart")) for page in site.rglob("*.html"))


def _files_in(site: Path) -> int:
    return sum(1 for path in site.rglob("*") if path.is_file())


def _env() -> dict:
    return {**os.environ, "HANDBOOK_TODAY": "2025-11-20", "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}


def test_a_build_logs_each_stage_once_with_its_counts_and_no_query(tmp_path):
    project = copy_site("basic", tmp_path / "project")
    result = build(project)
    assert result.exit_code == 0, result.output
    output, site = result.output, project / "site"
    charts = _charts_in(site)
    assert charts > 0
    for stage in STAGES:
        assert len(_lines(output, stage)) == 1, f"{stage!r} is not logged exactly once:\n{output}"
    assert _lines(output, "validate ")[0].startswith("INFO    -  site_build: validate 2 resources, 25 rows")
    assert f"pages: {PAGES} rendered (" in output
    assert f"charts: {charts} made, {charts} SVGs drawn, 0 from the disk cache (" in output
    assert QUERIES + " (" in output
    assert f"search: {PAGES} pages indexed (" in output
    assert f"output: {_files_in(site)} files written (" in output
    for detail in (r"query .* \[\w+\] \d+ ms", r"SQL for ", r"load .* into DuckDB", r"chart svg "):
        assert not re.search(detail, output), f"{detail!r} logged without -v:\n{output}"
    assert not any(code in output for code in CURSOR_CODES)


def test_with_v_each_query_and_chart_has_its_own_line(tmp_path):
    project = copy_site("basic", tmp_path / "project")
    result = build(project, "-v")
    assert result.exit_code == 0, result.output
    output = result.output
    run = int(re.search(r"queries: (\d+) run", output).group(1))
    drawn = int(re.search(r"charts: \d+ made, (\d+) SVGs drawn", output).group(1))
    assert QUERIES in output
    # one DEBUG line per query DuckDB ran, each followed by its SQL; one per chart SVG vl-convert drew
    assert len(re.findall(r"DEBUG +- .*site_build: query .+ \[fresh\] \d+ ms", output)) == run
    assert len(re.findall(r"site_build: SQL for ", output)) >= run
    assert len(re.findall(r"site_build: chart svg \S+ \[fresh\] \d+ ms", output)) == drawn > 0
    assert 'SELECT CAST(max("date") AS DATE) FROM "traffic"' in output
    for stage in STAGES:
        assert len(_lines(output, stage)) == 1, f"{stage!r} is not logged exactly once:\n{output}"


def test_no_progress_bar_when_stderr_is_a_pipe(tmp_path):
    project = copy_site("basic", tmp_path / "project")
    done = subprocess.run(
        [sys.executable, "-m", "site_build", "build"],
        cwd=project,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stderr  # no bar, no cursor codes, no colour: plain lines for CI logs
    assert "rendering pages" not in done.stderr
    for stage in STAGES:
        assert len(_lines(done.stderr, stage)) == 1, f"{stage!r} is not logged exactly once:\n{done.stderr}"


def _build_on_a_terminal(project: Path, *args: str) -> tuple[int, str]:
    """Run ``handbook build`` with stderr on a 100-column pseudo-terminal; return its exit code and what it drew."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "site_build", "build", *args],
        cwd=project,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=terminal,
    )
    os.close(terminal)
    drawn, deadline = b"", time.monotonic() + TIMEOUT
    try:
        while time.monotonic() < deadline:
            if select.select([controller], [], [], 0.5)[0]:
                try:
                    chunk = os.read(controller, 65536)
                except OSError:  # the build exited and closed the terminal
                    break
                if not chunk:
                    break
                drawn += chunk
            elif process.poll() is not None:
                break
        return process.wait(timeout=30), drawn.decode("utf-8", errors="replace")
    finally:
        process.kill()
        os.close(controller)


def test_on_a_terminal_the_bar_follows_the_pages_then_goes_and_log_lines_stay_whole(tmp_path):
    project = copy_site("basic", tmp_path / "project")
    service = project / "content" / "service.md"
    # a warning while the bar is up, logged from inside the page loop
    service.write_text(service.read_text(encoding="utf-8") + '\n{{ kpi("nope") }}\n', encoding="utf-8")
    code, drawn = _build_on_a_terminal(project, "--no-strict")
    assert code == 0, drawn
    assert "rendering pages" in drawn and f"{PAGES}/{PAGES}" in drawn and "writing pages" in drawn
    assert drawn.count("\x1b[?25l") == 1 and drawn.rindex("\x1b[?25h") > drawn.rindex("rendering pages")
    # What stays on the screen: each terminal line's text after its last erase. Log lines print whole above
    # the bar, never with a piece of it.
    screen = [line.rpartition("\x1b[2K")[2] for line in drawn.split("\r\n")]
    logged = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in screen if "-  " in line]
    assert not [line for line in logged if "━" in line or "rendering pages" in line]
    assert len([line for line in logged if "service.md: kpi('nope') failed" in line]) == 1
    for stage in STAGES:
        assert len(_lines("\n".join(logged), stage)) == 1, f"{stage!r} is not logged exactly once:\n{logged}"
    # the bar is gone: nothing of it after the last log line
    assert "━" not in drawn.rpartition("output: ")[2]
