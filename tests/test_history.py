"""KPI changes between versions (本版变化) and KPI history across published versions."""

from __future__ import annotations

import itertools

from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st
from publish_helpers import kpi, make_site

from site_build.kpis.snapshot import series, snapshot
from site_build.publish.published import builds, previous_snapshot
from site_build.publish.publishing import publish
from site_build.views.history import changes_html, compare, history_html


# The KPI series the 指标历史 page shows: what is published, read by publish.published, shaped by kpis.snapshot.
def history(public_dir, *, current=None):
    return series(builds(public_dir), current=current)


OCTOBER = {
    "conversion_rate": kpi("conversion_rate", 0.251, "watch", "25.1%"),
    "refund_rate": kpi("refund_rate", 0.040, "on-track", "4.0%"),
    "gmv": kpi("gmv", 900000, "watch", "¥90.0万"),
}
NOVEMBER = {
    "conversion_rate": kpi("conversion_rate", 0.180, "alert", "18.0%"),
    "refund_rate": kpi("refund_rate", 0.046, "on-track", "4.6%"),
    "gmv": kpi("gmv", 1200000, "on-track", "¥120.0万"),
}


def _table(changes):
    return [(c.kpi, c.kind, c.previous_display, c.display, c.delta_display, c.status_text) for c in changes]


def test_compare_sorts_worst_first():
    changes = compare(snapshot({"kpis": NOVEMBER}), snapshot({"kpis": OCTOBER}))
    assert _table(changes) == [
        ("conversion_rate", "new-alert", "25.1%", "18.0%", "-7.1 个百分点", "关注 → 告警"),
        ("refund_rate", "adverse", "4.0%", "4.6%", "+0.6 个百分点", "达标"),
        ("gmv", "improved", "¥90.0万", "¥120.0万", "+33.3%", "关注 → 达标"),
    ]


def test_compare_orders_adverse_moves_by_size_and_handles_added_and_removed():
    before = {
        "conversion_rate": kpi("conversion_rate", 0.30, "on-track", "30.0%"),
        "refund_rate": kpi("refund_rate", 0.02, "on-track", "2.0%"),
    }
    after = {
        "conversion_rate": kpi("conversion_rate", 0.29, "on-track", "29.0%"),
        "refund_rate": kpi("refund_rate", 0.03, "on-track", "3.0%"),
        "gmv": kpi("gmv", None, "no-data"),
    }
    changes = compare({"kpis": after}, {"kpis": before})
    # refund_rate rose 50% against its direction, conversion_rate fell 3.3%.
    assert [(c.kpi, c.kind) for c in changes] == [
        ("refund_rate", "adverse"),
        ("conversion_rate", "adverse"),
        ("gmv", "added"),
    ]
    removed = compare({"kpis": before}, {"kpis": after})
    assert [(c.kpi, c.kind) for c in removed][-1] == ("gmv", "removed")
    assert [c.kind for c in compare({"kpis": {"gmv": kpi("gmv", 1, "alert")}}, None)] == ["new-alert"]


def test_worsened_status_without_alert_comes_before_adverse_moves():
    before = {"gmv": kpi("gmv", 1200000, "on-track"), "refund_rate": kpi("refund_rate", 0.02, "on-track")}
    after = {"gmv": kpi("gmv", 1100000, "watch"), "refund_rate": kpi("refund_rate", 0.04, "on-track")}
    assert [(c.kpi, c.kind) for c in compare({"kpis": after}, {"kpis": before})] == [
        ("gmv", "worsened"),
        ("refund_rate", "adverse"),
    ]


def test_changes_table_html():
    changes = compare({"kpis": NOVEMBER}, {"kpis": OCTOBER})
    soup = BeautifulSoup(
        changes_html(changes, previous={"version": "2026.10.31-aaaaaa", "data_as_of": "2026-10-31"}), "html.parser"
    )
    assert [th.get_text() for th in soup.select("thead th")] == ["KPI", "上一版", "本版", "变化", "状态变化"]
    rows = [[cell.get_text() for cell in tr.select("th, td")] for tr in soup.select("tbody tr")]
    assert rows[0] == ["转化率", "25.1%", "18.0%", "-7.1 个百分点", "关注 → 告警"]
    assert "2026.10.31-aaaaaa" in soup.select_one(".hb-changes__intro").get_text()
    first = BeautifulSoup(changes_html(compare({"kpis": OCTOBER}, None), previous=None), "html.parser")
    assert "没有可比较的上一版" in first.get_text()
    assert [tr.select("td")[-1].get_text() for tr in first.select("tbody tr")] == [
        "关注（新增）",
        "关注（新增）",
        "达标（新增）",
    ]


def test_labels_are_escaped():
    evil = {"conversion_rate": {**kpi("conversion_rate", 0.2, "watch", "20%"), "label": "<script>x</script>"}}
    html = str(changes_html(compare({"kpis": evil}, None), previous=None))
    assert "<script>x" not in html and "&lt;script&gt;x" in html


def test_history_and_previous_snapshot_from_the_publish_tree(tmp_path):
    public = tmp_path / "public"
    october = make_site(tmp_path / "s1", as_of="2026-10-31", salt="1", kpis=OCTOBER)
    november = make_site(tmp_path / "s2", as_of="2026-11-30", salt="2", kpis=NOVEMBER)
    assert previous_snapshot(public, october["version"]) is None
    assert history(public) == {}
    publish(tmp_path / "s1", public)
    # While November is being built it is not published yet: history() adds it as the newest point.
    building = history(public, current=november)
    assert [p["version"] for p in building["gmv"]["points"]] == [october["version"], november["version"]]
    # At build time the new version is not published yet: the newest published one is the previous.
    assert previous_snapshot(public, november["version"])["version"] == october["version"]
    publish(tmp_path / "s2", public)
    assert previous_snapshot(public, november["version"])["version"] == october["version"]
    assert previous_snapshot(public, october["version"]) is None
    series = history(public)
    assert series == building
    assert history(public, current=november) == series
    assert [(p["version"], p["display"], p["status"]) for p in series["conversion_rate"]["points"]] == [
        (october["version"], "25.1%", "watch"),
        (november["version"], "18.0%", "alert"),
    ]
    soup = BeautifulSoup(history_html(series), "html.parser")
    assert [th.get("data-version") for th in soup.select("thead th")] == [None, october["version"], november["version"]]
    row = soup.select_one("#history-conversion_rate")
    assert [c.get_text(" ", strip=True) for c in row.select("th, td")] == ["转化率", "25.1% 关注", "18.0% 告警"]


def test_changes_list_only_the_kpis_that_moved_and_say_so_when_none_did():
    previous = {"version": "2026.10.31-aaaaaa", "data_as_of": "2026-10-31"}
    # the same data again: no table of 0.0 changes, one sentence
    same = BeautifulSoup(changes_html(compare({"kpis": OCTOBER}, {"kpis": OCTOBER}), previous=previous), "html.parser")
    assert not same.select("table")
    assert same.select_one(".hb-changes__none").get_text() == "与上一版相比，没有指标发生变化。"
    # one KPI moved: it alone is in the table, the others are named in one folded line
    moved = dict(OCTOBER, gmv=kpi("gmv", 950000, "watch", "¥95.0万"))
    soup = BeautifulSoup(changes_html(compare({"kpis": moved}, {"kpis": OCTOBER}), previous=previous), "html.parser")
    assert [tr.th.get_text() for tr in soup.select("tbody tr")] == ["GMV"]
    folded = soup.select_one("details.hb-changes__same")
    assert folded.summary.get_text() == "其余 2 项指标与上一版相同"
    assert "转化率 25.1%" in folded.p.get_text() and "退款率 4.0%" in folded.p.get_text()


@settings(max_examples=300, deadline=None)
@given(
    st.floats(-1e9, 0, allow_nan=False),
    st.floats(0, 1e9, allow_nan=False),
    st.sampled_from([1.0, 0.1, 0.01, 0.001]),
)
def test_history_panel_ticks_cover_the_values_and_stay_apart_as_far_as_the_labels_can_tell(low, high, min_step):
    from site_build.views.history_chart import _ticks

    ticks = _ticks(low, high, min_step)
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1
    step = steps.pop()
    assert step >= min_step * (1 - 1e-9)  # even steps, none finer than a label can tell apart
    # every value inside, give or take a billionth of a step (far below a pixel)
    assert ticks[0] <= low + 1e-9 * step and ticks[-1] >= high - 1e-9 * step
    assert 2 <= len(ticks) <= 6
