"""Real builds, published twice with different data: versions, 本版变化, the switcher
over http and from file://, and the offline archive — in real headless Chromium."""

import json
import zipfile

import pytest
from click.testing import CliRunner

from site_build.cli import main
from tests import browser
from tests.sitebuild import build, copy_site, soup


def cli(project, *args):
    import os

    old = os.getcwd()
    os.chdir(project)
    try:
        return CliRunner(env={"HANDBOOK_TODAY": "2025-12-05"}).invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    project = copy_site("basic", tmp_path_factory.mktemp("release") / "project")
    assert build(project, today="2025-12-05").exit_code == 0
    first = cli(project, "publish", "--json")
    assert first.exit_code == 0, first.output
    v1 = json.loads(first.output.strip().splitlines()[-1])["version"]
    again = cli(project, "publish")
    assert again.exit_code == 0 and "Unchanged" in again.output
    # November's data arrives: conversion falls on 天猫, the month is complete.
    with open(project / "data" / "traffic.csv", "a", encoding="utf-8") as fh:
        fh.write("2025-11-20,天猫,900,90,9000.0\n2025-11-30,京东,750,100,12000.0\n")
    result = build(project, today="2025-12-05")
    assert result.exit_code == 0, result.output
    second = cli(project, "publish", "--json")
    assert second.exit_code == 0, second.output
    v2 = json.loads(second.output.strip().splitlines()[-1])["version"]
    archived = cli(project, "archive", "--json")
    assert archived.exit_code == 0, archived.output
    zip_path = project / json.loads(archived.output.strip().splitlines()[-1])["archive"]
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(project / "unzipped")
    top = next((project / "unzipped").iterdir())
    return {"project": project, "public": project / "public", "v1": v1, "v2": v2, "zip": zip_path, "unzipped": top}


def test_two_versions_published(release):
    versions = json.loads((release["public"] / "versions.json").read_text())
    assert [v["version"] for v in versions] == [release["v2"], release["v1"]]
    assert versions[0]["aliases"] == ["latest"]
    assert release["v1"].startswith("2025.11.03-") and release["v2"].startswith("2025.11.30-")
    assert json.loads((release["public"] / release["v2"] / "build.json").read_text())["data_as_of"] == "2025-11-30"


def test_changes_page_shows_kpi_movements(release):
    page = soup(release["public"] / release["v2"] / "changes.html")
    rows = [[c.get_text(" ", strip=True) for c in tr.select("th, td")] for tr in page.select("table tbody tr")]
    # worst news first: conversion crossed into alert
    assert rows[0] == ["转化率", "22.7%", "11.4%", "-11.2 个百分点", "关注 → 告警"]
    assert rows[1][:4] == ["销售额", "¥3.7万", "¥2.2万", "-39.7%"]
    assert release["v1"] in page.select_one(".hb-changes__intro").get_text()


def test_archives_are_byte_identical(release):
    first = release["zip"].read_bytes()
    again = cli(release["project"], "archive")
    assert again.exit_code == 0
    assert release["zip"].read_bytes() == first


@pytest.mark.parametrize("scheme", ["http", "file"])
def test_switcher_moves_between_real_versions(release, browser_context, scheme):
    public = release["public"]
    if scheme == "http":
        with browser.static_server(public) as base:
            _check_switch(browser_context, base + f"{release['v2']}/service.html", release)
    else:
        _check_switch(browser_context, (public / release["v2"] / "service.html").as_uri(), release)


def _check_switch(context, url, release):
    with browser.visit(context, url) as (page, problems):
        page.wait_for_selector(".hb-versions .hb-versions__link", state="attached")
        links = page.eval_on_selector_all(
            ".hb-versions__link", "ls => ls.map(a => [a.dataset.version, !!a.querySelector('.hb-versions__latest')])"
        )
        assert links == [[release["v2"], True], [release["v1"], False]]
        page.hover(".hb-versions")
        with page.expect_navigation():
            page.click(f'.hb-versions__link[data-version="{release["v1"]}"]')
        assert f"/{release['v1']}/service.html" in page.url
        assert browser.wait_for_charts(page, 2) == 2
        problems.assert_clean()


def test_unzipped_archive_works_offline(release, browser_context):
    top = release["unzipped"]
    with browser.visit(browser_context, (top / "index.html").as_uri()) as (page, problems):
        page.wait_for_url("**/index.html", timeout=10_000)
        assert release["v2"] in page.url
        assert browser.wait_for_charts(page, 1) == 1
        assert page.locator(".hb-stamp").inner_text().endswith(release["v2"])
        assert page.locator("#kpi-conversion_rate .hb-kpi__value").inner_text().endswith("%")
        results = browser.search(page, "客户服务")
        assert results and results[0]["href"].split("/")[-1].startswith("service.html")
        page.goto((top / release["v2"] / "service.html").as_uri())
        assert browser.wait_for_charts(page, 2) == 2
        page.wait_for_selector(".hb-versions .hb-versions__link", state="attached")
        problems.assert_clean()
