"""User mistakes give a clear message, exit code 1, no traceback, and leave site/ as it was."""

import pytest

from tests.sitebuild import build, copy_site, soup


@pytest.fixture
def project(tmp_path):
    project = copy_site("basic", tmp_path / "project")
    result = build(project)
    assert result.exit_code == 0, result.output
    (project / "site" / "marker.txt").write_text("previous build")
    return project


def append(project, page, text):
    path = project / "content" / page
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text + "\n", encoding="utf-8")


def assert_failed_cleanly(result, project):
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert (project / "site" / "marker.txt").read_text() == "previous build"
    assert "was left as it was" in result.output
    assert not list(project.glob("site.staging-*"))


def test_unknown_kpi_names_page_macro_and_suggestion(project):
    append(project, "service.md", '{{ kpi("conversion") }}')
    result = build(project)
    assert_failed_cleanly(result, project)
    assert (
        "service.md: kpi('conversion') failed: Unknown KPI 'conversion'. Did you mean 'conversion_rate'?"
        in result.output
    )
    assert "Aborted with 1 warnings in strict mode" in result.output


def test_bad_sql_shows_sql_and_duckdb_message(project):
    append(project, "service.md", '{{ table("SELECT nope FROM traffic") }}')
    result = build(project)
    assert_failed_cleanly(result, project)
    assert (
        "service.md: table('SELECT nope FROM traffic') failed: Query failed: Binder Error: Referenced column \"nope\" not found"
        in result.output
    )
    assert "SQL: SELECT nope FROM traffic" in result.output


def test_unknown_chart_and_bad_argument(project):
    append(project, "service.md", '{{ chart("montly_conversion") }}\n\n{{ kpi("revenue", colour="red") }}')
    result = build(project)
    assert_failed_cleanly(result, project)
    assert "chart('montly_conversion'): unknown chart. Did you mean 'monthly_conversion'?" in result.output
    assert "kpi('revenue', colour='red'): got an unexpected keyword argument 'colour'" in result.output


def test_non_strict_build_shows_error_on_page(project):
    append(project, "service.md", '{{ value("satisfactoin") }}')
    result = build(project, "--no-strict")
    assert result.exit_code == 0, result.output
    box = soup(project / "site" / "service.html").select_one(".hb-error")
    assert box.select_one(".admonition-title").get_text() == "value('satisfactoin') 出错"
    assert "Did you mean 'satisfaction'?" in box.get_text()


def test_malformed_catalogue(project):
    path = project / "data" / "metrics.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("direction: lower", "direction: down"), encoding="utf-8")
    result = build(project)
    assert_failed_cleanly(result, project)
    assert (
        "metrics.yml:44: kpis[2] ('response_time') direction: 'down' is not allowed. Choose one of: higher, lower."
        in result.output
    )


def test_row_limit(project):
    append(project, "service.md", '{{ table("SELECT * FROM traffic", limit=3) }}')
    result = build(project)
    assert_failed_cleanly(result, project)
    assert "Query returned 13 rows, more than the limit of 3." in result.output


def test_stale_kpi_warns_and_shows_badge(project):
    result = build(project, today="2026-01-10")
    assert_failed_cleanly(result, project)
    assert (
        "KPI 'satisfaction' is stale: its newest data is from 2025-10-13, 89 days before 2026-01-10, over freshness_days: 60"
        in result.output
    )
    result = build(project, "--no-strict", today="2026-01-10")
    assert result.exit_code == 0
    badge = soup(project / "site" / "index.html").select_one("#kpi-satisfaction .hb-badge--stale")
    assert badge.get_text() == "数据过期：最新数据为 2025-10-13"


def test_typo_in_a_macro_name_names_line_and_suggests(project):
    lines = len((project / "content" / "service.md").read_text(encoding="utf-8").splitlines())
    append(project, "service.md", '{{ kpii("revenue") }}')
    result = build(project)
    assert_failed_cleanly(result, project)
    assert f"service.md:{lines + 2}: unknown macro or variable 'kpii'. Did you mean 'kpi'" in result.output
    assert (project / "site" / "marker.txt").read_text() == "previous build"
