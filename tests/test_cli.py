"""The handbook command line: exit codes, JSON output, and serve showing errors on the page."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

from click.testing import CliRunner

from site_build.cli import main
from tests.sitebuild import build, copy_site


def run(*args, cwd=None):
    old = os.getcwd()
    if cwd:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def test_query_prints_a_table_and_json(tmp_path):
    project = copy_site("basic", tmp_path / "p")
    result = run("query", "SELECT channel, sum(orders) AS n FROM traffic GROUP BY 1 ORDER BY 1", cwd=project)
    assert result.exit_code == 0
    assert result.output.splitlines()[:3] == ["channel  n  ", "京东       300", "天猫       840"]
    result = run("query", "--json", "SELECT count(*) AS n FROM tickets", cwd=project)
    assert json.loads(result.output.split("\n(")[0])["rows"] == [[12]]


def test_query_errors_exit_1_without_traceback(tmp_path):
    project = copy_site("basic", tmp_path / "p")
    result = run("query", "COPY traffic TO 'x.csv'", cwd=project)
    assert result.exit_code == 1
    assert result.output.startswith("Error: Only SELECT queries can run in the handbook, got COPY.")
    assert "Traceback" not in result.output


def test_usage_error_exits_2():
    result = CliRunner().invoke(main, ["build", "--no-such-option"])
    assert result.exit_code == 2


def test_build_json(tmp_path):
    project = copy_site("basic", tmp_path / "p")
    result = build(project, "--json")
    assert result.exit_code == 0, result.output
    line = [l for l in result.output.splitlines() if l.startswith("{")][-1]
    data = json.loads(line)
    assert data["data_as_of"] == "2025-11-03" and data["version"].startswith("2025.11.03-")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_shows_macro_errors_on_the_page_and_keeps_serving(tmp_path):
    project = copy_site("basic", tmp_path / "p")
    page = project / "content" / "service.md"
    page.write_text(page.read_text(encoding="utf-8") + '\n{{ kpi("satisfactoin") }}\n', encoding="utf-8")
    port = _free_port()
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "site_build", "serve", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        html = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and html is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/service.html", timeout=5) as response:
                    html = response.read().decode("utf-8")
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                time.sleep(0.5)
        assert html is not None, "serve did not answer within 90 s"
        assert "kpi(&#39;satisfactoin&#39;) 出错" in html
        assert "Did you mean &#39;satisfaction&#39;?" in html
        assert proc.poll() is None  # still serving
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert "service.md: kpi('satisfactoin') failed" in output
