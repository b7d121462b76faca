"""The built basic handbook in real headless Chromium: over http://127.0.0.1 and from file://."""

import pytest

from tests import browser
from tests.sitebuild import build, copy_site

PAGES = {"index.html": 1, "service.html": 2, "dictionary.html": 0, "health.html": 0}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    project = copy_site("basic", tmp_path_factory.mktemp("basic-browser") / "project")
    result = build(project)
    assert result.exit_code == 0, result.output
    return project / "site"


@pytest.fixture(scope="module", params=["http", "file"])
def base_url(request, site):
    if request.param == "file":
        yield site.as_uri() + "/"
    else:
        with browser.static_server(site) as url:
            yield url


@pytest.mark.parametrize("page_name", sorted(PAGES))
def test_page_draws_charts_and_cards_cleanly(browser_context, base_url, page_name):
    with browser.visit(browser_context, base_url + page_name) as (page, problems):
        charts = PAGES[page_name]
        if charts:
            assert browser.wait_for_charts(page, charts) == charts
            # the live chart replaced the static fallback on screen
            assert page.locator(".hb-chart__static").first.is_hidden()
        for card in page.locator(".hb-kpi").all():
            assert card.is_visible()
        # a table that fits needs no horizontal scrollbar
        overflow = page.evaluate("""() => [...document.querySelectorAll('article *')]
            .filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth)
            .map(e => e.className)""")
        assert overflow == []
        problems.assert_clean()


def test_kpi_card_shows_status_as_text_and_icon(browser_context, base_url):
    with browser.visit(browser_context, base_url + "index.html") as (page, problems):
        card = page.locator("#kpi-conversion_rate")
        assert card.locator(".hb-kpi__value").inner_text() == "22.7%"
        assert card.locator(".hb-status").inner_text().replace("\n", "") == "⚠关注"
        problems.assert_clean()


def test_table_sorts_by_value(browser_context, base_url):
    with browser.visit(browser_context, base_url + "index.html") as (page, problems):
        table = page.locator("#table-channel_conversion table")
        table.locator("th >> nth=1 >> button").click()  # 转化率, ascending
        first = table.locator("tbody tr >> nth=0 >> td >> nth=0").inner_text()
        assert first == "京东"
        table.locator("th >> nth=1 >> button").click()  # descending
        assert table.locator("tbody tr >> nth=0 >> td >> nth=0").inner_text() == "天猫"
        assert table.locator("th >> nth=1").get_attribute("aria-sort") == "descending"
        assert table.locator("td.hb-num >> nth=0").evaluate("td => getComputedStyle(td).textAlign") == "right"
        problems.assert_clean()


def test_links_from_cards_resolve(browser_context, base_url):
    with browser.visit(browser_context, base_url + "index.html") as (page, problems):
        browser.settle(page)
        page.locator("#kpi-conversion_rate .hb-kpi__label a").click()
        page.wait_for_load_state("load")
        assert page.url.split("/")[-1] == "dictionary.html#kpi-def-conversion_rate"
        problems.assert_clean()


def test_chinese_search(browser_context, base_url):
    with browser.visit(browser_context, base_url + "index.html") as (page, problems):
        results = browser.search(page, "客户服务")
        assert results and results[0]["href"].split("/")[-1].startswith("service.html")
        problems.assert_clean()


def test_source_links_open_the_data_health_section(browser_context, base_url):
    with browser.visit(browser_context, base_url + "index.html") as (page, problems):
        page.locator("#kpi-conversion_rate .hb-sources a", has_text="traffic").click()
        page.wait_for_load_state("load")
        assert page.url.split("/")[-1] == "health.html#data-traffic"
        section = page.locator("#data-traffic")
        assert section.is_visible()
        assert "traffic.csv" in section.inner_text()
        assert "通过" in section.inner_text()
        problems.assert_clean()
