"""The breach digest (issue 13): real builds of the basic site, published twice with new data.

Version 1 (data to 2025-11-03, October is the current month):
  转化率 watch (22.7%), 销售额 watch (¥3.7万), 平均响应时长 on track (1 h), 满意度 watch (75%).
Version 2 adds November (the month is complete on 2025-11-30):
  转化率 11.4%: watch → alert, worse;      销售额 ¥2.2万: still watch, lower, worse;
  平均响应时长 2.5 h: on track → watch, new; 满意度 100%: watch → on track, resolved.
"""

import json
import re

import pytest
from click.testing import CliRunner

from site_build.cli import main
from site_build.publish import digest
from tests.sitebuild import build, copy_site

TODAY = "2025-12-05"


def cli(project, *args, env=None):
    import os

    old = os.getcwd()
    os.chdir(project)
    try:
        return CliRunner(env={"HANDBOOK_TODAY": TODAY, **(env or {})}).invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    project = copy_site("basic", tmp_path_factory.mktemp("digest") / "project")
    tickets = project / "data" / "tickets.csv"
    # October's tickets answered within the hour: response time is on track in version 1
    tickets.write_text(tickets.read_text(encoding="utf-8").replace(",9000,", ",3600,"), encoding="utf-8")
    assert build(project, today=TODAY).exit_code == 0
    printed = cli(project, "pdf", "--json")  # version 1 has its PDF, version 2 does not
    assert printed.exit_code == 0, printed.output
    first = cli(project, "publish", "--json")
    assert first.exit_code == 0, first.output
    v1 = json.loads(first.output.strip().splitlines()[-1])["version"]
    with open(project / "data" / "traffic.csv", "a", encoding="utf-8") as fh:
        fh.write("2025-11-20,天猫,900,90,9000.0\n2025-11-30,京东,750,100,12000.0\n")
    with open(tickets, "a", encoding="utf-8") as fh:
        fh.write("".join(f"{13 + i},2025-11-{10 + i}T09:00:00,9000,true\n" for i in range(4)))
    assert build(project, today=TODAY).exit_code == 0
    second = cli(project, "publish", "--fail-on", "alert", "--json", env={"GITHUB_OUTPUT": str(project / "out.txt")})
    return {"project": project, "public": project / "public", "v1": v1, "second": second}


def test_the_version_menu_links_the_pdf_of_each_version_that_has_one(published, browser_context):
    from tests import browser

    public, v1 = published["public"], published["v1"]
    versions = {e["version"]: e["properties"] for e in json.loads((public / "versions.json").read_text())}
    pdf = versions[v1]["pdf"]
    assert pdf == f"测试手册-{v1}.pdf" and (public / v1 / pdf).read_bytes().startswith(b"%PDF-")
    v2 = next(v for v in versions if v != v1)
    assert "pdf" not in versions[v2]
    with browser.visit(browser_context, (public / v2 / "index.html").as_uri()) as (page, problems):
        page.wait_for_selector(".hb-versions__pdf", state="attached")
        links = page.eval_on_selector_all(
            ".hb-versions__pdf", "as => as.map(a => [a.href, a.getAttribute('aria-label')])"
        )
        assert links == [[(public / v1 / pdf).as_uri(), f"版本 {v1} 的 PDF"]]
        assert problems.all() == []


def _ids(items):
    return [i["id"] for i in items]


def test_the_digest_names_new_resolved_and_worsened_breaches_exactly(published):
    v2 = json.loads(published["second"].output.strip().splitlines()[0])["version"]
    result = json.loads((published["public"] / v2 / "digest.json").read_text(encoding="utf-8"))
    assert result["previous"]["version"] == published["v1"]
    assert _ids(result["new"]) == ["response_time"]
    assert _ids(result["resolved"]) == ["satisfaction"]
    assert _ids(result["worse"]) == ["conversion_rate", "revenue"]  # the alert first
    assert result["better"] == [] and result["ongoing"] == [] and result["changed"] is True
    assert result["counts"] == {"alert": 1, "watch": 2, "on-track": 1, "no-data": 0}
    conversion = result["worse"][0]
    assert (conversion["previous_status"], conversion["status"]) == ("watch", "alert")
    assert (conversion["previous_display"], conversion["display"]) == ("22.7%", "11.4%")
    # in breach in both published versions, and for four months in a row (August to November)
    assert (conversion["versions_in_breach"], conversion["periods_in_breach"]) == (2, 4)
    assert conversion["owner"] == "增长运营组" and conversion["play"] == "立即优化落地页。"
    assert conversion["chapter"] == "index.html#conversion" and conversion["url"] == f"{v2}/index.html#conversion"
    revenue = result["worse"][1]
    assert (revenue["versions_in_breach"], revenue["periods_in_breach"]) == (2, 2)  # October and November
    assert (result["new"][0]["versions_in_breach"], result["new"][0]["periods_in_breach"]) == (1, 1)
    assert result["resolved"][0]["versions_in_breach"] == 0


def test_a_new_alert_fails_the_publish_only_when_asked_and_after_publishing(published):
    second = published["second"]
    assert second.exit_code == 3
    assert "--fail-on alert: new breach" in second.output and "转化率 (✖ 告警)" in second.output
    v2 = json.loads(second.output.strip().splitlines()[0])["version"]
    versions = json.loads((published["public"] / "versions.json").read_text(encoding="utf-8"))
    assert versions[0]["version"] == v2  # published all the same
    outputs = (published["project"] / "out.txt").read_text(encoding="utf-8")
    assert f"digest=public/{v2}/digest.md" in outputs and "changed=true" in outputs
    assert cli(published["project"], "digest").exit_code == 0  # --fail-on never is the default
    assert cli(published["project"], "digest", "--fail-on", "watch").exit_code == 3


def test_digest_since_prints_the_markdown_of_any_two_versions(published):
    result = cli(published["project"], "digest", "--since", published["v1"])
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith(f"# 指标摘要: 测试手册 {json.loads(published['second'].output.splitlines()[0])['version']}")
    assert "## 新增未达标 (1)" in text and "## 已恢复达标 (1)" in text and "## 未达标且继续恶化 (2)" in text
    row = next(line for line in text.splitlines() if "转化率" in line)
    assert "✖ 告警" in row and "11.4%" in row and "22.7%" in row and "2 个版本，4 个周期" in row
    assert "立即优化落地页。" in row and "增长运营组" in row
    assert "[转化率](index.html#conversion)" in row  # beside digest.md, in the version's folder
    again = cli(published["project"], "digest", "--since", "2020.01.01-000000")
    assert again.exit_code == 1 and "no such version" in again.output
    backwards = cli(published["project"], "digest", "--version", published["v1"], "--since", published["v1"])
    assert backwards.exit_code == 1 and "is not older than" in backwards.output


def test_a_digest_cell_from_data_stays_text_in_markdown():
    kpi = {
        "label": "转化率 | <img src=x onerror=alert(1)> [x](javascript:alert(1))",
        "status": "alert",
        "value": 0.1,
        "display": "10%",
        "direction": "higher",
        "owner": "**组**",
        "play": "line one\nline two",
        "section": "a.md#b",
    }
    result = digest.digest({"version": "v2", "kpis": {"k": kpi}}, {"version": "v1", "kpis": {}}, [])
    row = next(line for line in digest.markdown(result).splitlines() if "转化率" in line)
    # each Markdown character escaped: the tag, the link and the emphasis are text
    assert re.search(r"(?<!\\)[<\[*]", row.split("](")[0].removeprefix("| ✖ 告警 | [")) is None
    assert "\\<img" in row and "\\]\\(javascript" in row and "\\|" in row and "\\*\\*组\\*\\*" in row
    assert row.count(" | ") == 7  # eight cells: nothing from the data opened a column
    assert "line one line two" in row


def test_the_first_version_has_every_breach_new():
    from site_build import i18n

    result = digest.digest({"version": "v1", "kpis": {"k": {"label": "K", "status": "watch"}}}, None, [])
    assert _ids(result["new"]) == ["k"] and result["previous"] is None
    with i18n.use("en"):
        assert "compared with no earlier version" in digest.markdown(result)
