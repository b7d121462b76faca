"""The committed KPI catalogue (data/metrics.yml) against the committed demo data.

Every named query and every KPI's per-period SQL runs in DuckDB; the statuses
planted in the demo data for 2026-10 come out as designed. The SQL here is
written out by hand on purpose (simple and independent of the engine's KPI
evaluation), with the same statement shapes the engine uses.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
from pathlib import Path

import pytest
import yaml

from site_build.data.engine import QueryEngine
from site_build.data.package import DataPackage
from site_build.kpis.catalogue import Catalogue

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
AS_OF = dt.date(2026, 10, 31)
CHAPTERS = {
    "1-overview/index.md",
    "2-core/market.md",
    "2-core/product.md",
    "2-core/channels.md",
    "2-core/crm.md",
    "3-implementation/planning.md",
    "3-implementation/phases.md",
    "3-implementation/evaluation.md",
    "4-trends/technology.md",
    "4-trends/omnichannel.md",
    "4-trends/sustainability.md",
}
#: what the demo data plants for the latest complete period; every other KPI is on track
PLANTED = {
    "conversion_rate": "watch",
    "service_satisfaction": "watch",
    "ai_bot_share": "watch",
    "poor_review_products": "watch",
    "year_one_new_users": "watch",
    "livestream_gmv_per_session": "watch",
    "skus_below_safety_stock": "alert",
    "platforms_traffic_falling": "alert",
}


@pytest.fixture(scope="module")
def catalogue() -> dict:
    return yaml.safe_load((DATA / "metrics.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def engine():
    with QueryEngine(DataPackage.load(DATA)) as e:
        yield e


def _current(grain: str) -> dt.date:
    """Start of the latest complete period at AS_OF (the month or quarter ending on it)."""
    if grain == "quarter":
        return dt.date(2026, 7, 1)
    return dt.date(2026, 10, 1)


def _period_sql(kpi: dict) -> str:
    if "sql" in kpi:
        return f"SELECT CAST(period AS DATE) AS period, CAST(value AS DOUBLE) AS value FROM ({kpi['sql']}) ORDER BY 1"
    where = f"WHERE {kpi['filter']}" if kpi.get("filter") else ""
    return (
        f"SELECT CAST(date_trunc('{kpi['grain']}', {kpi['time']}) AS DATE) AS period, CAST({kpi['expression']} AS DOUBLE) AS value "
        f"FROM {kpi['resource']} {where} GROUP BY 1 ORDER BY 1"
    )


def _value(engine, kpi: dict) -> float | None:
    """The KPI's value for its latest complete period (cumulative from ``since`` for to_date KPIs)."""
    if kpi.get("window") == "to_date":
        where = f"CAST({kpi['time']} AS DATE) BETWEEN DATE '{kpi['since']}' AND DATE '{AS_OF}'"
        if kpi.get("filter"):
            where += f" AND ({kpi['filter']})"
        return engine.query(f"SELECT CAST({kpi['expression']} AS DOUBLE) FROM {kpi['resource']} WHERE {where}").scalar()
    series = dict(engine.query(_period_sql(kpi)).rows)
    return series.get(_current(kpi["grain"]))


def _status(kpi: dict, value: float | None) -> str:
    if value is None:
        return "no-data"
    watch = kpi.get("watch", kpi["target"])
    worse = (lambda v, t: v < t) if kpi["direction"] == "higher" else (lambda v, t: v > t)
    return "alert" if worse(value, kpi["alert"]) else "watch" if worse(value, watch) else "on-track"


def test_the_engine_accepts_the_catalogue():
    package = DataPackage.load(DATA)
    loaded = Catalogue.load(DATA / "metrics.yml", package)
    assert len(loaded.kpis) >= 35 and len(loaded.queries) >= 30 and len(loaded.charts) >= 10


def test_every_kpi_has_a_period_series(engine, catalogue):
    for kpi in catalogue["kpis"]:
        rows = engine.query(_period_sql(kpi)).rows
        assert len(rows) >= 3, kpi["id"]
        assert all(isinstance(period, dt.date) for period, _value in rows), kpi["id"]


def test_planted_statuses_for_october_2026(engine, catalogue):
    statuses = {kpi["id"]: _status(kpi, _value(engine, kpi)) for kpi in catalogue["kpis"]}
    assert {k: s for k, s in statuses.items() if s != "on-track"} == PLANTED


def test_planted_values_are_where_the_story_says(engine, catalogue):
    kpis = {k["id"]: k for k in catalogue["kpis"]}
    assert 0.24 <= _value(engine, kpis["conversion_rate"]) <= 0.27  # "analyse causes at about 25%"
    assert 0.80 <= _value(engine, kpis["ai_bot_share"]) < 0.90
    assert 0.85 <= _value(engine, kpis["service_satisfaction"]) < 0.90
    assert _value(engine, kpis["skus_below_safety_stock"]) >= 2
    assert 5_000_000 < _value(engine, kpis["year_one_sales"]) < 6_500_000
    assert 1_800_000 < _value(engine, kpis["budget_spend"]) <= 2_000_000


def test_every_named_query_runs_and_returns_rows(engine, catalogue):
    for query in catalogue["queries"]:
        result = engine.query(query["sql"])
        assert len(result) > 0, query["id"]
        for column in query.get("formats", {}):
            assert column in result.columns, (query["id"], column)


def test_every_chart_names_columns_its_query_returns(engine, catalogue):
    queries = {q["id"]: q["sql"] for q in catalogue["queries"]}
    for chart in catalogue["charts"]:
        columns = engine.query(queries[chart["query"]]).columns
        for key in ("x", "y", "color"):
            if key in chart:
                assert chart[key] in columns, (chart["id"], key, chart[key])


def test_rule_queries_list_the_offenders(engine, catalogue):
    queries = {q["id"]: q["sql"] for q in catalogue["queries"]}
    below = engine.query(queries["skus_below_safety"])
    assert len(below) == _value(engine, {k["id"]: k for k in catalogue["kpis"]}["skus_below_safety_stock"])
    trend = engine.query(queries["platform_traffic_trend"]).records()
    assert [r["平台"] for r in trend if r["判定"].startswith("下滑")] == ["京东"]
    poor = engine.query(queries["poor_review_products"]).records()
    assert {r["建议"] for r in poor} == {"立即优化", "下架"}


def test_ab_results_match_a_python_z_test(engine, catalogue):
    sql = next(q["sql"] for q in catalogue["queries"] if q["id"] == "ab_results")
    results = engine.query(sql).records()
    raw = engine.query("SELECT experiment_id, variant, users, conversions FROM ab_experiments ORDER BY 1, 2").rows
    arms = {}
    for exp, variant, users, conversions in raw:
        arms.setdefault(exp, []).append((users, conversions))
    for r in results:
        (n_a, c_a), (n_b, c_b) = arms[r["实验编号"]]
        p_a, p_b, pool = c_a / n_a, c_b / n_b, (c_a + c_b) / (n_a + n_b)
        z = (p_b - p_a) / math.sqrt(pool * (1 - pool) * (1 / n_a + 1 / n_b))
        assert r["p值"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), abs=1e-6)
        se = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
        assert r["差值95置信下限"] == pytest.approx(p_b - p_a - 1.96 * se)
    assert {r["结论"] for r in results} == {"显著提升", "显著下降", "无显著差异"}


def test_rfm_has_the_three_segments(engine, catalogue):
    sql = next(q["sql"] for q in catalogue["queries"] if q["id"] == "rfm_segments")
    rows = engine.query(sql).records()
    assert [r["分群"] for r in rows] == ["高价值", "潜力", "流失风险"]
    assert sum(r["顾客数"] for r in rows) == engine.query("SELECT count(DISTINCT customer_id) FROM orders").scalar()


def test_plays_link_to_listed_chapter_anchors(catalogue):
    text = (DATA / "metrics.yml").read_text(encoding="utf-8")
    listed = {}
    for path, anchors in re.findall(r"^#\s+(\S+\.md):\s+(.*)$", text, re.M):
        listed[path] = set(re.findall(r"#([a-z0-9-]+)", anchors))
    assert set(listed) == CHAPTERS
    used = set()
    for kpi in catalogue["kpis"]:
        path, _, anchor = kpi["play"]["section"].partition("#")
        assert path in CHAPTERS and anchor in listed[path], kpi["id"]
        assert kpi["play"].get("watch") or kpi["play"].get("alert"), kpi["id"]
        used.add(path)
    assert used == CHAPTERS  # every chapter has at least one KPI whose play points at it


def test_headlines_and_owners(catalogue):
    headline = [k["id"] for k in catalogue["kpis"] if "headline" in k.get("tags", [])]
    assert 6 <= len(headline) <= 10
    assert all(re.search(r"[\u4e00-\u9fff]", k["owner"]) and k["owner"].endswith("组") for k in catalogue["kpis"])
    ids = [k["id"] for k in catalogue["kpis"]]
    assert len(ids) == len(set(ids))


def test_a_safety_stock_setting_outside_10_to_15_percent_is_an_alert(catalogue, tmp_path):
    kpi = {k["id"]: k for k in catalogue["kpis"]}["safety_stock_setting_out_of_range"]
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    csv = data / "inventory_snapshots.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    # the last snapshot of 2026-10: one SKU set to 8%, another to 16%
    lines[-1] = lines[-1].replace(",0.15,", ",0.16,")
    lines[-2] = re.sub(r",0\.1[0-5],", ",0.08,", lines[-2])
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with QueryEngine(DataPackage.load(data)) as changed:
        value = _value(changed, kpi)
    assert value == 2 and _status(kpi, value) == "alert"


def test_feedback_hot_topics_cover_every_ticket_of_the_latest_month(engine, catalogue):
    query = {q["id"]: q for q in catalogue["queries"]}["feedback_hot_topics"]
    rows = engine.query(query["sql"]).records()
    october = engine.query(
        "SELECT count(*) FROM service_tickets WHERE created_at >= DATE '2026-10-01' AND created_at < DATE '2026-11-01'"
    ).scalar()
    september = engine.query(
        "SELECT count(*) FROM service_tickets WHERE created_at >= DATE '2026-09-01' AND created_at < DATE '2026-10-01'"
    ).scalar()
    assert sum(r["本月工单"] for r in rows) == october and sum(r["上月工单"] for r in rows) == september
    assert math.isclose(sum(r["占比"] for r in rows), 1.0)
    assert [r["本月工单"] for r in rows] == sorted((r["本月工单"] for r in rows), reverse=True)
