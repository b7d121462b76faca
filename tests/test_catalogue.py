from pathlib import Path

import pytest

from site_build.catalogue import Catalogue
from site_build.errors import CatalogueError
from site_build.package import DataPackage

BASIC = Path(__file__).parent / "sites" / "basic" / "data"

KPI = """\
kpis:
  - id: conversion_rate
    label: 转化率
    description: 下单数 ÷ 会话数。
    resource: traffic
    expression: sum(orders) / sum(sessions)
    time: date
    grain: month
    format: percent
    direction: higher
    target: 0.3
    alert: 0.2
    owner: 增长运营组
    play: {section: index.md#conversion}
"""


def load(tmp_path, text, package=True):
    path = tmp_path / "metrics.yml"
    path.write_text(text, encoding="utf-8")
    return Catalogue.load(path, DataPackage.load(BASIC) if package else None)


def message(tmp_path, text):
    with pytest.raises(CatalogueError) as info:
        load(tmp_path, text)
    return str(info.value).split(": ", 1)[1] if ": " in str(info.value) else str(info.value)


def test_basic_catalogue_loads():
    cat = Catalogue.load(BASIC / "metrics.yml", DataPackage.load(BASIC))
    assert list(cat.kpis) == ["conversion_rate", "revenue", "response_time", "satisfaction"]
    assert cat.kpi("conversion_rate").watch_level == 0.30
    assert cat.kpi("conversion_rate").tags == ("headline",)
    assert cat.as_of == ("traffic", "date")
    assert cat.charts["monthly_conversion"].query == "monthly"


def test_status_thresholds_follow_direction(tmp_path):
    higher = load(tmp_path, KPI).kpi("conversion_rate")
    assert [higher.status_of(v) for v in (0.31, 0.30, 0.25, 0.20, 0.19, None)] == ["on-track", "on-track", "watch", "watch", "alert", "no-data"]
    lower = Catalogue.load(BASIC / "metrics.yml").kpi("response_time")  # target 2 h, alert 3 h
    assert [lower.status_of(v) for v in (3600, 7200, 9000, 10801)] == ["on-track", "on-track", "watch", "alert"]


def test_unknown_kpi_suggests():
    cat = Catalogue.load(BASIC / "metrics.yml")
    with pytest.raises(CatalogueError) as info:
        cat.kpi("conversion")
    assert str(info.value).startswith("Unknown KPI 'conversion'. Did you mean 'conversion_rate'?")


def test_missing_key_names_line_and_entry(tmp_path):
    text = KPI.replace("    owner: 增长运营组\n", "")
    with pytest.raises(CatalogueError) as info:
        load(tmp_path, text)
    assert str(info.value).endswith("metrics.yml:2: kpis[0] ('conversion_rate'): missing required key. 'owner' is a required property. See README 'KPI catalogue' for every key.")


def test_bad_enum_lists_choices(tmp_path):
    text = KPI.replace("grain: month", "grain: monthly")
    with pytest.raises(CatalogueError) as info:
        load(tmp_path, text)
    assert str(info.value).endswith("metrics.yml:8: kpis[0] ('conversion_rate') grain: 'monthly' is not allowed. Choose one of: day, week, month, quarter, year.")


def test_typo_key_lists_allowed(tmp_path):
    with pytest.raises(CatalogueError, match=r"'owners' was unexpected\)\. Allowed keys: .*owner"):
        load(tmp_path, KPI + "    owners: x\n")


def test_both_sql_and_expression_refused(tmp_path):
    with pytest.raises(CatalogueError, match="define either resource \\+ expression"):
        load(tmp_path, KPI + "    sql: SELECT 1\n")


def test_unknown_resource_and_time_column(tmp_path):
    with pytest.raises(CatalogueError, match=r"unknown resource 'trafic'\. Did you mean 'traffic'\?"):
        load(tmp_path, KPI.replace("resource: traffic", "resource: trafic"))
    with pytest.raises(CatalogueError, match=r"has no column 'day' for time"):
        load(tmp_path, KPI.replace("time: date", "time: day"))
    with pytest.raises(CatalogueError, match=r"time column 'channel' is a string, not a date"):
        load(tmp_path, KPI.replace("time: date", "time: channel"))


def test_duplicate_ids(tmp_path):
    text = KPI + KPI.replace("kpis:\n", "")
    with pytest.raises(CatalogueError, match=r"metrics.yml:15: kpis id 'conversion_rate' is defined twice \(first at line 2\)"):
        load(tmp_path, text)


def test_yaml_syntax_error_has_line(tmp_path):
    with pytest.raises(CatalogueError, match=r"metrics.yml:3: invalid YAML"):
        load(tmp_path, "kpis:\n  - id: a\n   label: [\n")


def test_to_date_needs_since(tmp_path):
    with pytest.raises(CatalogueError, match="window: to_date needs since"):
        load(tmp_path, KPI + "    window: to_date\n")


def test_target_range_overshoot_is_watch(tmp_path):
    kpi = load(tmp_path, KPI.replace("    target: 0.3\n", "    target: 0.3\n    target_max: 0.5\n")).kpi("conversion_rate")
    assert [kpi.status_of(v) for v in (0.4, 0.5, 0.55, 0.25, 0.1)] == ["on-track", "on-track", "watch", "watch", "alert"]
