"""Data is never code: attack payloads planted in data and catalogue show as text, in real MkDocs and Chromium.

The payloads (tests/hostile.py) reach a page-template row's title and cells, table cells, KPI
labels and plays, chart fields and titles, inline values, the nav and the search index. None may
run: no Jinja (a shell command would create PWNED), no HTML or script, no Markdown link or
attribute, no javascript: URL; and no file outside site/ may change during the build.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests import browser, hostile
from tests.sitebuild import build, soup

PAGES = [
    "index.html",
    "hostile.html",
    "channels/tmall.html",
    "channels/jd.html",
    "dictionary.html",
    "health.html",
    "changes.html",
    "history.html",
]


def _tree(project: Path) -> dict[str, str]:
    """Every file of the project except the build's own output and cache, with its hash."""
    return {
        str(p.relative_to(project)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(project.rglob("*"))
        if p.is_file() and p.relative_to(project).parts[0] not in ("site", ".handbook-cache")
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return hostile.make(tmp_path_factory.mktemp("hostile") / "project")


@pytest.fixture(scope="module")
def site(project):
    before = _tree(project)
    # Not strict: the strict build refuses the javascript: link (test below); serve builds like this.
    result = build(project, "--no-strict")
    assert result.exit_code == 0, result.output
    assert not (project / "PWNED").exists()
    assert _tree(project) == before
    return project / "site"


def test_strict_build_refuses_a_link_target_from_data(tmp_path):
    project = hostile.make(tmp_path / "project")
    result = build(project)
    assert result.exit_code == 1
    assert (
        "channels/tmall.md: removed the link target 'javascript:window.__xss=1': a handbook page links only to "
        "http(s), mailto and relative URLs. Fix the link, or the data value it came from."
    ) in result.output
    assert not (project / "site").exists()
    assert not (project / "PWNED").exists()


def test_no_payload_becomes_markup(site):
    for name in PAGES:
        page = soup(site / name)
        for element in page.find_all(True):
            handlers = [a for a in element.attrs if a.lower().startswith("on")]
            assert not handlers, f"{name}: <{element.name} {handlers}> came from data"
            for attribute in ("href", "src", "action"):
                assert not str(element.get(attribute, "")).lower().startswith("javascript:"), f"{name}: {element}"
        assert not page.find("img", src="x"), name
        assert not any(
            "__xss" in (s.string or "") for s in page.find_all("script") if s.get("type") != "application/json"
        ), name
        assert "渠道X 49" not in page.get_text()


def test_row_values_show_as_text_in_title_heading_nav_and_body(site):
    page = soup(site / "channels" / "tmall.html")
    # the title, heading and nav show the channel name exactly as the data holds it
    assert page.title.get_text() == f"{hostile.CHANNEL} - 测试手册"
    assert page.select_one("article h1").get_text().removesuffix("¶") == f"{hostile.CHANNEL}渠道"
    assert hostile.CHANNEL in [a.get_text().strip() for a in page.select("nav.md-nav--primary .md-ellipsis")]
    paragraphs = [p.get_text() for p in page.select("article p")]
    assert f"渠道：{hostile.CHANNEL}" in paragraphs
    assert f"大写：{hostile.CHANNEL.upper()}" in paragraphs
    # the link whose target came from data keeps its text and loses its target
    link = page.find(string="打开渠道后台").parent
    assert link.name == "a" and "href" not in link.attrs
    cells = [td.get_text() for td in page.select("article table td")]
    assert hostile.CHANNEL in cells and hostile.URL in cells


def test_engine_fragments_show_catalogue_and_cells_as_text(site):
    page = soup(site / "hostile.html")
    cells = [td.get_text() for td in page.select("#table-hostile_cells td")]
    assert hostile.CHANNEL in cells and hostile.URL in cells
    assert page.select_one("#table-hostile_cells th").get_text() == hostile.ALIAS
    label = page.select_one(".hb-kpi__label a").get_text()
    assert label == f"转化率 {hostile.HTML} {hostile.MARKDOWN} {hostile.JINJA}"


def test_nothing_runs_in_chromium(browser_context, site):
    dialogs: list[str] = []
    for name in PAGES:
        with browser.visit(browser_context, (site / name).as_uri()) as (page, problems):
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            charts = page.locator(".hb-chart").count()
            if charts:
                browser.wait_for_charts(page, charts)
            # hover every mark of the hostile chart: tooltips render data values too
            for mark in page.locator(".hb-chart svg.marks path").all()[:10]:
                if mark.is_visible():
                    mark.hover(force=True)
            assert page.evaluate("window.__xss") is None, f"a payload ran on {name}"
            problems.assert_clean()
    assert dialogs == []


def test_search_results_show_payloads_as_text(browser_context, site):
    with browser.visit(browser_context, (site / "index.html").as_uri()) as (page, problems):
        results = browser.search(page, "lipsum")
        assert any(hostile.CHANNEL.split(" <")[0] in r["title"] for r in results), results
        assert page.locator(".md-search-result img[src=x]").count() == 0
        assert page.evaluate("window.__xss") is None
        problems.assert_clean()
