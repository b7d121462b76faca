"""A handbook in English and US dollars: no Chinese anywhere the engine writes, money in $.

tests/sites/english is a support-operations playbook written in English, with
``theme.language: en`` and ``currency: USD``. Every word on its pages is the
author's or the engine's, so any Chinese character is the engine's mistake.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests import browser
from tests.sitebuild import build, copy_site

#: Chinese characters and punctuation (CJK symbols, ideographs, full-width forms)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
#: the data end on 2025-10-15; fresh on this day
TODAY = "2025-11-10"


@pytest.fixture(scope="module")
def english_site(tmp_path_factory) -> Path:
    project = copy_site("english", tmp_path_factory.mktemp("english") / "project")
    result = build(project, today=TODAY)
    assert result.exit_code == 0, result.output
    return project / "site"


def test_no_page_has_a_chinese_character(english_site):
    pages = sorted(english_site.rglob("*.html"))
    assert len(pages) >= 5
    found = {p.name: CJK.findall(p.read_text(encoding="utf-8"))[:5] for p in pages if CJK.search(p.read_text("utf-8"))}
    assert found == {}
    assert not CJK.search((english_site / "search" / "search_index.json").read_text(encoding="utf-8"))


def _soup(site: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")


def test_cards_tables_and_stamp_speak_english_and_dollars(english_site):
    soup = _soup(english_site, "index.html")
    assert soup.html["lang"] == "en"
    card = soup.select_one("#kpi-revenue")
    assert card.select_one(".hb-kpi__value").get_text().startswith("$")
    assert re.fullmatch(r"\$\d+\.\dK", card.select_one(".hb-kpi__value").get_text())  # compact, as CLDR's en
    meta = card.select_one(".hb-kpi__meta").get_text(" ", strip=True)
    assert "Target $600.0K" in meta
    assert "vs previous period" in card.select_one(".hb-kpi__delta").get_text()
    assert "Owner: Sales Ops" in card.select_one(".hb-sources").get_text()
    handle = soup.select_one("#kpi-handle_time .hb-kpi__value").get_text()
    assert re.fullmatch(r"\d\.\d h", handle)
    refunds = soup.select_one("#kpi-refund_rate .hb-kpi__delta .hb-delta")
    assert refunds.find(string=True, recursive=False).endswith(" pp")
    assert refunds.select_one(".hb-sr").get_text() in (" (better)", " (worse)")
    cells = [td.get_text() for td in soup.select("table td")]
    assert any(re.fullmatch(r"\$\d\.\dM", c) for c in cells), cells
    assert "Data as of" in soup.select_one(".hb-stamp").get_text()


def test_the_reference_pages_speak_english(english_site):
    dictionary = _soup(english_site, "dictionary.html").get_text(" ", strip=True)
    for words in ("Formula", "Watch threshold", "below $450.0K", "higher is better", "monthly", "Shown on"):
        assert words in dictionary
    health = _soup(english_site, "health.html").get_text(" ", strip=True)
    assert "Rows" in health and "✓ Valid" in health
    summary = _soup(english_site, "actions.html").select_one(".hb-actions__summary").get_text()
    assert re.fullmatch(r"As of 2025-10-15: ✖ \d+ on alert, ⚠ \d+ to watch\.", summary), summary


def test_the_chart_axis_is_in_dollars_in_the_svg_and_in_the_browser(english_site, browser_context):
    soup = _soup(english_site, "index.html")
    labels = [t.get_text() for t in soup.select(".hb-chart__static svg text")]
    assert any(label.startswith("$") for label in labels), labels
    assert any(re.fullmatch(r"[A-Z][a-z]{2} 2025", label) for label in labels), labels  # month ticks, in English
    with browser.visit(browser_context, (english_site / "index.html").as_uri()) as (page, problems):
        browser.wait_for_charts(page, 1)
        drawn = page.locator(".hb-chart__live svg text").all_text_contents()
        assert any(label.startswith("$") for label in drawn), drawn
        results = browser.search(page, "refund")
        assert any("index.html" in r["href"] for r in results), results
        browser.settle(page)
        problems.assert_clean()
