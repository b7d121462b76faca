"""How the shipped handbook's numbers read: on screen, on paper, in the dark (issue 12).

Real headless Chromium on the built site: printed tables keep every column,
a wide table says that it scrolls, charts follow the dark scheme, and the
pages whose headings come from macros have a table of contents.
"""

import re

import pytest

from tests import browser
from tests.sitebuild import soup

#: chapters with the widest tables (the A/B verdict has 12 columns)
TABLE_PAGES = [
    "3-implementation/evaluation.html",
    "2-core/product.html",
    "3-implementation/phases.html",
    "4-trends/technology.html",
]


@pytest.fixture(scope="module")
def site(handbook_project):
    return handbook_project / "site"


_CUT = """() => Array.from(document.querySelectorAll('figure.hb-table')).flatMap(figure => {
  const table = figure.querySelector('table');
  const page = document.documentElement.clientWidth;
  const wrap = figure.querySelector('.md-typeset__scrollwrap');
  const clipped = wrap && wrap.scrollWidth > wrap.clientWidth + 1;
  const cut = Array.from(table.querySelectorAll('thead th'))
    .filter(th => th.getBoundingClientRect().right > page + 1)
    .map(th => th.textContent.trim());
  return clipped || cut.length ? [[figure.id, cut, clipped]] : [];
})"""


@pytest.mark.parametrize("rel", TABLE_PAGES)
def test_printed_tables_keep_every_column(site, browser_context, rel):
    with browser.visit(browser_context, (site / rel).as_uri(), viewport=(browser.A4_PRINTABLE, 1000)) as (page, _):
        page.emulate_media(media="print")
        assert page.locator("figure.hb-table").count() > 0
        assert page.evaluate(_CUT) == []
        # Repeated header rows print the th's own label: Chromium leaves a button there blank.
        labels = page.evaluate(
            "() => Array.from(document.querySelectorAll('figure.hb-table th:has(button)')).map(th => "
            "[th.dataset.label, th.textContent.trim(), getComputedStyle(th, '::before').content])"
        )
        assert labels and all(content == f'"{label}"' and label == text for label, text, content in labels)


def test_on_screen_a_wide_table_says_it_scrolls_and_a_narrow_one_does_not(site, browser_context):
    with browser.visit(browser_context, (site / "3-implementation/evaluation.html").as_uri(), viewport=(1280, 900)) as (
        page,
        _,
    ):
        page.wait_for_function("() => document.querySelector('.md-typeset__scrollwrap')")
        hints = page.evaluate(
            "() => Array.from(document.querySelectorAll('figure.hb-table')).map(f => "
            "[f.querySelector('table').rows[0].cells.length, !!f.querySelector('.hb-table__more'), "
            "(f.querySelector('.hb-table__more') || {}).textContent || ''])"
        )
        wide = [h for h in hints if h[1]]
        assert wide, hints
        assert all(text == "表格较宽：左右滑动查看全部列 →" for _, _, text in wide)
        assert any(not shown for _, shown, _ in hints)  # the narrow tables carry no hint
        assert max(columns for columns, _, _ in wide) >= 12


def test_in_the_dark_scheme_charts_are_not_white_boxes(site, browser_context):
    with browser.visit(browser_context, (site / "2-core/channels.html").as_uri()) as (page, _):
        page.evaluate("() => document.body.setAttribute('data-md-color-scheme', 'slate')")
        filters = page.evaluate(
            "() => Array.from(document.querySelectorAll('.hb-chart__static svg, .hb-chart__live'))"
            ".map(e => getComputedStyle(e).filter)"
        )
        assert filters and all("invert" in f for f in filters), filters
        page.emulate_media(media="print")  # paper is white: the chart prints as drawn
        assert page.evaluate("() => getComputedStyle(document.querySelector('.hb-chart__static svg')).filter") == (
            "none"
        )


@pytest.mark.parametrize("rel", ["dictionary.html", "health.html", "actions.html"])
def test_pages_made_by_macros_have_a_table_of_contents(site, rel):
    html = soup(site / rel)
    headings = [h["id"] for h in html.select("article h2[id]")]
    toc = [a["href"] for a in html.select(".md-sidebar--secondary nav.md-nav--secondary a.md-nav__link")]
    assert len(headings) >= 4
    assert toc == [f"#{anchor}" for anchor in headings]


def test_macro_headings_join_the_markdown_ones_in_document_order_and_their_ids_are_anchors():
    from types import SimpleNamespace

    from mkdocs.structure.toc import get_toc

    from site_build.mkdocs import toc

    markdown = [
        {
            "level": 1,
            "id": "title",
            "name": "词典",
            "children": [{"level": 2, "id": "intro", "name": "说明", "children": []}],
        }
    ]
    page = SimpleNamespace(present_anchor_ids={"title", "intro"}, toc=get_toc(markdown))
    content = (
        '<h1 id="title">词典</h1><h2 id="intro">说明<a class="headerlink" href="#intro">¶</a></h2>'
        '<section id="kpi-def-cr"><h2 id="kpi-def-cr-title">转化率 <code>conversion_rate</code> &amp; 说明</h2></section>'
    )
    toc.complete(page, content)
    (title,) = page.toc
    assert [(link.id, link.title) for link in title.children] == [
        ("intro", "说明"),
        ("kpi-def-cr-title", "转化率 conversion_rate &amp; 说明"),
    ]
    # MkDocs checks links such as dictionary.md#kpi-def-cr against these
    assert {"kpi-def-cr", "kpi-def-cr-title"} <= page.present_anchor_ids


def test_every_printed_page_carries_the_version_and_data_date(site):
    page = (site / "3-implementation/evaluation.html").read_text(encoding="utf-8")
    version = re.search(r'<meta name="handbook-version" content="([^"]+)"', page).group(1)
    as_of = re.search(r'<meta name="handbook-data-as-of" content="([^"]+)"', page).group(1)
    style = re.search(r'<style media="print">(.*?)</style>', page, re.S).group(1)
    assert "@bottom-left" in style and version in style and as_of in style
    assert "counter(page)" in style


def test_on_a_phone_the_header_shows_the_site_name(site, browser_context):
    with browser.visit(browser_context, (site / "index.html").as_uri(), viewport=(390, 844)) as (page, _):
        page.wait_for_selector(".hb-versions__current")
        title = page.evaluate(
            "() => { const e = document.querySelector('.md-header__topic .md-ellipsis');"
            " return [e.textContent.trim(), e.getBoundingClientRect().width]; }"
        )
        assert title[0] == "电商运营战略手册"
        assert title[1] >= 100, title  # about six characters or more, not "电."


def test_data_links_name_the_datasets_by_their_titles(site):
    html = soup(site / "2-core/channels.html")
    links = {a.get_text(): a["href"] for a in html.select(".hb-sources a")}
    assert links.get("流量与转化") == "../health.html#data-traffic", links
    assert not any(re.fullmatch(r"[a-z_]+", text) for text in links)  # no raw ids such as inventory_snapshots


def test_data_health_opens_with_a_summary_and_keeps_identifiers_whole_on_a_phone(site, browser_context):
    summary = soup(site / "health.html").select_one(".hb-health__summary").get_text(" ", strip=True)
    assert re.fullmatch(r"共 22 个数据集，[\d,]+ 行。 ✓ 全部通过校验。", summary), summary
    with browser.visit(browser_context, (site / "health.html").as_uri(), viewport=(390, 844)) as (page, _):
        heights = page.evaluate(
            "() => Array.from(document.querySelectorAll('.hb-health__fields td:first-child code')).map(c => "
            "[c.textContent, c.getBoundingClientRect().height, parseFloat(getComputedStyle(c).lineHeight) || 20])"
        )
        assert heights and [h for h in heights if h[1] > 1.6 * h[2]] == []  # one line each, never broken
        facts = page.evaluate("() => getComputedStyle(document.querySelector('.hb-health__facts')).display")
        assert facts == "grid"


def test_a_channel_page_opens_with_its_headline_numbers_and_flags_losing_campaigns(site):
    page = soup(site / "channels/tmall.html")
    figures = {f.dt.get_text(): f for f in page.select(".hb-figure")}
    assert set(figures) == {"计划首年销售额", "订单数", "客单价"}
    # then the KPIs evaluated for this channel alone, worst first, each with its status
    cards = [
        (c.select_one(".hb-kpi__label").get_text(), c["class"][1].removeprefix("hb-kpi--"))
        for c in page.select("article.hb-kpi")
    ]
    assert {label for label, _ in cards} == {"转化率 · 天猫", "客单价 · 天猫", "营销 ROI（投产比） · 天猫"}
    severity = ["alert", "watch", "no-data", "on-track"]
    assert [s for _, s in cards] == sorted((s for _, s in cards), key=severity.index)
    stores = {c.get_text() for c in soup(site / "channels/stores.html").select(".hb-kpi__label")}
    assert stores == {"客单价 · 线下门店", "营销 ROI（投产比） · 线下门店"}  # 转化率 counts online sessions only
    pinduoduo = {
        c.select_one(".hb-kpi__label").get_text(): c.select_one("data").get_text()
        for c in soup(site / "channels/pinduoduo.html").select("article.hb-kpi")
    }
    assert pinduoduo["营销 ROI（投产比） · 拼多多"] == "0.54"  # the channel's own figure, not the whole KPI's
    campaigns = page.select("figure.hb-table")[-1]  # 营销活动, the page's last table
    assert "营销活动" in campaigns.figcaption.get_text() or "活动" in campaigns.figcaption.get_text()
    rows = campaigns.select("tbody tr")
    assert rows
    for row in rows:
        roi = row.select("td")[-1]
        losing = float(roi["data-sort"]) < 1
        assert ("hb-cell--alert" in (roi.get("class") or [])) == losing, row.get_text()


def _download(page, button) -> list[list[str]]:
    import csv
    import io

    with page.expect_download() as info:
        button.click()
    text = info.value.path().read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_every_table_and_chart_downloads_its_rows_as_csv_from_file(site, browser_context):
    with browser.visit(browser_context, (site / "3-implementation/evaluation.html").as_uri()) as (page, problems):
        tables = page.locator("figure.hb-table")
        charts = page.locator("figure.hb-chart")
        assert page.locator("figure.hb-table .hb-download__button").count() == tables.count() > 0
        assert page.locator("figure.hb-chart .hb-download__button").count() == charts.count() > 0
        # the A/B table: its header and every row, numbers unformatted
        ab = page.locator("#table-ab_results")
        rows = _download(page, ab.locator(".hb-download__button"))
        heads = ab.locator("thead th").all_inner_texts()
        assert rows[0] == [h.replace(" ⇅", "").strip() for h in heads]
        assert len(rows) - 1 == ab.locator("tbody tr").count()
        # the long ranking: every row, not only the ten at each end
        ranking = page.locator("#table-campaign_roi_ranking")
        everything = _download(page, ranking.locator(".hb-download__button"))
        assert len(everything) - 1 == ranking.locator("details table tbody tr").count() > 20
        assert all(float(r[-1]) > 0 for r in everything[1:])  # ROI as a number, not "1.23"-as-formatted text
        # a chart: the rows of its own data, not its target lines
        chart = charts.first
        data = _download(page, chart.locator(".hb-download__button"))
        spec = page.evaluate(
            "f => JSON.parse(f.querySelector('script.hb-chart__spec').textContent)", chart.element_handle()
        )
        name = (spec.get("data") or spec["layer"][0]["data"])["name"]
        assert len(data) - 1 == len(spec["datasets"][name]) and not any(c.startswith("_text_") for c in data[0])
        problems.assert_clean()


def test_a_csv_cell_that_looks_like_a_formula_stays_text(site, browser_context):
    with browser.visit(browser_context, (site / "index.html").as_uri()) as (page, _):
        page.evaluate(
            "() => { const td = document.querySelector('figure.hb-table tbody td');"
            " td.setAttribute('data-sort', '=HYPERLINK(\"http://x\")'); }"
        )
        rows = _download(page, page.locator("figure.hb-table .hb-download__button").first)
        assert rows[1][0] == '\'=HYPERLINK("http://x")'


def test_the_action_list_is_a_table_to_scan_first(site):
    page = soup(site / "actions.html")
    table = page.select_one("figure.hb-actions__list table")
    assert [th.get_text() for th in table.select("thead th")] == [
        "状态",
        "指标",
        "当前值",
        "目标",
        "差距",
        "连续未达标期数",
        "负责人",
        "行动方案",
    ]
    rows = table.select("tbody tr")
    assert len(rows) == len(page.select("section.hb-action")) > 0
    for row in rows:
        link = row.select("td")[1].a["href"]
        assert page.select_one(link) is not None  # each row leads to its card below
        assert int(row.select("td")[5].get_text()) >= 1


def test_a_long_table_filters_its_rows_as_you_type(site, browser_context):
    with browser.visit(browser_context, (site / "3-implementation/evaluation.html").as_uri()) as (page, problems):
        ranking = page.locator("#table-campaign_roi_ranking")
        box = ranking.locator("input.hb-filter")
        assert box.get_attribute("placeholder") == "筛选行…"
        box.fill("抖音")
        rows = ranking.locator("details table tbody tr")
        shown = [r for r in rows.all() if r.is_visible()]
        assert 0 < len(shown) < rows.count()
        assert all("抖音" in r.inner_text() for r in shown)
        box.fill("")
        assert all(r.is_visible() for r in rows.all())
        assert page.locator("#table-ab_results input.hb-filter").count() == 0  # a short table has none
        problems.assert_clean()
