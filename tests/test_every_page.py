"""Every page of the shipped handbook, the way a reader meets it (issue 12).

Real headless Chromium opens each page at 1280 px and at 390 px, in the dark
scheme, and prints it to PDF (``page.pdf``), which pypdf reads back. Each test
walks every page and reports all the pages that fail, not just the first.
"""

import re

import pytest

from tests import browser

#: a table whose content is wider than its box says so just above it (.hb-table__more), or is folded
#: away (a closed <details>); a table may not run past the page, and a cell may never clip its text
_CUT = """() => {
  const shown = e => e.getClientRects().length > 0;
  const page = document.documentElement.clientWidth;
  const problems = [];
  for (const table of document.querySelectorAll('article table')) {
    if (!shown(table)) continue;
    const figure = table.closest('figure.hb-table');
    const wrap = table.closest('.md-typeset__scrollwrap');
    const scrolls = wrap && wrap.scrollWidth > wrap.clientWidth + 1;
    const label = (figure && figure.id) || (table.querySelector('th') || {}).textContent || 'table';
    if (scrolls) {
      let cue = wrap.previousElementSibling;  // past the filter box, if any
      while (cue && cue.classList.contains('hb-filter')) cue = cue.previousElementSibling;
      if (!cue || !cue.classList.contains('hb-table__more') || !shown(cue)) {
        problems.push(`${label}: scrolls sideways with no cue`);
      }
    } else {
      const cut = Array.from(table.querySelectorAll('th, td'))
        .filter(c => shown(c) && c.getBoundingClientRect().right > page + 1)
        .map(c => c.textContent.trim());
      if (cut.length) problems.push(`${label}: cut at the right edge: ${cut.slice(0, 5).join(', ')}`);
    }
    for (const cell of table.querySelectorAll('th, td')) {
      const style = getComputedStyle(cell);
      if (shown(cell) && /hidden|clip/.test(style.overflowX) && cell.scrollWidth > cell.clientWidth + 1) {
        problems.push(`${label}: cell text clipped: ${cell.textContent.trim().slice(0, 30)}`);
      }
    }
  }
  return problems;
}"""

#: a table figure starts where the text does (Material centres figures)
_ALIGN = """() => {
  const text = document.querySelector('article > p, article h1');
  const left = text.getBoundingClientRect().left;
  return Array.from(document.querySelectorAll('article figure.hb-table'))
    .filter(f => f.getClientRects().length && Math.abs(f.getBoundingClientRect().left - left) > 1)
    .map(f => `${f.id}: starts ${Math.round(f.getBoundingClientRect().left - left)} px from the text`);
}"""

#: the tick labels of each axis of each chart, static SVG and live
_TICKS = """() => Array.from(document.querySelectorAll('.hb-chart svg')).flatMap((svg, i) =>
  Array.from(svg.querySelectorAll('g.role-axis-label')).map(axis => [
    (svg.closest('figure') || {}).id || `chart ${i + 1}`,
    Array.from(axis.querySelectorAll('text')).map(t => t.textContent.trim()).filter(Boolean),
  ]))"""


@pytest.fixture(scope="module")
def pages(handbook_project):
    site = handbook_project / "site"
    found = sorted(p for p in site.rglob("*.html") if p.name != "404.html")
    assert len(found) >= 28, found  # every chapter, special and generated page
    return site, found


def _each_page(pages, check) -> None:
    site, found = pages
    failures = []
    for path in found:
        problems = check(path)
        failures += [f"{path.relative_to(site)}: {p}" for p in problems]
    assert failures == [], "\n".join(failures)


def _duplicate_ticks(page) -> list[str]:
    out = []
    for chart, labels in page.evaluate(_TICKS):
        repeated = sorted({t for t in labels if labels.count(t) > 1})
        if repeated:
            out.append(f"{chart}: axis repeats tick labels {repeated} (all: {labels})")
    return out


@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_shows_every_table_cell_and_distinct_ticks(pages, browser_context, width):
    def check(path):
        with browser.visit(browser_context, path.as_uri(), viewport=(width, 900)) as (page, _):
            live = page.locator(".hb-chart__live").count()
            if live:
                browser.wait_for_charts(page, live)
            problems = page.evaluate(_CUT) + page.evaluate(_ALIGN) + _duplicate_ticks(page)
            # the folded tables too: the full ranking behind its control, once a reader opens it
            page.evaluate(
                "async () => { document.querySelectorAll('article details').forEach(d => d.open = true);"
                " await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))); }"
            )
            return problems + [f"opened: {p}" for p in page.evaluate(_CUT)]

    _each_page(pages, check)


def test_in_the_dark_scheme_no_chart_is_a_white_box(pages, browser_context):
    def check(path):
        with browser.visit(browser_context, path.as_uri()) as (page, _):
            page.evaluate("() => document.body.setAttribute('data-md-color-scheme', 'slate')")
            charts = page.evaluate(
                "() => Array.from(document.querySelectorAll('.hb-chart__static svg, .hb-chart__live')).map(e =>"
                " [(e.closest('figure') || {}).id || e.className.baseVal || e.className, getComputedStyle(e).filter])"
            )
            return [f"{name}: drawn on white in the dark scheme" for name, f in charts if "invert" not in f]

    _each_page(pages, check)


def test_every_printed_page_carries_the_stamp_and_keeps_every_column(pages, browser_context):
    from tests.test_pdf import sheets

    site, found = pages
    html = found[0].read_text(encoding="utf-8")
    version = re.search(r'<meta name="handbook-version" content="([^"]+)"', html).group(1)
    as_of = re.search(r'<meta name="handbook-data-as-of" content="([^"]+)"', html).group(1)
    printed = {"pages": 0}

    def check(path):
        problems = []
        with browser.visit(browser_context, path.as_uri(), viewport=(browser.A4_PRINTABLE, 1000)) as (page, _):
            page.emulate_media(media="print")
            problems += [f"print: {p}" for p in page.evaluate(_CUT)]
            texts, _images = sheets(page.pdf(format="A4"))
        for number, text in enumerate(texts, 1):
            printed["pages"] += 1
            if f"版本 {version}" not in text or f"数据截至 {as_of}" not in text:
                problems.append(f"printed page {number} of {len(texts)} lacks the version or data date")
        return problems

    _each_page(pages, check)
    assert printed["pages"] > len(found)  # the long pages ran onto more than one sheet
