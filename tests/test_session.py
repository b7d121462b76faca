"""One session per build, one context per page: what the pages record, the REPL facade, the build clock."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest

from site_build.errors import MacroError
from site_build.macros import Handbook
from tests.sitebuild import ROOT, build, copy_site, soup

BASIC = Path(__file__).parent / "sites" / "basic"


@pytest.fixture
def hb():
    with Handbook.open(BASIC / "data", cache_dir=None) as handbook:
        handbook.begin_page("service.md")
        yield handbook


def test_dictionary_lists_a_page_that_shows_a_kpi_through_a_tag(handbook_project):
    # The home page shows monthly_sales only through kpi_grid(tag="headline"): no id in its source.
    index = (handbook_project / "content" / "index.md").read_text(encoding="utf-8")
    assert 'kpi_grid(tag="headline"' in index
    assert not re.search(r"(kpi|value|target)\(\s*['\"]monthly_sales", index)
    entry = soup(handbook_project / "site" / "dictionary.html").select_one("#kpi-def-monthly_sales")
    row = next(tr for tr in entry.select("tr") if tr.th.get_text() == "使用页面")
    assert "index.html" in [a["href"] for a in row.select("a")]


def test_dictionary_leaves_out_the_action_page_and_keeps_chapters(handbook_project):
    site = handbook_project / "site"
    alerting = [a["id"].removeprefix("kpi-") for a in soup(site / "actions.html").select("article.hb-kpi")]
    assert alerting, "the showcase has KPIs in watch or alert"
    for kpi_id in alerting:
        entry = soup(site / "dictionary.html").select_one(f"#kpi-def-{kpi_id}")
        assert "actions.html" not in [a["href"] for a in entry.select("a")]


def test_a_page_records_the_kpis_and_datasets_it_shows(hb):
    hb.kpi_card("conversion_rate")
    hb.value("revenue")
    page = hb.end_page()
    assert page.kpis == ["conversion_rate", "revenue"]
    assert page.resources == {"traffic"}
    assert hb.session.kpi_pages == {"conversion_rate": ["service.md"], "revenue": ["service.md"]}


def test_ids_are_unique_per_page_and_links_relative_to_it(hb):
    hb.begin_page("channels/tmall.md")
    first, second = hb.kpi_card("revenue"), hb.kpi_card("revenue")
    assert 'id="kpi-revenue"' in first and 'id="kpi-revenue-2"' in second
    assert 'href="../dictionary.html#kpi-def-revenue"' in first


def test_chart_with_a_name_and_inline_sql(hb):
    sql = (
        "SELECT date AS 月份, channel AS 渠道, sum(orders) / sum(sessions) AS 转化率 FROM traffic "
        "WHERE channel = '天猫' GROUP BY 1, 2 ORDER BY 1"
    )
    html = hb.chart("monthly_conversion", sql=sql, title="天猫转化率")
    assert "天猫转化率" in html and 'class="hb-chart' in html
    spec = json.loads(re.search(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S).group(1))
    (values,) = spec["datasets"].values()
    assert [row["渠道"] for row in values] == ["天猫"] * len(hb.query(sql).rows)


def test_chart_still_refuses_unknown_options(hb):
    with pytest.raises(MacroError, match=r"unknown option\(s\) colour\. Valid options: .*sql"):
        hb.chart("monthly_conversion", colour="red")


def test_readme_example_runs(tmp_path, capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The engine from Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    old = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(old)
    label, display, status = capsys.readouterr().out.splitlines()[0].split(" ")
    assert label == "转化率" and display.endswith("%") and status in ("on-track", "watch", "alert")


def _built_at(project: Path) -> tuple[str, str]:
    manifest = json.loads((project / "site" / "build.json").read_text(encoding="utf-8"))
    sitemap = (project / "site" / "sitemap.xml").read_text(encoding="utf-8")
    return manifest["built_at"], re.search(r"<lastmod>([^<]+)</lastmod>", sitemap).group(1)


def _project(tmp_path: Path) -> Path:
    """The basic site with a site_url, so that MkDocs writes a sitemap with dates."""
    project = copy_site("basic", tmp_path / "p")
    config = project / "mkdocs.yml"
    config.write_text("site_url: https://handbook.example/\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    return project


def test_two_builds_in_one_process_stamp_their_own_build_time(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    project = _project(tmp_path)
    assert build(project).exit_code == 0
    assert _built_at(project) == ("2025-11-03T00:00:00Z", "2025-11-03")
    with (project / "data" / "traffic.csv").open("a", encoding="utf-8") as f:
        f.write("2025-11-09,天猫,100,10,1000.0\n")
    result = build(project)
    assert result.exit_code == 0, result.output
    assert _built_at(project) == ("2025-11-09T00:00:00Z", "2025-11-09")
    assert "SOURCE_DATE_EPOCH" not in os.environ


def test_the_users_source_date_epoch_wins_and_is_left_as_it_was(tmp_path, monkeypatch):
    epoch = int(dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc).timestamp())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    project = _project(tmp_path)
    assert build(project).exit_code == 0
    assert _built_at(project) == ("2026-01-02T00:00:00Z", "2026-01-02")
    assert os.environ["SOURCE_DATE_EPOCH"] == str(epoch)


def test_figures_show_one_row_as_headline_numbers_judged_by_a_kpi(hb):
    from bs4 import BeautifulSoup

    html = hb.figures(
        "SELECT sum(orders) / sum(sessions) AS 转化率, sum(orders) AS 订单数 FROM traffic",
        formats={"订单数": "count"},
        kpis={"转化率": "conversion_rate"},
    )
    soup = BeautifulSoup(str(html), "html.parser")
    rate, orders = soup.select(".hb-figure")
    assert rate.dt.get_text() == "转化率" and rate.select_one(".hb-figure__value").get_text().endswith("%")
    assert rate.select_one(".hb-status") is not None and rate.select_one(".hb-figure__target").get_text().endswith(
        " 30.0%"
    )
    assert orders.select_one(".hb-status") is None
    with pytest.raises(MacroError, match="one row"):
        hb.figures("SELECT channel FROM traffic GROUP BY 1")
