"""The shipped e-commerce handbook: every chapter with live figures, the action page,
the dictionary, working section links, and every page clean in real Chromium."""

import json
import re
from pathlib import Path

import pytest
import yaml

from site_build.kpis.catalogue import Catalogue
from tests import browser
from tests.sitebuild import soup

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = [
    "1-overview/index.html",
    "2-core/market.html",
    "2-core/product.html",
    "2-core/channels.html",
    "2-core/crm.html",
    "3-implementation/planning.html",
    "3-implementation/phases.html",
    "3-implementation/evaluation.html",
    "4-trends/technology.html",
    "4-trends/omnichannel.html",
    "4-trends/sustainability.html",
]


@pytest.fixture(scope="module")
def site(handbook_project):
    return handbook_project / "site"


@pytest.fixture(scope="module")
def manifest(site):
    return json.loads((site / "build.json").read_text(encoding="utf-8"))


def _pages(site):
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if p.name != "404.html")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_has_live_figures(site, chapter):
    page = soup(site / chapter)
    assert page.select(".hb-kpi"), f"{chapter} has no KPI card"
    assert page.select(".hb-inline--value"), f"{chapter} has no live value in its prose"
    assert not page.select(".hb-error"), f"{chapter} has a failed macro"


def test_no_page_has_a_failed_macro(site):
    assert [p for p in _pages(site) if soup(site / p).select(".hb-error")] == []


def test_no_page_shows_template_syntax(site):
    """A Jinja tag or comment the macros did not take (``{# … #}`` is text: comments are ``{## … ##}``)."""
    leaks = {}
    for p in _pages(site):
        text = soup(site / p).select_one("article").get_text()
        found = re.findall(r"\{[{%#].{0,40}", text)
        if found:
            leaks[p] = found
    assert leaks == {}


def test_action_page_lists_every_breach_with_its_play(site, manifest):
    breaches = {k for k, v in manifest["kpis"].items() if v["status"] in ("watch", "alert")}
    assert {"conversion_rate", "skus_below_safety_stock", "platforms_traffic_falling"} <= breaches
    page = soup(site / "actions.html")
    listed = {s["id"].removeprefix("action-") for s in page.select("section.hb-action")}
    assert listed == breaches
    first = page.select("section.hb-action")[0]
    assert "hb-action--alert" in first["class"]  # worst first
    for section in page.select("section.hb-action"):
        assert section.select_one(".hb-action__play") is None  # every breach has a play in the catalogue
        play = section.select_one(".hb-kpi__play").get_text()
        assert play.startswith("行动：") and len(play) > 10
        assert section.select_one(".hb-kpi__play a")["href"].split("#")[0].endswith(".html")


def test_dictionary_lists_every_kpi(site):
    catalogue = Catalogue.load(ROOT / "data" / "metrics.yml")
    page = soup(site / "dictionary.html")
    ids = {s["id"].removeprefix("kpi-def-") for s in page.select("section.hb-definition")}
    assert ids == set(catalogue.kpis)
    entry = page.select_one("#kpi-def-conversion_rate").get_text(" ", strip=True)
    assert "sum(orders) / sum(sessions)" in entry.replace("\n", " ") or "sum(" in entry
    assert "效果评估与调整" in entry or "evaluation" in page.select_one("#kpi-def-conversion_rate").decode()


def test_every_play_links_to_an_existing_section(site):
    catalogue = Catalogue.load(ROOT / "data" / "metrics.yml")
    for kpi in catalogue.kpis.values():
        path, _, anchor = kpi.play.section.partition("#")
        html = site / re.sub(r"\.md$", ".html", path)
        assert html.exists(), f"{kpi.id}: {path} was not built"
        assert soup(html).find(id=anchor), f"{kpi.id}: {kpi.play.section} has no heading with id '{anchor}'"


def test_every_internal_link_resolves(site):
    broken = []
    ids: dict[Path, set[str]] = {}  # each target page parsed once, not once per link to it

    def has_id(path: Path, anchor: str) -> bool:
        if path not in ids:
            ids[path] = {tag["id"] for tag in soup(path).find_all(id=True)}
        return anchor in ids[path]

    for rel in _pages(site):
        page = soup(site / rel)
        for a in page.select("article a[href]"):
            href = a["href"]
            if re.match(r"^[a-z]+:", href) or href.startswith("#"):
                continue
            target, _, anchor = href.partition("#")
            path = (site / rel).parent / target
            if not path.exists():
                broken.append(f"{rel} → {href}")
            elif anchor and path.suffix == ".html" and not has_id(path, anchor):
                broken.append(f"{rel} → {href} (no id {anchor})")
    assert broken == []


def test_nav_follows_the_strategy(site):
    nav = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.UnsafeLoader)["nav"]
    titles = [next(iter(item)) for item in nav]
    assert titles == ["首页", "需要行动", "一、战略概述", "二、核心要素", "三、实施步骤", "四、未来趋势", "参考"]


def test_a_page_per_channel_from_the_template(site):
    channels = {
        row["channel"] for row in __import__("csv").DictReader((ROOT / "data" / "orders.csv").open(encoding="utf-8"))
    }
    links = soup(site / "channels" / "index.html").select("article .hb-page-links a")
    assert {a.get_text() for a in links} == channels
    nav = [a["href"] for a in soup(site / "channels" / "index.html").select("nav.md-nav--primary a.md-nav__link[href]")]
    for a in links:
        page = soup(site / "channels" / a["href"])
        assert page.select_one("article h1").get_text().startswith(a.get_text())
        assert page.select("figure.hb-chart") and len(page.select("figure.hb-table")) == 3, a["href"]
        assert not page.select(".hb-error"), a["href"]
    # the nav lists them right after 渠道看板, in the same order
    start = nav.index("index.html") + 1
    assert nav[start : start + len(links)] == [a["href"] for a in links]


@pytest.fixture(scope="module")
def walked(site, browser_context):
    """Every page opened from file://, once: problems and chart counts per page."""
    results = {}
    for rel in _pages(site):
        with browser.visit(browser_context, (site / rel).as_uri()) as (page, problems):
            figures = page.locator("figure.hb-chart").count()
            drawn = browser.wait_for_charts(page, figures) if figures else 0
            results[rel] = (figures, drawn, problems.all())
    return results


def test_every_page_loads_cleanly_from_file(walked):
    assert {rel: p for rel, (_, _, p) in walked.items() if p} == {}


def test_no_empty_chart(walked):
    assert {rel: (f, d) for rel, (f, d, _) in walked.items() if f != d} == {}
    assert sum(f for f, _, _ in walked.values()) >= 15


def test_search_finds_chinese_words(site, browser_context):
    with browser.static_server(site) as base:
        with browser.visit(browser_context, base + "index.html") as (page, problems):
            results = browser.search(page, "安全库存")
            assert results and re.split(r"[?#]", results[0]["href"].split("/")[-1])[0] == "product.html"
            problems.assert_clean()


def test_a_cold_rebuild_elsewhere_is_byte_identical(site, tmp_path):
    """Same inputs, another folder, an empty cache: the same bytes (issue 5's reproducible builds)."""
    from tests.sitebuild import HANDBOOK_TODAY, build, copy_handbook

    other = copy_handbook(tmp_path / "elsewhere")
    result = build(other, today=HANDBOOK_TODAY)
    assert result.exit_code == 0, result.output
    ours = {p.relative_to(site): p for p in site.rglob("*") if p.is_file()}
    theirs = {p.relative_to(other / "site"): p for p in (other / "site").rglob("*") if p.is_file()}
    assert sorted(ours) == sorted(theirs)
    differing = [str(k) for k in ours if ours[k].read_bytes() != theirs[k].read_bytes()]
    assert differing == []
