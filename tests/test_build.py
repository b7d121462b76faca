"""End-to-end builds of tests/sites/basic with real MkDocs, DuckDB and Altair."""

import json
import os
import re
from pathlib import Path

import pytest

from site_build.data.store import Store
from tests.sitebuild import article, build, copy_site, soup

GOLDEN = Path(__file__).parent / "golden" / "basic"
REGEN = os.environ.get("HANDBOOK_REGEN_GOLDEN") == "1"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    project = copy_site("basic", tmp_path_factory.mktemp("basic") / "project")
    result = build(project)
    assert result.exit_code == 0, result.output
    return project


@pytest.mark.parametrize("page", ["index.html", "service.html"])
def test_golden_article(built, page):
    actual = article(built / "site" / page)
    golden = GOLDEN / (page + ".golden")
    if REGEN:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
    assert actual == golden.read_text(encoding="utf-8")


def test_kpi_card_values(built):
    card = soup(built / "site" / "index.html").select_one("#kpi-conversion_rate")
    assert card.select_one(".hb-kpi__value").get_text() == "22.7%"
    assert card.select_one(".hb-status__text").get_text() == "关注"
    assert card.select_one(".hb-status__icon").get_text() == "⚠"
    assert "hb-delta--bad" in card.select_one(".hb-kpi__delta .hb-delta")["class"]
    assert card.select_one("svg.hb-spark")["aria-label"].startswith("转化率近12期走势")
    assert card.select_one(".hb-sources a")["href"] == "health.html#data-traffic"


def test_inline_values_and_table(built):
    page = soup(built / "site" / "index.html")
    assert [s.get_text() for s in page.select(".hb-inline--value, .hb-inline--target")][:2] == ["22.7%", "30.0%"]
    table = page.select("figure.hb-table table")[0]
    assert [th.get_text() for th in table.select("th")] == ["渠道", "转化率"]
    assert [[td.get_text() for td in tr.select("td")] for tr in table.select("tbody tr")] == [
        ["天猫", "27.1%"],
        ["京东", "20.0%"],
    ]


def test_chart_runtime_only_on_chart_pages(built):
    site = built / "site"
    assert (site / "assets/handbook/javascripts/vega.js").exists()
    for page, expected in [("index.html", True), ("service.html", True), ("dictionary.html", False)]:
        scripts = [s.get("src", "") for s in soup(site / page).select("script")]
        assert any(s.endswith("assets/handbook/javascripts/vega.js") for s in scripts) is expected, page


def test_every_page_is_stamped(built):
    manifest = json.loads((built / "site" / "build.json").read_text())
    assert manifest["data_as_of"] == "2025-11-03"
    assert manifest["version"].startswith("2025.11.03-")
    for page in ("index.html", "service.html", "health.html", "dictionary.html"):
        stamp = soup(built / "site" / page).select_one(".hb-stamp")
        assert stamp.get_text(" ", strip=True) == f"数据截至 2025-11-03 · 版本 {manifest['version']}"


def test_manifest_records_inputs_tools_and_kpis(built):
    manifest = json.loads((built / "site" / "build.json").read_text())
    assert set(manifest["fingerprint"]) == {"content", "data", "config", "combined"}
    assert "data/traffic.csv" in manifest["inputs"] and "content/index.md" in manifest["inputs"]
    assert manifest["tools"]["duckdb"]
    assert manifest["kpis"]["conversion_rate"]["status"] == "watch"
    assert manifest["kpis"]["satisfaction"]["display"] == "75.0%"


def test_rebuild_uses_disk_cache_and_is_byte_identical(built, tmp_path):
    first = {p.relative_to(built / "site"): p.read_bytes() for p in (built / "site").rglob("*") if p.is_file()}
    result = build(built, "-v")  # each query and chart SVG logs its source at DEBUG
    assert result.exit_code == 0, result.output
    second = {p.relative_to(built / "site"): p.read_bytes() for p in (built / "site").rglob("*") if p.is_file()}
    assert sorted(first) == sorted(second)
    assert [str(k) for k in first if first[k] != second[k]] == []
    # ... and every page's search entries: the index above is the same with them as without
    pages = [p for p in (built / "site").rglob("*.html") if p.name != "404.html"]
    assert len(Store(built / ".handbook-cache").entries("search")) == len(pages)
    assert "[cached]" in result.output
    assert "[fresh]" not in result.output  # every query and SVG came from the disk cache
    assert "queries: 0 run," in result.output
    assert ", 0 SVGs drawn," in result.output


# --- budgets: time limit, leftovers, full disk --------------------------------

CROSS_JOIN = "SELECT count(*) AS n FROM traffic a CROSS JOIN range(1000000000000) b WHERE b.range % 7 = a.orders % 7"


def _with_options(project, **options):
    config = project / "mkdocs.yml"
    lines = "".join(f"\n      {k}: {v}" for k, v in options.items())
    config.write_text(
        config.read_text(encoding="utf-8").replace("  - handbook\n", f"  - handbook:{lines}\n"), encoding="utf-8"
    )


def test_a_cross_join_fails_the_build_after_query_timeout_naming_page_macro_and_sql(tmp_path):
    import time

    project = copy_site("basic", tmp_path / "project")
    _with_options(project, query_timeout=1)
    service = project / "content" / "service.md"
    service.write_text(service.read_text(encoding="utf-8") + f'\n{{{{ table("{CROSS_JOIN}") }}}}\n', encoding="utf-8")
    start = time.monotonic()
    result = build(project, "-v")  # the stopped query's own line, with its time, is at DEBUG
    elapsed = time.monotonic() - start
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert (
        "service.md: table('SELECT count(*) AS n FROM traffic a CROSS JOIN range(100…') failed: "
        "Query stopped: it ran past the time limit of 1 s.\n"
        f"SQL: {CROSS_JOIN}\n"
        "Fix: make the query cheaper (filter early, aggregate, avoid cross joins), "
        "or raise query_timeout (seconds) under the handbook plugin in mkdocs.yml."
    ) in result.output
    assert "Aborted with 1 warnings in strict mode" in result.output
    stopped = re.search(
        r"query SELECT count\(\*\) AS n FROM traffic a CROSS JOIN range\(100000… \[failed\] (\d+) ms", result.output
    )
    assert stopped and 1000 <= int(stopped.group(1)) < 2000, result.output
    assert elapsed < 30, elapsed  # the default limit did not apply


#: a build that holds its staging folder (and wrote part of a page) until it is killed
_HOLD = """
import sys, time
from site_build.publish.staging import staged
with staged(sys.argv[1]) as staging:
    (staging / "index.html").write_text("half a page")
    print(staging.name, flush=True)
    time.sleep(600)
"""


def _holding_build(dest):
    import subprocess
    import sys

    from publish_helpers import env_for_child

    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(dest)], env=env_for_child(), stdout=subprocess.PIPE, text=True
    )
    return child, child.stdout.readline().strip()


def test_the_next_build_removes_staging_folders_of_killed_builds_only(tmp_path):
    project = copy_site("basic", tmp_path / "project")
    live, live_name = _holding_build(project / "site")
    try:
        killed, killed_name = _holding_build(project / "site")
        killed.kill()
        killed.wait()
        (project / "site").mkdir()
        (project / f"site.old-{killed.pid}").mkdir()  # killed after the swap, before deleting the old site
        (project / "site.staging-1").mkdir()  # PID 1 is running: a reused PID, so nobody can tell; kept
        (project / "site.staging-notes").mkdir()  # not a build's name
        assert killed_name == f"site.staging-{killed.pid}" and (project / killed_name / "index.html").exists()
        result = build(project)
        assert result.exit_code == 0, result.output
        left = sorted(p.name for p in project.iterdir() if p.name.startswith("site."))
        assert left == sorted([live_name, "site.staging-1", "site.staging-notes"])
        assert (project / live_name / "index.html").read_text() == "half a page"
    finally:
        live.kill()
        live.wait()


def test_a_build_killed_mid_swap_gets_its_previous_site_back(tmp_path):
    from site_build.publish.staging import remove_leftovers

    site = tmp_path / "site"
    killed, name = _holding_build(site)
    killed.kill()
    killed.wait()
    (tmp_path / f"site.old-{killed.pid}").mkdir()
    (tmp_path / f"site.old-{killed.pid}" / "index.html").write_text("previous site")
    assert remove_leftovers(site) == [tmp_path / name]
    assert (site / "index.html").read_text() == "previous site"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_full_disk_fails_the_build_cleanly_and_keeps_the_previous_site(tmp_path, small_disk):
    project = copy_site("basic", tmp_path / "project")
    disk = small_disk("1m")
    (disk / "site").mkdir()
    (disk / "site" / "marker.txt").write_text("previous build")
    result = build(project, "--site-dir", str(disk / "site"))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert re.search(
        rf"^Error: Building into {re.escape(str(disk))}/site/ failed( at {re.escape(str(disk))}/site/\S+)?: no space left on device\. "
        r"The partial build was removed\.\nFix: free space on that disk, or build on another disk with --site-dir DIR\.\n"
        rf"Build failed; {re.escape(str(disk))}/site was left as it was\.$",
        result.output,
        re.M,
    ), result.output
    assert sorted(p.name for p in disk.iterdir()) == ["site"]
    assert [p.name for p in (disk / "site").iterdir()] == ["marker.txt"]


def test_a_build_leaves_no_private_duckdb_temp_folder(tmp_path):
    """`handbook build` never calls on_shutdown, so the engine is not closed: its temp folder must go at exit anyway."""
    import subprocess
    import sys

    from publish_helpers import env_for_child

    project = copy_site("basic", tmp_path / "project")
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**env_for_child(), "TMPDIR": str(temp), "HANDBOOK_TODAY": "2025-11-20"}
    child = subprocess.run(
        [sys.executable, "-m", "site_build", "build"], cwd=project, env=env, capture_output=True, text=True, timeout=300
    )
    assert child.returncode == 0, child.stderr
    assert [p.name for p in temp.iterdir() if p.name.startswith("handbook-duckdb-")] == []
