"""Chart axes read as cards and tables do: tick labels drawn by vl-convert equal format_value of the tick."""

import copy

import pytest

from site_build.data.result import QueryResult
from site_build.formats import format_value
from site_build.views import vega
from site_build.views.charts import ChartSpec, build_chart, to_spec
from tests.chartsvg import svg_texts

# (format, column type, values): ranges that reach every step of every format, negatives included
RANGES = [
    ("cny", "DOUBLE", [120.0, 3_400.0, 8_800.0]),
    ("cny", "DECIMAL(18,2)", [56_789.0, 1_234_567.5, 230_000.0]),
    ("cny", "DOUBLE", [-45_000.0, 12_000.0, 30_000.0]),
    ("cny", "DOUBLE", [1.2e8, 3.4e8, 0.6e8]),
    ("percent", "DOUBLE", [0.021, 0.033, 0.046]),
    ("percent", "DOUBLE", [-0.12, 0.3, 0.05]),
    ("count", "BIGINT", [3, 7, 11]),
    ("count", "BIGINT", [1_037, 1_148, 1_100]),
    ("count", "BIGINT", [2_400_000, 12_345_678, 800_000]),
    ("duration", "DOUBLE", [12.0, 45.0, 30.0]),
    ("duration", "DOUBLE", [90.0, 1_500.0, 700.0]),
    ("duration", "DOUBLE", [5_400.0, 20_000.0, 9_000.0]),
    ("duration", "DOUBLE", [172_800.0, 400_000.0, 90_000.0]),
    ("number", "DOUBLE", [0.5, 2.75, 1.25]),
    ("number", "DOUBLE", [-1_500.0, 4_800.0, 2_000.0]),
    (None, "DOUBLE", [0.2, 1.7, 0.9]),
    (None, "BIGINT", [2, 5, 3]),
    (None, "INTEGER", [12_000, 48_000, 30_000]),
]


def expected(value: float, fmt: str | None, column_type: str) -> str:
    """What a table cell shows for the tick: an INTEGER column with no format holds ints."""
    if fmt is None and column_type in ("BIGINT", "INTEGER"):
        assert value.is_integer(), f"tick {value} on an integer axis"
        return format_value(int(value))
    return format_value(value, fmt)


def chart(fmt: str | None, column_type: str, values: list) -> dict:
    result = QueryResult(
        columns=["渠道", "数值"], types=["VARCHAR", column_type], rows=[(f"c{i}", v) for i, v in enumerate(values)]
    )
    return to_spec(build_chart(ChartSpec(id="c", title="t", mark="bar", x="渠道", y="数值", format=fmt), result))


def tick_labels(spec: dict) -> list[tuple[float, str]]:
    """(tick value, label) of the y axis, as vl-convert draws them.

    The chart's own labelExpr runs unchanged; the test only puts the tick's
    value in front of it (⟨value⟩label) to know which value each label is for.
    """
    tagged = copy.deepcopy(spec)
    axis = tagged["encoding"]["y"]["axis"]
    axis["labelExpr"] = f"'⟨' + datum.value + '⟩' + ({axis['labelExpr']})"
    ticks = []
    for text in svg_texts(vega.static_svg(tagged, chart_id="t")):
        if text.startswith("⟨"):
            value, _, label = text[1:].partition("⟩")
            ticks.append((float(value), label))
    return ticks


@pytest.mark.parametrize(("fmt", "column_type", "values"), RANGES)
def test_axis_tick_labels_equal_format_value(fmt, column_type, values):
    spec = chart(fmt, column_type, values)
    ticks = tick_labels(spec)
    assert len(ticks) >= 3
    assert [label for _, label in ticks] == [expected(v, fmt, column_type) for v, _ in ticks]
    # and the untagged chart, as a page shows it, draws exactly those labels
    drawn = svg_texts(vega.static_svg(spec, chart_id="t"))
    assert all(label in drawn for _, label in ticks)


@pytest.mark.parametrize(
    ("fmt", "ticks"),
    [
        ("cny", [0, 2.5, -2.5, 122_500, 112_500_000, 2e8]),
        ("percent", [0, 0.0025, 0.0125, -0.0125, 0.5]),
        ("count", [0, 2.5, 1_002_500, 12_345_678]),
        ("duration", [0, 2.25, 1_125, 8_100, 194_400]),
        ("number", [0, 0.125, -2.625, 1_234.125]),
    ],
)
def test_ties_and_every_step_on_chosen_ticks(fmt, ticks):
    """Ticks placed on exact binary ties (where d3 rounds away from zero and Python to even)."""
    spec = chart(fmt, "DOUBLE", [min(ticks), max(ticks)])
    spec["encoding"]["y"]["axis"]["values"] = ticks
    assert sorted(tick_labels(spec)) == sorted((float(t), format_value(t, fmt)) for t in ticks)


def test_x_axis_of_a_scatter_reads_like_its_tooltip():
    result = QueryResult(columns=["客单价", "复购率"], types=["DOUBLE", "DOUBLE"], rows=[(88.5, 0.21), (132.0, 0.14)])
    spec = to_spec(build_chart(ChartSpec(id="c", title="t", mark="point", x="客单价", y="复购率"), result))
    swapped = copy.deepcopy(spec)
    swapped["encoding"]["y"] = spec["encoding"]["x"] | {"field": "客单价"}
    ticks = tick_labels(swapped)
    assert ticks and all(label == format_value(v) for v, label in ticks)  # 90.00, like the table and tooltip


def test_tooltips_are_the_tables_text():
    """Tooltips show text fields written by format_value itself, so they agree by construction."""
    values = [1_234_567.5, 56_789.0, -2.5]
    spec = chart("cny", "DOUBLE", values)
    rows = spec["datasets"][spec["data"]["name"]]
    shown = {t["title"]: t["field"] for t in spec["encoding"]["tooltip"]}
    assert [row[shown["数值"]] for row in rows] == [format_value(v, "cny") for v in values]
    assert [row[shown["数值"]] for row in rows] == ["¥123.5万", "¥5.7万", "-¥2"]


def test_a_chart_function_labels_its_axis_with_the_same_rules():
    """The README's example for chart functions in macros/: alt.Axis(labelExpr=formats.vega_expr("cny"))."""
    import altair as alt

    from site_build import formats

    values = [{"渠道": "天猫", "销售额": 56_789.0}, {"渠道": "京东", "销售额": 1_234.0}]
    user = (
        alt.Chart(alt.InlineData(values=values))
        .mark_bar()
        .encode(x="渠道:N", y=alt.Y("销售额:Q", axis=alt.Axis(labelExpr=formats.vega_expr("cny"))))
    )
    ticks = tick_labels(to_spec(user))
    assert len(ticks) >= 3 and all(label == format_value(v, "cny") for v, label in ticks)
