"""The test site's macros module: the engine's macros plus one team chart function."""

import altair as alt

from site_build.mkdocs.macros import install


def define_env(env):
    handbook = install(env)

    @handbook.chart(
        "tickets_by_month",
        sql="SELECT CAST(date_trunc('month', created_at) AS DATE) AS 月份, count(*) AS 工单数 FROM tickets GROUP BY 1 ORDER BY 1",
    )
    def tickets_by_month(result):
        return (
            alt.Chart(alt.Data(values=result.records()))
            .mark_bar()
            .encode(
                x=alt.X("月份:T", title="月份"), y=alt.Y("工单数:Q", title="工单数"), tooltip=["月份:T", "工单数:Q"]
            )
        )
