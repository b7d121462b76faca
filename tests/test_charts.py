import datetime as dt
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import altair as alt
import pytest
import vl_convert

from site_build.data.result import QueryResult
from site_build.data.store import Store
from site_build.errors import ChartError
from site_build.views import charts
from site_build.views.charts import ChartSpec, build_chart, render_chart, runtime_files, to_spec
from site_build.views.context import ChartStats
from tests import browser
from tests.goldens import assert_golden, chart_text

GOLDEN = Path(__file__).parent / "golden" / "charts"

MONTHLY = QueryResult(
    columns=["月份", "渠道", "转化率"],
    types=["DATE", "VARCHAR", "DOUBLE"],
    rows=[
        (dt.date(2026, m, 1), ch, round(0.02 + 0.003 * m + (0.01 if ch == "天猫" else 0), 4))
        for m in (1, 2, 3)
        for ch in ("天猫", "京东")
    ],
)
CHANNELS = QueryResult(
    columns=["渠道", "销售额", "订单数"],
    types=["VARCHAR", "DECIMAL(18,2)", "BIGINT"],
    rows=[("天猫", 1234567.5, 8400), ("京东", 56789.0, 3000), ("抖音", 230000.0, 1200)],
)
DAILY = QueryResult(
    columns=["日期", "访客数"],
    types=["DATE", "BIGINT"],
    rows=[(dt.date(2026, 3, d), 1000 + 37 * d) for d in (1, 2, 3, 4)],
)
SCATTER = QueryResult(
    columns=["客单价", "复购率", "品类"],
    types=["DOUBLE", "DOUBLE", "VARCHAR"],
    rows=[(88.5, 0.21, "美妆"), (132.0, 0.14, "家电"), (45.25, 0.33, "食品")],
)

CASES = {
    "line": (
        ChartSpec(
            id="monthly_conversion",
            title="月度转化率",
            description="各渠道每月转化率",
            mark="line",
            x="月份",
            y="转化率",
            color="渠道",
            format="percent",
        ),
        MONTHLY,
    ),
    "bar": (
        ChartSpec(id="channel_gmv", title="渠道销售额", mark="bar", x="渠道", y="销售额", format="cny", sort="-y"),
        CHANNELS,
    ),
    "area": (
        ChartSpec(id="daily_visitors", title="每日访客", mark="area", x="日期", y="访客数", format="count", height=200),
        DAILY,
    ),
    "point": (
        ChartSpec(
            id="aov_repeat",
            title="客单价与复购率",
            mark="point",
            x="客单价",
            y="复购率",
            color="品类",
            format="percent",
        ),
        SCATTER,
    ),
    "bar_by_month": (
        ChartSpec(
            id="monthly_bars", title="月度转化率", mark="bar", x="月份", y="转化率", color="渠道", format="percent"
        ),
        MONTHLY,
    ),
    "arc": (ChartSpec(id="order_share", title="订单占比", mark="arc", x="渠道", y="订单数", format="count"), CHANNELS),
}


def spec_text(spec: dict) -> str:
    return json.dumps(spec, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


class FigureParser(HTMLParser):
    """Collects the figure's attributes, the spec script's text and the static SVG's texts."""

    def __init__(self):
        super().__init__()
        self.figure = {}
        self.static = {}
        self.scripts = []
        self.svg_texts = []
        self.sources = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure":
            self.figure = attrs
        elif tag == "div" and attrs.get("class") == "hb-chart__static":
            self.static = attrs
        elif tag == "script":
            self.scripts.append("")
            self._in = "script"
        elif tag == "text":
            self._in = "text"
            self.svg_texts.append("")
        elif tag == "a":
            self.sources.append(attrs.get("href"))

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "script":
            self.scripts[-1] += data
        elif self._in == "text":
            self.svg_texts[-1] += data


def parse(html) -> FigureParser:
    parser = FigureParser()
    parser.feed(str(html))
    return parser


@pytest.mark.parametrize("name", sorted(CASES))
def test_spec_matches_golden(name):
    spec_def, result = CASES[name]
    assert_golden(GOLDEN / f"{name}.json", chart_text(to_spec(build_chart(spec_def, result))))


def test_goldens_ignore_the_schema_version_and_locale_but_not_a_real_change():
    spec = to_spec(build_chart(*CASES["bar"]))
    upgraded = json.loads(json.dumps(spec))
    upgraded["$schema"] = "https://vega.github.io/schema/vega-lite/v7.0.2.json"
    upgraded["config"]["locale"]["number"]["currency"] = ["", "元"]
    assert chart_text(upgraded) == chart_text(spec) == (GOLDEN / "bar.json").read_text(encoding="utf-8")
    assert spec_text(upgraded) != spec_text(spec)  # the raw specs do differ
    changed = json.loads(json.dumps(spec))
    changed["encoding"]["y"]["axis"]["labelExpr"] = "format(datum.value, ',~f')"
    assert chart_text(changed) != chart_text(spec)
    with pytest.raises(AssertionError, match="not a Vega-Lite"):
        chart_text({**spec, "$schema": "https://vega.github.io/schema/vega/v6.json"})


def test_spec_inlines_data_fits_container_and_describes_itself():
    spec = to_spec(build_chart(*CASES["line"]))
    assert spec["width"] == "container"
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    assert spec["description"] == "各渠道每月转化率"
    assert "url" not in spec["data"]
    assert spec["datasets"][spec["data"]["name"]][0] == {
        "月份": "2026-01-01",
        "渠道": "天猫",
        "转化率": 0.033,
        "_text_0": "2026-01",
        "_text_1": "3.3%",
    }
    assert [t["title"] for t in spec["encoding"]["tooltip"]] == ["月份", "渠道", "转化率"]
    assert spec["encoding"]["x"]["axis"]["format"] == "%Y年%-m月"
    assert spec["config"]["locale"]["number"]["currency"] == ["¥", ""]


def test_types_are_inferred_from_duckdb_types():
    spec = to_spec(build_chart(*CASES["bar"]))
    assert spec["encoding"]["x"]["type"] == "nominal"
    assert spec["encoding"]["y"]["type"] == "quantitative"  # DECIMAL(18,2)
    assert spec["encoding"]["x"]["sort"] == "-y"
    explicit = ChartSpec(id="c", title="t", mark="bar", x="月份", y="转化率", x_type="ordinal")
    assert to_spec(build_chart(explicit, MONTHLY))["encoding"]["x"]["type"] == "ordinal"


def test_bars_over_dates_get_one_band_per_period():
    x = to_spec(build_chart(*CASES["bar_by_month"]))["encoding"]["x"]
    assert x == {
        "field": "月份",
        "type": "ordinal",
        "timeUnit": "utcyearmonth",
        "title": "月份",
        "axis": {"format": "%Y年%-m月", "labelAngle": 0},
    }


def test_arc_maps_y_to_theta_and_x_to_colour():
    encoding = to_spec(build_chart(*CASES["arc"]))["encoding"]
    assert encoding["theta"]["field"] == "订单数"
    assert encoding["color"] == {"field": "渠道", "type": "nominal", "title": "渠道", "sort": None}
    assert "x" not in encoding


def test_field_names_with_dots_are_escaped_but_titled_plainly():
    result = QueryResult(columns=["v1.2 版本", "人数"], types=["VARCHAR", "BIGINT"], rows=[("a", 1)])
    spec = to_spec(build_chart(ChartSpec(id="c", title="t", mark="bar", x="v1.2 版本", y="人数"), result))
    assert spec["encoding"]["x"]["field"] == "v1\\.2 版本"
    assert spec["encoding"]["x"]["title"] == "v1.2 版本"


def test_two_builds_give_identical_html():
    first = render_chart(build_chart(*CASES["line"]), chart_id="a", title="月度转化率")
    second = render_chart(build_chart(*CASES["line"]), chart_id="a", title="月度转化率")
    assert str(first) == str(second)


def user_chart():
    """A team's chart function with a selection: Altair names it param_N / view_N from a global counter."""
    pick = alt.selection_point(fields=["渠道"], bind="legend")
    return (
        alt.Chart(alt.InlineData(values=CHANNELS.records()))
        .mark_bar()
        .encode(
            x=alt.X(field="渠道", type="nominal"),
            y=alt.Y(field="订单数", type="quantitative"),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.3)),
        )
        .add_params(pick)
    )


def test_user_chart_params_are_named_the_same_in_every_process():
    # Older Altair named params param_1, param_2… from a global counter, so a
    # second chart or a second build changed the page. Altair 6 hashes content.
    code = (
        "from site_build import i18n; from tests.test_charts import user_chart, to_spec, spec_text; "
        "i18n.activate('zh', 'CNY'); print(spec_text(to_spec(user_chart())), end='')"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent
    ).stdout
    first, second = to_spec(user_chart()), to_spec(user_chart())
    assert first == second
    assert spec_text(first) == other
    name = first["params"][0]["name"]
    assert re.fullmatch(r"param_[0-9a-f]{16}", name)
    assert first["encoding"]["opacity"]["condition"]["param"] == name


def test_user_chart_gets_container_width_locale_and_description():
    spec = to_spec(user_chart(), description="各渠道订单")
    assert spec["width"] == "container"
    assert spec["description"] == "各渠道订单"
    assert "locale" in spec["config"]
    html = render_chart(user_chart(), chart_id="user", title="订单", description="各渠道订单")
    assert "hb-chart__svg" in str(html)


def test_figure_has_caption_static_svg_and_sources():
    html = render_chart(
        build_chart(*CASES["line"]),
        chart_id="monthly_conversion",
        title="月度转化率",
        description="各渠道每月转化率",
        sources=[("traffic", "health/#data-traffic")],
    )
    page = parse(html)
    assert page.figure == {
        "class": "hb-chart",
        "id": "chart-monthly_conversion",
        "role": "figure",
        "aria-labelledby": "chart-monthly_conversion-title",
        "aria-describedby": "chart-monthly_conversion-desc",
    }
    assert page.static == {"class": "hb-chart__static", "role": "img", "aria-label": "月度转化率：各渠道每月转化率"}
    assert page.sources == ["health/#data-traffic"]
    assert "月份" in page.svg_texts and "转化率" in page.svg_texts and "2026年2月" in page.svg_texts
    assert "数据来源" in str(html)
    # the live chart is the only svg.marks, so tests that wait for drawn charts aren't fooled by the fallback
    assert 'class="marks"' not in str(html)
    assert "\n    " not in str(html)  # collapsed: Markdown must not see indented code


def test_static_svg_ids_are_prefixed_per_chart():
    result = QueryResult(
        columns=["日期", "访客数"], types=["DATE", "BIGINT"], rows=[(dt.date(2026, 3, d), d) for d in range(1, 30)]
    )
    html = str(
        render_chart(
            build_chart(ChartSpec(id="c", title="t", mark="area", x="日期", y="访客数"), result),
            chart_id="visits",
            title="t",
        )
    )
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert ids and all(i.startswith("chart-visits") for i in ids)


def test_script_in_data_stays_inert_in_spec_and_svg():
    result = QueryResult(
        columns=["渠道", "人数"], types=["VARCHAR", "BIGINT"], rows=[("<script>1</script>", 5), ("天猫", 3)]
    )
    html = str(
        render_chart(
            build_chart(ChartSpec(id="x", title="t", mark="bar", x="渠道", y="人数"), result),
            chart_id="x",
            title="<b>标题</b>",
        )
    )
    assert html.count("<script") == 1 and html.count("</script>") == 1
    page = parse(html)
    spec = json.loads(page.scripts[0])
    assert spec["datasets"][spec["data"]["name"]][0]["渠道"] == "<script>1</script>"
    assert "<script>1</script>" in page.svg_texts  # escaped by vl-convert, read back as text
    assert "&lt;script&gt;1&lt;/script&gt;</text>" in html
    assert "&lt;b&gt;标题&lt;/b&gt;" in html


def test_svg_is_cached_on_disk(tmp_path):
    chart = build_chart(*CASES["bar"])
    store, stats = Store(tmp_path), ChartStats()
    render_chart(chart, chart_id="a", title="t", store=store, stats=stats)
    assert (stats.drawn, stats.stored) == (1, 0)
    cached = store.entries("svgs")
    assert len(cached) == 1 and re.fullmatch(r"[0-9a-f]{64}", cached[0].name)
    cached[0].write_text('<svg class="marks"><text>从缓存读取</text></svg>', encoding="utf-8")
    assert "从缓存读取" in str(render_chart(chart, chart_id="a", title="t", store=store, stats=stats))
    assert (stats.drawn, stats.stored, stats.count) == (1, 1, 2)  # what the build log's charts line counts


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            ChartSpec(id="c", title="t", mark="pie", x="渠道", y="销售额"),
            "chart 'c': unknown mark 'pie'. Valid marks: line, bar, area, point, arc.",
        ),
        (
            ChartSpec(id="c", title="t", x="渠道", y="销售"),
            "chart 'c': y column '销售' is not in the query result. Did you mean '销售额'? Available columns: 渠道, 订单数, 销售额.",
        ),
        (
            ChartSpec(id="c", title="t", x="渠道", y="销售额", color="区域"),
            "chart 'c': color column '区域' is not in the query result. Available columns: 渠道, 订单数, 销售额.",
        ),
        (
            ChartSpec(id="c", title="t", x="渠道"),
            "chart 'c': give both x and y (column names of the query result). Columns: 渠道, 销售额, 订单数.",
        ),
        (
            ChartSpec(id="c", title="t", x="渠道", y="销售额", x_type="date"),
            "chart 'c': unknown x_type 'date'. Valid types: quantitative, temporal, nominal, ordinal.",
        ),
        (
            ChartSpec(id="c", title="t", x="渠道", y="销售额", format="percentage"),
            "chart 'c': unknown format 'percentage'. Did you mean 'percent'? Available formats: cny, count, currency, "
            "duration, number, percent, points. Money in a given currency is its ISO 4217 code in lower case "
            "(usd, eur …).",
        ),
        (
            ChartSpec(id="c", title="t", x="渠道", y="销售额", sort="up"),
            "chart 'c': unknown sort 'up'. Valid sorts: ascending, descending, x, -x, y, -y, or a list of x values.",
        ),
    ],
)
def test_bad_chart_specs_give_exact_messages(spec, message):
    with pytest.raises(ChartError) as error:
        build_chart(spec, CHANNELS)
    assert str(error.value) == message


def test_a_chart_function_must_return_an_altair_chart():
    with pytest.raises(ChartError) as error:
        render_chart({"mark": "bar"}, chart_id="c", title="t")
    assert str(error.value) == (
        "Expected an Altair chart, got dict. "
        "A chart function in macros/ must return an altair.Chart (or a layer/concat of charts)."
    )


def test_data_loaded_by_url_is_refused():
    chart = alt.Chart(alt.UrlData(url="data/traffic.csv")).mark_bar().encode(x="a:N", y="b:Q")
    with pytest.raises(ChartError) as error:
        to_spec(chart)
    assert str(error.value).startswith(
        "The chart loads its data from a URL ('data/traffic.csv'). Under file:// the browser blocks that"
    )


def test_runtime_files():
    files = runtime_files()
    assert sorted(files) == ["javascripts/charts.js", "javascripts/vega.js", "stylesheets/charts.css"]
    bundle = files["javascripts/vega.js"].decode()
    assert "window.vegaEmbed=" in bundle and bundle.startswith("/* vega ")
    assert "vg-tooltip-element" in bundle  # vega-embed's tooltip handler (vega-tooltip) is in the bundle
    assert b"vegaEmbed(" in files["javascripts/charts.js"]
    assert charts.MARKS == ("line", "bar", "area", "point", "arc")


def test_charts_draw_in_chromium_from_file_url(tmp_path, browser_context):
    for rel, data in runtime_files().items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    line = render_chart(build_chart(*CASES["line"]), chart_id="line", title="月度转化率")
    bar = render_chart(build_chart(*CASES["bar"]), chart_id="bar", title="渠道销售额")
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>charts</title>'
        '<link rel="stylesheet" href="stylesheets/charts.css"></head>'
        f'<body><main style="width:720px">{line}{bar}</main>'
        '<script src="javascripts/vega.js"></script><script src="javascripts/charts.js"></script></body></html>',
        encoding="utf-8",
    )
    page, problems = browser.open_page(browser_context, (tmp_path / "index.html").as_uri())
    try:
        assert browser.wait_for_charts(page, 2) == 2
        page.wait_for_function("document.querySelectorAll('.hb-chart[data-drawn=\"true\"]').length === 2")
        assert page.locator("#chart-line .hb-chart__live svg.marks").count() == 1
        assert page.locator("#chart-bar .hb-chart__live svg.marks").count() == 1
        assert not page.locator("#chart-bar .hb-chart__static").is_visible()
        labels = page.eval_on_selector_all("#chart-bar .hb-chart__live text", "ts => ts.map(t => t.textContent)")
        # the axis writes 1,200,000 as a card does (format_value: ¥120.0万), no longer d3's trimmed ¥120万
        assert "¥120.0万" in labels and "渠道" in labels
        bar_box = page.locator("#chart-bar .mark-rect path").first.bounding_box()
        page.mouse.move(bar_box["x"] + bar_box["width"] / 2, bar_box["y"] + bar_box["height"] / 2)
        tooltip = page.locator("#vg-tooltip-element.visible")
        tooltip.wait_for(timeout=5000)
        assert tooltip.inner_text().split() == ["渠道", "天猫", "销售额", "¥123.5万"]
        page.emulate_media(media="print")
        assert page.locator("#chart-bar .hb-chart__static").is_visible()
        assert not page.locator("#chart-bar .hb-chart__live").is_visible()
        problems.assert_clean()
    finally:
        page.close()


def test_runtime_bundle_is_cached_on_disk(tmp_path):
    from site_build.views.charts import runtime_files

    store = Store(tmp_path)
    first = runtime_files(store)["javascripts/vega.js"]
    cached = store.entries("bundles")
    assert len(cached) == 1 and cached[0].read_bytes() == first
    cached[0].write_bytes(b"/* from the cache */")
    assert runtime_files(store)["javascripts/vega.js"] == b"/* from the cache */"


def test_the_runtime_is_bundled_in_a_worker_from_the_first_deferred_drawing(tmp_path, monkeypatch):
    from site_build.views import vega

    monkeypatch.setattr(vega, "_pending", None)
    vega._bundle.cache_clear()
    store = Store(tmp_path)
    spec = to_spec(build_chart(*CASES["bar"]))
    vega.Drawings(store).later("k", spec, json.dumps(spec), "bar")
    assert vega._pending is not None  # started while the pages render, not after them
    bundle = runtime_files(store)["javascripts/vega.js"]
    assert vega._pending.result() in bundle.decode() and b"window.vegaEmbed=" in bundle  # the worker's bundle
    assert store.entries("bundles")[0].read_bytes() == bundle
    vega._bundle.cache_clear()
    monkeypatch.setattr(vega, "_pending", None)
    vega.Drawings(store).later("k", spec, json.dumps(spec), "bar")
    assert vega._pending is None  # the store holds it: nothing to start


def test_history_small_multiples_keep_kpi_order_and_display_text(tmp_path):
    from site_build.formats import vega_expr
    from site_build.views.charts import to_spec
    from site_build.views.history_chart import history_chart

    series = {
        "conversion_rate": {
            "label": "转化率",
            "format": "percent",
            "direction": "higher",
            "points": [
                {
                    "version": "v1",
                    "title": "v1",
                    "data_as_of": "2026-09-30",
                    "value": 0.25,
                    "display": "25.0%",
                    "status": "watch",
                },
                {
                    "version": "v2",
                    "title": "v2",
                    "data_as_of": "2026-10-31",
                    "value": 0.18,
                    "display": "18.0%",
                    "status": "alert",
                },
            ],
        },
        "monthly_sales": {
            "label": "月销售额",
            "format": "cny",
            "direction": "higher",
            "points": [
                {
                    "version": "v2",
                    "title": "v2",
                    "data_as_of": "2026-10-31",
                    "value": 558000.0,
                    "display": "¥55.8万",
                    "status": "on-track",
                }
            ],
        },
    }
    spec = to_spec(history_chart(series))  # validated against the Vega-Lite schema
    # the build skips that check for this chart of the engine's own, and gets the same spec
    assert to_spec(history_chart(series), validate=False) == spec
    panels = spec["concat"]
    assert [p["title"]["text"] for p in panels] == ["转化率", "月销售额"]
    values = [v for p in panels for v in spec["datasets"][p["data"]["name"]]]  # inline, under dataset names
    assert [(v["指标"], v["显示"]) for v in values] == [
        ("转化率", "25.0%"),
        ("转化率", "18.0%"),
        ("月销售额", "¥55.8万"),
    ]
    # each panel's own scale, labelled by its KPI's format as its card writes it
    axes = [p["encoding"]["y"]["axis"]["labelExpr"] for p in panels]
    assert axes == [vega_expr("percent"), vega_expr("cny")]
    # An edit of a chapter is a new version id, not a new chart: the SVG is not drawn again.
    for line in series.values():
        for point in line["points"]:
            point.update(version="v9", title="v9")
    assert to_spec(history_chart(series)) == spec
    _history_spec_is_cached_by_what_it_draws(series, tmp_path)


def _history_spec_is_cached_by_what_it_draws(series: dict, tmp_path) -> None:
    from site_build import i18n
    from site_build.views.charts import to_spec
    from site_build.views.history_chart import history_chart, history_spec

    store = Store(tmp_path / "cache")
    description = "每个指标在各版本的数值"
    assert history_spec(series, description=description, store=store) == to_spec(
        history_chart(series), description=description
    )
    assert len(store.entries("specs")) == 1
    (entry,) = store.entries("specs")
    entry.write_text('{"marker": "from the store"}', encoding="utf-8")
    assert history_spec(series, description=description, store=store) == {"marker": "from the store"}
    series["conversion_rate"]["points"][1]["value"] = 0.19
    assert history_spec(series, description=description, store=store)["concat"]
    with i18n.use("en", "USD"):  # another language embeds another locale: not the zh entry
        history_spec(series, description=description, store=store)
    assert len(store.entries("specs")) == 3


def test_declared_specs_are_cached_by_declaration_and_data(tmp_path):
    spec = ChartSpec(
        id="monthly", title="月度转化率", description="说明", x="月份", y="转化率", color="渠道", format="percent"
    )
    fresh = to_spec(build_chart(spec, MONTHLY), description="说明")
    store = Store(tmp_path)
    assert charts.declared_spec(spec, MONTHLY, store=store) == fresh
    cached = store.entries("specs")
    assert len(cached) == 1
    # a second build reads the file instead of running Altair: what is in the file is what it gets
    marked = json.loads(cached[0].read_text(encoding="utf-8"))
    marked["description"] = "从缓存读取"
    cached[0].write_text(json.dumps(marked, ensure_ascii=False), encoding="utf-8")
    assert charts.declared_spec(spec, MONTHLY, store=store)["description"] == "从缓存读取"
    # other data or another declaration is another entry
    changed = QueryResult(MONTHLY.columns, MONTHLY.types, [(*row[:2], row[2] + 0.01) for row in MONTHLY.rows])
    charts.declared_spec(spec, changed, store=store)
    charts.declared_spec(ChartSpec(**{**spec.__dict__, "mark": "bar"}), MONTHLY, store=store)
    assert len(store.entries("specs")) == 3


def test_a_bad_declaration_fails_even_with_a_warm_cache(tmp_path):
    spec = ChartSpec(id="monthly", title="t", x="月份", y="转化", format="percent")
    for _ in range(2):
        with pytest.raises(ChartError, match="y column '转化' is not in the query result"):
            charts.declared_spec(spec, MONTHLY, store=Store(tmp_path))


def test_deferred_drawings_give_the_same_page_and_fill_the_store(tmp_path, caplog):
    """A build draws missing SVGs in worker processes while pages render; the page ends up byte for byte the same."""
    from site_build.views import drawing

    chart = build_chart(*CASES["bar"])
    now = str(render_chart(chart, chart_id="a", title="t"))
    store, stats = Store(tmp_path), ChartStats(defer=True)
    pending = str(render_chart(chart, chart_id="a", title="t", store=store, stats=stats))
    again = str(render_chart(chart, chart_id="b", title="t", store=store, stats=stats))  # same chart, other id
    assert "<svg" not in pending and "<!--hb-svg 0-->" in pending and "<!--hb-svg 1-->" in again
    assert (stats.drawn, stats.stored) == (1, 1) and store.entries("svgs") == []  # one drawing for one spec
    assert drawing._pool is not None  # drawn in the workers, not in this process
    assert stats.resolve(pending, "page.md") == now
    assert 'id="chart-b-' in stats.resolve(again, "page.md")
    assert len(store.entries("svgs")) == 1  # one drawing for the one spec
    # A spec vl-convert cannot draw: a notice on its page and a warning naming the page.
    bad = to_spec(chart)
    bad["mark"] = {"type": "no-such-mark"}
    failed = str(charts.render_spec(bad, chart_id="c", title="t", store=store, stats=stats))
    with caplog.at_level("WARNING", logger="handbook.charts"):
        shown = stats.resolve(failed, "2-core/channels.md")
    assert "<svg" not in shown.split("hb-chart__static")[1] and "vl-convert could not draw the chart" in shown
    assert "2-core/channels.md: chart 'c' failed" in caplog.text
    # without defer (a REPL, a test): drawn at once, as before
    assert ChartStats().resolve(now, "page.md") == now


def test_two_versions_with_one_data_date_are_two_points_on_the_history_chart():
    from site_build.views.history_chart import history_chart

    points = [
        {"version": v, "title": v, "data_as_of": d, "value": x, "display": f"{x:.0%}", "status": "watch"}
        for v, d, x in (("v1", "2026-09-30", 0.2), ("v2", "2026-10-31", 0.25), ("v3", "2026-10-31", 0.26))
    ]
    spec = to_spec(history_chart({"cr": {"label": "转化率", "format": "percent", "points": points}}))
    (rows,) = spec["datasets"].values()  # the one panel's rows, inline
    dates = [v["数据日期"] for v in rows]
    assert dates == ["2026-09-30", "2026-10-31", "2026-10-31 (2)"]


def test_a_kpi_chart_draws_its_target_and_thresholds_as_dashed_labelled_lines(tmp_path):
    """Not as a data series with dots and a legend called 系列, and not in the amber of 关注."""
    from site_build.session import Session
    from site_build.settings import Settings

    basic = Path(__file__).parent / "sites" / "basic" / "data"
    session = Session.open(Settings(data_dir=basic, cache_dir=None, language="zh"))
    try:
        from site_build.macros import _kpi_rules

        rules = _kpi_rules(session, "conversion_rate")
    finally:
        session.close()
    # the basic site's catalogue: target 0.3, alert 0.2
    assert [(r["kind"], r["label"]) for r in rules] == [("target", "目标 30.0%"), ("alert", "告警线 20.0%")]
    spec = ChartSpec(id="m", title="月度转化率", x="月份", y="转化率", format="percent", rules=rules)
    drawn = to_spec(build_chart(spec, CASES["line"][1]))
    base, line, label = drawn["layer"]
    assert base["mark"]["type"] == "line" and "color" not in base["encoding"]
    assert line["mark"]["type"] == "rule" and line["mark"]["strokeDash"] == [6, 4]
    assert label["mark"]["type"] == "text" and label["encoding"]["text"]["field"] == "label"
    colours = line["encoding"]["color"]["scale"]
    assert (
        colours["range"][colours["domain"].index("target")] == "#1b7f3b" and line["encoding"]["color"]["legend"] is None
    )
    # every chart: upright axis titles, 12 px text, the legend above the plot
    assert drawn["config"]["axisY"]["titleAngle"] == 0 and drawn["config"]["axis"]["labelFontSize"] == 12
    assert drawn["config"]["legend"]["orient"] == "top"
    assert [a.get("title") for a in vl_convert.vegalite_to_vega(drawn)["axes"] if a.get("title")] == ["月份", "转化率"]


def test_a_drawing_worker_that_dies_leaves_the_chart_drawn_here(tmp_path):
    from site_build.views import drawing

    chart = build_chart(*CASES["area"])
    expected = str(render_chart(chart, chart_id="a", title="t"))
    from site_build.views.vega import _vl_version

    drawing.submit("bundle", _vl_version()).result()  # the workers are up
    for worker in list(drawing._pool.started):
        worker.process.kill()
        worker.process.wait()
    stats = ChartStats(defer=True)
    pending = str(render_chart(chart, chart_id="a", title="t", store=Store(tmp_path), stats=stats))
    assert stats.resolve(pending, "page.md") == expected
    # the pool starts new workers for the next drawing
    assert drawing.submit("svg", to_spec(chart), "{}", None).result().startswith("<svg")


def test_a_chart_function_runs_again_only_when_its_data_or_its_folders_code_change(tmp_path):
    import importlib.util

    from site_build.views.charts import function_spec

    folder = tmp_path / "macros"
    folder.mkdir()
    code = (
        "import altair as alt\nCALLS = []\n"
        "def bars(result):\n"
        "    CALLS.append(1)\n"
        "    return alt.Chart(alt.InlineData(values=result.records())).mark_bar().encode(x='a:N', y='b:Q')\n"
    )
    (folder / "charts.py").write_text(code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("team_charts", folder / "charts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    store = Store(tmp_path / "cache")
    result = QueryResult(["a", "b"], ["VARCHAR", "BIGINT"], [("x", 1), ("y", 2)], "SELECT 1")
    first = function_spec(module.bars, result, description="柱", store=store)
    assert function_spec(module.bars, result, description="柱", store=store) == first
    assert len(module.CALLS) == 1  # the second came from the store
    changed = QueryResult(["a", "b"], ["VARCHAR", "BIGINT"], [("x", 1), ("y", 3)], "SELECT 1")
    function_spec(module.bars, changed, description="柱", store=store)
    assert len(module.CALLS) == 2  # new data
    (folder / "helpers.py").write_text("WIDTH = 3\n", encoding="utf-8")
    function_spec(module.bars, changed, description="柱", store=store)
    assert len(module.CALLS) == 3  # a file beside it changed: it may be what the function uses
