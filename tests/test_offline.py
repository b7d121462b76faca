"""The offline recipe: a plain Material site (tests/sites/plain, no handbook plugin)
works with no network, over http://127.0.0.1 and from file://, in real Chromium.

Also checks site_build/offline.py and that the browser helpers really catch problems.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from site_build.views import offline
from tests import browser

PLAIN = Path(__file__).parent / "sites" / "plain"
PAGES = {"index.html": "运营概览", "inventory.html": "库存管理", "service.html": "客户服务"}


@pytest.fixture(scope="module")
def plain_site(tmp_path_factory) -> Path:
    """tests/sites/plain built in-process with real MkDocs; returns the site dir."""
    site_dir = tmp_path_factory.mktemp("plain-site")
    build(load_config(str(PLAIN / "mkdocs.yml"), site_dir=str(site_dir)))
    return site_dir


@pytest.fixture(scope="module", params=["http", "file"])
def root(request, plain_site):
    """The site's base URL, once served by a local HTTP server and once as file://."""
    if request.param == "file":
        yield plain_site.as_uri() + "/"
    else:
        with browser.static_server(plain_site) as url:
            yield url


def _heading(page) -> str:
    """The page's h1 as a reader sees it, without the ¶ permalink."""
    return page.locator("article h1").inner_text().removesuffix("¶").strip()


# --- the built HTML -------------------------------------------------------------------


def test_built_pages_load_nothing_from_other_hosts(plain_site):
    assert sorted(p.name for p in plain_site.glob("*.html")) == ["404.html", *sorted(PAGES)]
    assert offline.external_references_in_site(plain_site) == {}
    for page in plain_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in html and "fonts.gstatic.com" not in html, page.name
        assert "unpkg.com" not in html, page.name


def test_the_scan_keeps_each_pages_answer_under_its_bytes(tmp_path):
    from site_build.data.store import Store

    site, store = tmp_path / "site", Store(tmp_path / "cache")
    site.mkdir()
    page = site / "a.html"
    script = '<script src="https://cdn.example.com/x.js"></script>'
    page.write_text(script + "<footer>v1</footer>", encoding="utf-8")
    found = {"a.html": ["https://cdn.example.com/x.js"]}
    assert offline.external_references_in_site(site, store, stamp="v1") == found
    assert offline.external_references_in_site(site, store, stamp="v1") == found  # from the store, the same answer
    assert len(store.entries("offline")) == 1
    # the next version's page differs only in its stamp: the same entry
    page.write_text(script + "<footer>v2</footer>", encoding="utf-8")
    assert offline.external_references_in_site(site, store, stamp="v2") == found
    assert len(store.entries("offline")) == 1
    # new bytes, a new answer: a stored one never hides a page's change
    page.write_text("<p>no scripts</p><footer>v2</footer>", encoding="utf-8")
    assert offline.external_references_in_site(site, store, stamp="v2") == {}


def test_polyfill_is_the_vendored_local_copy(plain_site):
    html = (plain_site / "inventory.html").read_text(encoding="utf-8")
    assert f'<script src="{offline.POLYFILL_URL}"></script>' in html
    shipped = (plain_site / offline.POLYFILL_URL).read_text(encoding="utf-8")
    assert shipped.startswith("/* iframe-worker 1.0.4")
    assert "window.IFrameWorker=o" in shipped
    assert (plain_site / offline.POLYFILL_URL).with_name("LICENSE-iframe-worker.txt").exists()
    # the offline plugin inlines the index so search works without fetch()
    assert (plain_site / "search" / "search_index.js").read_text(encoding="utf-8").startswith("var __index = ")


def test_search_index_is_segmented_chinese(plain_site):
    # jieba (installed) splits Chinese at build time; zero-width spaces mark the words
    index = json.loads((plain_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["lang"] == ["zh"]
    titles = {doc["location"]: doc["title"] for doc in index["docs"]}
    assert titles["inventory.html#安全库存"] == "安全\u200b库存"


# --- site_build/offline.py -----------------------------------------------------------


def test_local_polyfills_replaces_unpkg_and_keeps_the_rest():
    assert offline.local_polyfills(None) == [offline.POLYFILL_URL]
    given = ["js/other.js", "https://unpkg.com/iframe-worker/shim"]
    assert offline.local_polyfills(given) == ["js/other.js", offline.POLYFILL_URL]
    assert offline.local_polyfills([offline.POLYFILL_URL]) == [offline.POLYFILL_URL]


def test_external_references_finds_what_the_browser_would_fetch():
    html = """<html><head>
      <link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>
      <link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">
      <link rel="stylesheet" href="assets/main.css">
      <link rel="canonical" href="https://example.org/handbook/">
      <script src="//cdn.example.com/x.js"></script>
      <script src="assets/local.js"></script>
      <script src="http://127.0.0.1:8000/dev.js"></script>
    </head><body>
      <p>See <a href="https://example.org/">the original</a> and https://example.org/text.</p>
      <img src="https://img.example.com/a.png"><img src="data:image/png;base64,AAAA">
    </body></html>"""
    assert offline.external_references(html) == [
        "https://fonts.gstatic.com",
        "https://fonts.googleapis.com/css?family=Roboto",
        "//cdn.example.com/x.js",
        "https://img.example.com/a.png",
    ]


# --- in the browser --------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_page_loads_with_no_problems(browser_context, root, name):
    with browser.visit(browser_context, root + name) as (page, problems):
        assert _heading(page) == PAGES[name]
        page.wait_for_load_state("networkidle")
        problems.assert_clean()


def test_links_between_pages_work(browser_context, root):
    with browser.visit(browser_context, root + "index.html") as (page, problems):
        browser.settle(page)
        page.locator("article a", has_text="库存管理").click()
        page.wait_for_load_state("load")
        browser.settle(page)
        assert page.url == root + "inventory.html"
        assert _heading(page) == "库存管理"
        page.locator("article a", has_text="运营概览").click()
        page.wait_for_url(root + "index.html")
        browser.settle(page)
        # a link to a Chinese heading anchor on another page
        page.locator("article a", has_text="客户服务").click()
        page.wait_for_url(root + "service.html#%E6%BB%A1%E6%84%8F%E5%BA%A6%E7%9B%AE%E6%A0%87")
        assert page.locator("#满意度目标").is_visible()
        problems.assert_clean()


def test_search_finds_chinese_words(browser_context, root):
    with browser.visit(browser_context, root + "index.html") as (page, problems):
        results = browser.search(page, "安全库存")
        assert results[0]["title"] == "库存管理"
        section = root + "inventory.html#安全库存"
        assert any(r["href"] == section and "低于安全库存的商品" in r["text"] for r in results), results
        results = browser.search(page, "满意度")
        assert [r["href"] for r in results] == [root + "service.html", root + "service.html#满意度目标"]
        assert browser.search(page, "火箭") == []
        problems.assert_clean()


# --- the checker itself ----------------------------------------------------------------


def test_page_problems_catches_every_kind_of_problem(browser_context, tmp_path, static_server):
    (tmp_path / "broken.html").write_text(
        """<!doctype html><html><head><title>broken</title></head><body>
        <script src="missing.js"></script>
        <img src="https://example.com/pixel.png">
        <script>console.error("something broke")</script>
        <script>throw new Error("uncaught boom")</script>
        </body></html>""",
        encoding="utf-8",
    )
    page, problems = browser.open_page(browser_context, static_server(tmp_path) + "broken.html")
    page.close()
    found = "\n".join(problems.all())
    assert "console error: something broke" in found
    assert "uncaught exception: Error: uncaught boom" in found
    assert "bad response: HTTP 404 " in found and "missing.js" in found
    assert "non-local request: https://example.com/pixel.png" in found
    with pytest.raises(AssertionError, match=r"problem\(s\) on http://127\.0\.0\.1:\d+/broken\.html"):
        problems.assert_clean()


def test_page_problems_catches_missing_files_under_file_urls(browser_context, tmp_path):
    (tmp_path / "broken.html").write_text('<script src="missing.js"></script>', encoding="utf-8")
    page, problems = browser.open_page(browser_context, (tmp_path / "broken.html").as_uri())
    page.close()
    assert any(p.startswith("failed request: net::ERR_FILE_NOT_FOUND") and "missing.js" in p for p in problems.all()), (
        problems.all()
    )
