"""Time per chart: Altair spec, vl-convert SVG fallback (cold and cached), and the runtime bundle.

Each chart gets different numbers so the SVG cache never hits in the cold loop.

    .venv/bin/python bench/bench_charts.py [--charts 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from site_build.data.result import QueryResult
from site_build.data.store import Store
from site_build.views import vega
from site_build.views.charts import ChartSpec, build_chart, render_chart, to_spec

MARKS = ("line", "bar", "area", "point", "arc")


def _result(i: int) -> QueryResult:
    rows = [
        (dt.date(2025, m, 1), ch, 0.02 + 0.001 * ((i * 7 + m * 3 + k) % 13))
        for m in range(1, 13)
        for k, ch in enumerate(("天猫", "京东", "抖音"))
    ]
    return QueryResult(columns=["月份", "渠道", "转化率"], types=["DATE", "VARCHAR", "DOUBLE"], rows=rows)


def _spec(i: int) -> ChartSpec:
    mark = MARKS[i % len(MARKS)]
    if mark == "arc":
        return ChartSpec(id=f"c{i}", title="渠道占比", mark="arc", x="渠道", y="转化率", format="percent")
    return ChartSpec(id=f"c{i}", title="月度转化率", mark=mark, x="月份", y="转化率", color="渠道", format="percent")


def _ms(seconds: list[float]) -> str:
    return f"median {statistics.median(seconds) * 1000:.1f} ms, max {max(seconds) * 1000:.1f} ms"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charts", type=int, default=30)
    n = parser.parse_args(argv or []).charts
    render_chart(build_chart(_spec(999), _result(999)), chart_id="warm", title="t")  # load vl-convert's engine
    spec_t, cold_t, warm_t = [], [], []
    with tempfile.TemporaryDirectory() as cache:
        for i in range(n):
            t0 = time.perf_counter()
            chart = build_chart(_spec(i), _result(i))
            to_spec(chart)
            t1 = time.perf_counter()
            render_chart(chart, chart_id=f"c{i}", title="t", store=Store(cache))
            t2 = time.perf_counter()
            render_chart(chart, chart_id=f"c{i}", title="t", store=Store(cache))
            t3 = time.perf_counter()
            spec_t.append(t1 - t0)
            cold_t.append(t2 - t1)
            warm_t.append(t3 - t2)
    t0 = time.perf_counter()
    files = vega.runtime_files()
    bundle_s = time.perf_counter() - t0
    print(f"charts: {n} (36 rows each, marks {', '.join(MARKS)})")
    print(f"spec (build_chart + to_spec):          {_ms(spec_t)}")
    print(f"render_chart, SVG not cached:          {_ms(cold_t)}")
    print(f"render_chart, SVG from the store:      {_ms(warm_t)}")
    print(
        f"runtime_files() first call: {bundle_s:.2f} s; sizes: "
        + ", ".join(f"{k} {len(v) / 1024:.1f} KiB" for k, v in sorted(files.items()))
    )


if __name__ == "__main__":
    main(sys.argv[1:])
