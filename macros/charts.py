"""Charts too specific for a declarative entry in data/metrics.yml.

Each function receives a ``QueryResult`` (``result.records()`` gives rows as
dicts) and returns an Altair chart; the engine inlines the data, adds the
static fallback and the accessible description. Register them in ``register``.
The SQL stays in the catalogue: every chart here reads a named query.

Altair is imported inside each function: the engine keeps each chart's spec
in its cache and calls the function only when its query's result or this
folder's code changed, so a build that reuses every chart never loads Altair
(a third of a second).
"""

#: funnel steps of the channel_conversion query, in the order a visitor walks them
FUNNEL_STEPS = (("访问会话数", "访问"), ("加购数", "加购"), ("订单数", "下单"))
#: verdict colours: green for a win, red for a loss, grey when the test cannot tell
VERDICT_COLOURS = {"显著提升": "#2e7d32", "显著下降": "#c62828", "无显著差异": "#9e9e9e"}
#: one colour per RFM segment, so the bubbles match the segment table's order
RFM_COLOURS = {"高价值": "#3949ab", "潜力": "#43a047", "流失风险": "#e53935"}


def register(handbook):
    """Called by define_env with the engine's Registrar; registers every chart function here."""
    handbook.chart("conversion_funnel", query="channel_conversion")(conversion_funnel)
    handbook.chart("ab_ci", query="ab_results")(ab_confidence_intervals)
    handbook.chart("rfm_bubbles", query="rfm_segments")(rfm_bubbles)


def conversion_funnel(result):
    """Return a horizontal bar funnel (访问 → 加购 → 下单) summed over all online channels."""
    import altair as alt

    records = result.records()
    top = sum(r["访问会话数"] or 0 for r in records) or 1
    steps = []
    for column, label in FUNNEL_STEPS:
        people = sum(r[column] or 0 for r in records)
        steps.append({"环节": label, "人数": people, "占访问比例": people / top})
    bars = alt.Chart(alt.InlineData(values=steps)).encode(
        y=alt.Y("环节:N", sort=[label for _, label in FUNNEL_STEPS], title=None),
        x=alt.X("人数:Q", title="会话数", axis=alt.Axis(format=",.0f")),
        tooltip=[
            alt.Tooltip("环节:N"),
            alt.Tooltip("人数:Q", format=",.0f"),
            alt.Tooltip("占访问比例:Q", format=".1%"),
        ],
    )
    labels = bars.mark_text(align="left", dx=4).encode(text=alt.Text("占访问比例:Q", format=".1%"))
    return (bars.mark_bar() + labels).properties(height=160)


def ab_confidence_intervals(result):
    """Return each experiment's conversion difference (B − A) with its 95% CI as an error bar.

    An interval that crosses the zero line is not a significant difference.
    """
    import altair as alt

    records = result.records()
    for r in records:
        r["差值"] = r["绝对提升"]
    base = alt.Chart(alt.InlineData(values=records)).encode(
        y=alt.Y("实验:N", title=None, sort=None),
    )
    tooltip = [
        alt.Tooltip("实验:N"),
        alt.Tooltip("差值:Q", title="绝对提升", format="+.2%"),
        alt.Tooltip("差值95置信下限:Q", title="95% 置信下限", format="+.2%"),
        alt.Tooltip("差值95置信上限:Q", title="95% 置信上限", format="+.2%"),
        alt.Tooltip("p值:Q", format=".4f"),
        alt.Tooltip("结论:N"),
    ]
    interval = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("差值95置信下限:Q", title="实验组 − 对照组转化率（95% 置信区间）", axis=alt.Axis(format="+.1%")),
        x2="差值95置信上限:Q",
        color=_verdict_colour(),
        tooltip=tooltip,
    )
    point = base.mark_point(filled=True, size=60).encode(
        x="差值:Q",
        color=_verdict_colour(),
        tooltip=tooltip,
    )
    zero = alt.Chart(alt.InlineData(values=[{"零": 0}])).mark_rule(strokeDash=[4, 4], color="#757575").encode(x="零:Q")
    return (zero + interval + point).properties(height=max(120, 40 * len(records)))


def rfm_bubbles(result):
    """Return one bubble per RFM segment: days since last purchase × purchases, sized by customers."""
    import altair as alt

    records = result.records()
    segments = [r["分群"] for r in records]
    colours = [RFM_COLOURS.get(s, "#757575") for s in segments]
    return (
        alt.Chart(alt.InlineData(values=records))
        .mark_circle(opacity=0.75)
        .encode(
            x=alt.X("平均未购天数:Q", title="平均未购天数（R，越小越活跃）"),
            y=alt.Y("平均购买次数:Q", title="平均购买次数（F）"),
            size=alt.Size("顾客数:Q", scale=alt.Scale(range=[200, 3000]), legend=None),
            color=alt.Color("分群:N", title="分群", scale=alt.Scale(domain=segments, range=colours)),
            tooltip=[
                alt.Tooltip("分群:N"),
                alt.Tooltip("顾客数:Q", format=",.0f"),
                alt.Tooltip("顾客占比:Q", format=".1%"),
                alt.Tooltip("人均消费:Q", title="人均消费（元）", format=",.0f"),
                alt.Tooltip("消费占比:Q", format=".1%"),
                alt.Tooltip("平均购买次数:Q", format=".2f"),
                alt.Tooltip("平均未购天数:Q", format=".0f"),
            ],
        )
        .properties(height=300)
    )


def _verdict_colour():
    import altair as alt

    return alt.Color(
        "结论:N",
        title="结论",
        scale=alt.Scale(domain=list(VERDICT_COLOURS), range=list(VERDICT_COLOURS.values())),
    )
