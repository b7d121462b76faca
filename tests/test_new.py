"""``handbook new``: a project of your own that builds at once, strict, in its language and currency."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from site_build.cli import main
from tests import browser

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
TODAY = "2026-12-03"


def _handbook(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The installed command, as a user runs it, in ``cwd``."""
    env = {**os.environ, "HANDBOOK_TODAY": TODAY}
    return subprocess.run(
        [sys.executable, "-m", "site_build", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.mark.parametrize(
    ("language", "currency", "money", "words", "search"),
    [("en", "USD", r"\$\d+\.\dK", "Target", "revenue"), ("zh", "CNY", r"¥\d+\.\d万", "目标", "销售额")],
)
def test_a_new_handbook_builds_strict_at_once(tmp_path, browser_context, language, currency, money, words, search):
    created = _handbook(tmp_path, "new", "my-handbook", "--lang", language, "--currency", currency, "--example")
    assert created.returncode == 0, created.stderr
    assert "cd my-handbook" in created.stdout
    project = tmp_path / "my-handbook"
    for name in ("mkdocs.yml", "macros/__init__.py", "data/datapackage.json", "data/orders.csv", "data/metrics.yml",
                 "content/index.md", "content/actions.md", "content/dictionary.md", "content/health.md",
                 "Makefile", ".github/workflows/handbook.yml", "content/examples.md"):  # fmt: skip
        assert (project / name).is_file(), name
    built = _handbook(project, "build")  # mkdocs.yml says strict: true
    assert built.returncode == 0, built.stderr
    site = project / "site"
    index = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert index.html["lang"] == language
    values = [v.get_text() for v in index.select(".hb-kpi__value")]
    assert len(values) == 3 and re.fullmatch(money, values[0]), values
    assert words in index.select_one(".hb-kpi__meta").get_text()
    assert index.select_one("h1").get_text().startswith("My handbook")
    _check_in_the_browser(browser_context, site, language, "$" if currency == "USD" else "¥", search)
    if language == "en":
        # the author's words are English too: nothing Chinese on any page, or in the search index
        chinese = [p.name for p in site.rglob("*.html") if CJK.search(p.read_text(encoding="utf-8"))]
        assert chinese == []
        assert not CJK.search((site / "search" / "search_index.json").read_text(encoding="utf-8"))


def test_an_existing_folder_with_files_is_refused_and_kept(tmp_path):
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "notes.md").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["new", str(folder)])
    assert result.exit_code == 1
    assert "already exists and is not empty" in result.output and "never overwrites" in result.output
    assert [p.name for p in folder.iterdir()] == ["notes.md"]
    assert (folder / "notes.md").read_text(encoding="utf-8") == "mine"


def test_an_empty_folder_is_fine_and_a_bad_currency_is_named(tmp_path):
    (tmp_path / "empty").mkdir()
    assert CliRunner().invoke(main, ["new", str(tmp_path / "empty")]).exit_code == 0
    assert (tmp_path / "empty" / "mkdocs.yml").is_file()
    result = CliRunner().invoke(main, ["new", str(tmp_path / "other"), "--currency", "DOLLARS"])
    assert result.exit_code == 1 and "--currency DOLLARS: not an ISO 4217 currency code" in result.output
    assert not (tmp_path / "other").exists()


def test_the_site_name_is_quoted_in_yaml(tmp_path):
    folder = tmp_path / "ops: plan"
    assert CliRunner().invoke(main, ["new", str(folder)]).exit_code == 0
    assert 'site_name: "Ops: plan"' in (folder / "mkdocs.yml").read_text(encoding="utf-8")


def _check_in_the_browser(context, site: Path, language: str, symbol: str, word: str) -> None:
    """From file://: the chart draws with the currency on its axis, the table shows it, search finds the chapter."""
    with browser.visit(context, (site / "playbook.html").as_uri()) as (page, problems):
        assert page.evaluate("document.documentElement.lang") == language
        browser.wait_for_charts(page, 1)
        axis = page.locator(".hb-chart__live svg text").all_text_contents()
        assert any(label.startswith(symbol) for label in axis), axis
        cells = page.locator("table td").all_text_contents()
        assert any(cell.startswith(symbol) for cell in cells), cells
        # search answers only once the search worker has loaded its language: nothing is left in flight after it
        results = browser.search(page, word)
        assert any("playbook.html" in r["href"] for r in results), results
        problems.assert_clean()
