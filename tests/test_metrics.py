import datetime as dt
from contextlib import contextmanager
from pathlib import Path

import pytest

from site_build.data.engine import QueryEngine
from site_build.data.package import DataPackage
from site_build.errors import MacroError
from site_build.kpis.catalogue import Catalogue
from site_build.kpis.metrics import Metrics

BASIC = Path(__file__).parent / "sites" / "basic" / "data"


@pytest.fixture(scope="module")
def metrics():
    pkg = DataPackage.load(BASIC)
    with QueryEngine(pkg) as engine:
        yield Metrics(Catalogue.load(BASIC / "metrics.yml", pkg), engine, today=dt.date(2025, 11, 20))


def test_as_of_is_max_of_the_catalogue_column(metrics):
    assert metrics.as_of == dt.date(2025, 11, 3)


def test_current_period_is_latest_complete(metrics):
    kv = metrics.get("conversion_rate")
    # November has data (2025-11-03) but is incomplete: October is current.
    assert kv.period == dt.date(2025, 10, 1)
    assert kv.value == pytest.approx((125 + 45) / (500 + 250))  # (250/2 + 90/2) / (1000/2 + 500/2)
    assert kv.previous == pytest.approx((140 + 55) / 750)
    assert kv.year_ago is None
    assert kv.status == "watch"
    assert kv.delta_display() == "-3.3 个百分点"
    assert kv.improved() is False
    assert [p for p, _ in kv.history][-3:] == [dt.date(2025, 8, 1), dt.date(2025, 9, 1), dt.date(2025, 10, 1)]
    assert len(kv.history) == 12 and kv.history[0] == (dt.date(2024, 11, 1), None)


def test_lower_is_better_kpi(metrics):
    kv = metrics.get("response_time")
    assert kv.value == 9000 and kv.status == "watch"
    assert kv.display() == "2.5 小时" and kv.target_display == "2.0 小时"
    assert kv.improved() is False  # response time went up from 1.5 h


def test_alert_and_play(metrics):
    kv = metrics.get("revenue")
    assert kv.value == pytest.approx(25500 + 11000.5)
    assert kv.status == "watch"
    sat = metrics.get("satisfaction")
    assert sat.value == pytest.approx(0.75) and sat.status == "watch"
    assert sat.play == "回访不满意用户。"


def test_freshness(tmp_path):
    text = (
        (BASIC / "metrics.yml")
        .read_text(encoding="utf-8")
        .replace("    owner: 客服组\n", "    owner: 客服组\n    freshness_days: 20\n", 1)
    )
    path = tmp_path / "metrics.yml"
    path.write_text(text, encoding="utf-8")
    pkg = DataPackage.load(BASIC)
    with QueryEngine(pkg) as engine:
        m = Metrics(Catalogue.load(path, pkg), engine, today=dt.date(2025, 11, 20))
        assert m.get("response_time").stale is True  # latest ticket 2025-10-13
        assert m.get("conversion_rate").stale is False


@contextmanager
def _metrics_of(tmp_path, catalogue: str, today: dt.date | None = None):
    """Metrics over the basic site's data with ``catalogue`` as its metrics.yml."""
    path = tmp_path / "metrics.yml"
    path.write_text(catalogue, encoding="utf-8")
    pkg = DataPackage.load(BASIC)
    with QueryEngine(pkg) as engine:
        yield Metrics(Catalogue.load(path, pkg), engine, today=today)


def _basic_catalogue(old: str, new: str) -> str:
    return (BASIC / "metrics.yml").read_text(encoding="utf-8").replace(old, new, 1)


def test_to_date_window(tmp_path):
    text = _basic_catalogue("    format: cny\n", "    format: cny\n    window: to_date\n    since: 2025-09-01\n")
    with _metrics_of(tmp_path, text) as metrics:
        kv = metrics.get("revenue")
    # current period is the (partial) month holding the data date; value is cumulative since September
    assert kv.period == dt.date(2025, 11, 1)
    assert kv.value == pytest.approx(28000 + 13000 + 25500 + 11000.5 + 1000)
    assert kv.previous == pytest.approx(28000 + 13000 + 25500 + 11000.5)


def test_snapshot_is_json_ready(metrics):
    snap = metrics.get("conversion_rate").snapshot()
    assert snap["period"] == "2025-10" and snap["status"] == "watch" and snap["display"] == "22.7%"


def test_an_sql_kpi_with_no_row_for_its_period_warns_with_the_expected_period(tmp_path, caplog):
    sql_kpi = """  - id: orders_mid_month
    label: 订单数
    description: 每月订单数，按月中日期汇总（错误示范）。
    sql: |
      SELECT date + 1 AS period, sum(orders) AS value FROM traffic GROUP BY 1
    time: date
    grain: month
    format: count
    direction: higher
    target: 100
    alert: 50
    owner: 增长运营组
"""
    text = _basic_catalogue("kpis:\n", "kpis:\n" + sql_kpi)
    with _metrics_of(tmp_path, text, dt.date(2025, 11, 20)) as metrics, caplog.at_level("WARNING", logger="handbook"):
        kv = metrics.get("orders_mid_month")
    assert kv.value is None and kv.status == "no-data"
    message = caplog.text
    assert "KPI 'orders_mid_month'" in message and "returned no row for period 2025-10-01" in message
    assert "CAST(date_trunc('month', day) AS DATE)" in message and "2025-10-16" in message


def test_a_kpi_over_all_the_data_has_one_value_and_no_deltas(tmp_path):
    text = _basic_catalogue("    format: cny\n", "    format: cny\n    window: all\n")
    with _metrics_of(tmp_path, text, dt.date(2025, 11, 20)) as metrics:
        kv = metrics.get("revenue")
        total = metrics.engine.query("SELECT sum(revenue) FROM traffic").scalar()
    assert kv.value == pytest.approx(total)
    assert kv.previous is None and kv.year_ago is None and kv.history == []
    assert kv.period_label == "截至 2025-11-03 的全部数据"

    from site_build.views import cards
    from site_build.views.context import PageContext

    html = cards.kpi_card(kv, PageContext())
    assert "hb-kpi__delta" not in html and "hb-spark" not in html and "截至 2025-11-03 的全部数据" in html


def test_each_delta_has_its_own_arrow_colour_and_words(metrics):
    """转化率 up on the month but down on the year: two arrows, two tones, not one green line."""
    import dataclasses

    from bs4 import BeautifulSoup

    from site_build.views import cards
    from site_build.views.context import PageContext

    kv = metrics.get("conversion_rate")
    kv = dataclasses.replace(kv, value=0.30, previous=0.293, year_ago=0.35)
    html = cards.kpi_card(kv, PageContext())
    month, year = BeautifulSoup(str(html), "html.parser").select(".hb-kpi__delta .hb-delta")
    assert month["class"] == ["hb-delta", "hb-delta--good"] and year["class"] == ["hb-delta", "hb-delta--bad"]
    assert month.get_text() == "▲ 环比 +0.7 个百分点（好转）"
    assert year.get_text() == "▼ 同比 -5.0 个百分点（变差）"
    assert month.select_one("[aria-hidden]").get_text() == "▲"  # the arrow is not read aloud; the words are
    # no change: a flat arrow, no tone words
    flat = dataclasses.replace(kv, previous=0.30, year_ago=None)
    (only,) = BeautifulSoup(str(cards.kpi_card(flat, PageContext())), "html.parser").select(".hb-delta")
    assert only["class"] == ["hb-delta", "hb-delta--flat"] and not only.select(".hb-sr")


def test_a_grid_in_status_order_puts_the_alert_first_and_counts_each_status(metrics):
    import dataclasses

    from bs4 import BeautifulSoup

    from site_build.views import cards
    from site_build.views.context import PageContext

    kv = metrics.get("conversion_rate")  # target 0.3, alert below 0.2
    values = [dataclasses.replace(kv, value=v) for v in (0.35, 0.25, 0.1, 0.32)]
    assert [v.status for v in values] == ["on-track", "watch", "alert", "on-track"]
    html = BeautifulSoup(str(cards.kpi_grid(values, PageContext(), order="status", summary=True)), "html.parser")
    shown = [card.select_one(".hb-kpi__value data")["value"] for card in html.select(".hb-kpi")]
    assert shown == ["0.1", "0.25", "0.35", "0.32"]  # the alert first; the given order within a status
    summary = html.select_one(".hb-kpi-summary").get_text()
    assert summary == "✖ 告警 1 项 · ⚠ 关注 1 项 · ✔ 达标 2 项"
    # as given, and no summary, unless asked
    plain = BeautifulSoup(str(cards.kpi_grid(values, PageContext())), "html.parser")
    given = [c.select_one(".hb-kpi__value data")["value"] for c in plain.select(".hb-kpi")]
    assert given == ["0.35", "0.25", "0.1", "0.32"] and not plain.select(".hb-kpi-summary")
    with pytest.raises(MacroError, match="choose one of given, status"):
        cards.kpi_grid(values, PageContext(), order="worst")


def test_the_sparkline_draws_the_target_on_the_same_scale(metrics):
    import dataclasses

    from bs4 import BeautifulSoup

    from site_build.views import cards
    from site_build.views.context import PageContext

    kv = metrics.get("conversion_rate")  # target 0.30
    history = [(p, v) for p, v in kv.history]
    wobble = [0.25, 0.26, 0.245, 0.255][: len(history)] + [0.25] * max(0, len(history) - 4)
    kv = dataclasses.replace(kv, history=[(p, v) for (p, _), v in zip(history, wobble)])
    spark = BeautifulSoup(str(cards.kpi_card(kv, PageContext())), "html.parser").select_one("svg.hb-spark")
    target = float(spark.select_one("line.hb-spark__target")["y1"])
    ys = [float(pair.split(",")[1]) for pair in spark.polyline["points"].split()]
    assert target == 2.0  # the target is the top of the scale: every value sits below it
    assert all(y > target + 10 for y in ys)  # a ±2% wobble stays a band far under the target, not a full-height zigzag


def test_an_action_says_how_far_from_target_and_for_how_many_periods(metrics):
    import dataclasses

    from site_build.views.pages import _gap

    kv = metrics.get("conversion_rate")  # target 0.30, alert below 0.20
    months = [p for p, _ in kv.history][-4:]
    history = list(zip(months, [0.31, 0.27, 0.26, 0.25]))  # on track, then three months under target
    kv = dataclasses.replace(kv, value=0.25, history=history)
    assert kv.breached_periods() == 3
    assert _gap(kv) == "-5.0 个百分点"
    assert dataclasses.replace(kv, history=[]).breached_periods() == 1  # the current period, with no history kept


def _sliced_catalogue(dimensions: str = "    dimensions: [channel]\n") -> str:
    return _basic_catalogue("    owner: 增长运营组\n", "    owner: 增长运营组\n" + dimensions)


def test_a_kpi_evaluates_for_one_slice_with_its_own_status_and_deltas(tmp_path):
    with _metrics_of(tmp_path, _sliced_catalogue()) as metrics:
        whole = metrics.get("conversion_rate")
        jd = metrics.get("conversion_rate", {"channel": "京东"})
        tmall = metrics.get("conversion_rate", {"channel": "天猫"})
        assert metrics.get("conversion_rate", {"channel": "京东"}) is jd  # remembered per slice
    assert whole.value == pytest.approx(170 / 750) and whole.where == ()
    assert jd.value == pytest.approx(90 / 500) and jd.previous == pytest.approx(110 / 500)
    assert jd.status == "alert" and jd.slice_label == "京东" and jd.label == "转化率 · 京东"
    assert whole.label == "转化率"
    assert tmall.value == pytest.approx(250 / 1000) and tmall.status == "watch"
    # 京东's last row is from October, 天猫's from November: each slice has its own newest date
    assert jd.latest_data == dt.date(2025, 10, 15) and tmall.latest_data == dt.date(2025, 11, 3)


def test_a_slice_value_is_a_parameter_never_sql(tmp_path):
    with _metrics_of(tmp_path, _sliced_catalogue()) as metrics:
        kv = metrics.get("conversion_rate", {"channel": "京东' OR '1'='1"})
    assert kv.value is None and kv.status == "no-data"


def test_a_slice_on_a_column_the_kpi_does_not_declare_is_refused_with_the_fix(tmp_path):
    with _metrics_of(tmp_path, _sliced_catalogue("")) as metrics, pytest.raises(MacroError) as e:
        metrics.get("conversion_rate", {"channel": "京东"})
    assert "cannot be evaluated per 'channel'; its dimensions: none" in str(e.value)
    assert "add dimensions: [channel] to it in" in str(e.value) and "metrics.yml:3" in str(e.value)
    with _metrics_of(tmp_path, _sliced_catalogue()) as metrics, pytest.raises(MacroError, match="text, number or date"):
        metrics.get("conversion_rate", {"channel": ["京东"]})


def test_a_dimension_the_resource_lacks_is_a_catalogue_error(tmp_path):
    from site_build.errors import CatalogueError

    with pytest.raises(CatalogueError) as e, _metrics_of(tmp_path, _sliced_catalogue("    dimensions: [chanel]\n")):
        pass
    assert "dimensions: resource 'traffic' has no column 'chanel'" in str(e.value)
    assert "Did you mean 'channel'?" in str(e.value)
