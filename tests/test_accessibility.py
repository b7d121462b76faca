"""axe-core, in real Chromium, on the pages a team reads: no violations of ours.

Two rules flag Material's own markup on every page (its search dialog has no
name; its nested nav landmarks repeat a label); they are the theme's, listed
here so that anything else fails. axe's CSSOM preload is off: it fetches
stylesheets by XHR, which Chromium blocks under file://.
"""

from pathlib import Path

import pytest

from tests import browser

AXE = Path(__file__).resolve().parent.parent / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
THEME_NOISE = {"aria-dialog-name", "landmark-unique"}
PAGES = [
    "index.html",
    "actions.html",
    "dictionary.html",
    "health.html",
    "changes.html",
    "history.html",
    "2-core/product.html",
    "3-implementation/evaluation.html",
    "channels/tmall.html",
]


@pytest.fixture(scope="module")
def axe_source():
    assert AXE.is_file(), "axe-core is missing: `make test` installs it from npm into .tools/"
    return AXE.read_text(encoding="utf-8")


@pytest.mark.parametrize("page_name", PAGES)
def test_no_accessibility_violations(handbook_project, browser_context, axe_source, page_name):
    site = handbook_project / "site"
    with browser.visit(browser_context, (site / page_name).as_uri()) as (page, problems):
        charts = page.locator("figure.hb-chart").count()
        if charts:
            browser.wait_for_charts(page, charts)
        page.add_script_tag(content=axe_source)
        violations = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations'], preload: false})).violations"
            ".map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)"
        )
        assert [v for v in violations if v.split(" ")[0] not in THEME_NOISE] == []
        problems.assert_clean()
