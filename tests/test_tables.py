import datetime as dt

import pytest
from bs4 import BeautifulSoup

from site_build.data.result import QueryResult
from site_build.errors import MacroError
from site_build.views.tables import render_table

RESULT = QueryResult(
    columns=["渠道", "日期", "销售额", "p值"],
    types=["VARCHAR", "DATE", "DOUBLE", "DOUBLE"],
    rows=[("天猫", dt.date(2026, 10, 1), 123456.0, 0.00123), ("<b>京东</b>", dt.date(2026, 9, 1), 980.5, 0.2)],
)


def cells(html):
    soup = BeautifulSoup(str(html), "html.parser")
    return [[td.get_text() for td in tr.select("td")] for tr in soup.select("tbody tr")], soup


def test_formats_digits_and_escaping():
    rows, soup = cells(render_table(RESULT, formats={"销售额": "cny", "p值": "number:4"}, labels={"渠道": "平台"}))
    assert rows == [["天猫", "2026-10-01", "¥12.3万", "0.0012"], ["<b>京东</b>", "2026-09-01", "¥980", "0.2000"]]
    assert [th.get_text() for th in soup.select("th")] == ["平台", "日期", "销售额", "p值"]
    assert soup.select("td")[2]["data-sort"] == "123456.0"
    assert soup.find("b") is None  # data is escaped, never markup


def test_unknown_column_and_format():
    with pytest.raises(
        MacroError, match=r"no column .销量. in the query result\. Available columns: p值, 日期, 渠道, 销售额\."
    ):
        render_table(RESULT, formats={"销量": "cny"})
    with pytest.raises(MacroError, match=r"unknown format 'percent:x' for column 'p值'.*'number:3'"):
        render_table(RESULT, formats={"p值": "percent:x"})


def test_a_long_ranking_shows_its_ends_and_folds_out_the_rest():
    result = QueryResult(["排名", "活动"], ["BIGINT", "VARCHAR"], [(i, f"活动{i}") for i in range(1, 180)])
    html = BeautifulSoup(str(render_table(result, top=10, bottom=10, caption="ROI 排名")), "html.parser")
    ends, whole = html.select("table")
    rows = [[td.get_text() for td in tr.select("td")] for tr in ends.select("tbody tr")]
    assert [r[0] for r in rows[:10]] == [str(i) for i in range(1, 11)]
    assert rows[10] == ["… 中间 159 行未列出 …"] and ends.select_one(".hb-table__gap td")["colspan"] == "2"
    assert [r[0] for r in rows[11:]] == [str(i) for i in range(170, 180)]
    assert not ends.select("button")  # the short view is read, not sorted
    # every row, sortable, folded out beneath
    assert html.select_one("details.hb-table__all > summary").get_text() == "展开全部 179 行（可排序）"
    assert len(whole.select("tbody tr")) == 179 and len(whole.select("button.hb-sort")) == 2
    # a table no longer than its ends is shown whole, as before
    short = BeautifulSoup(str(render_table(result, top=100, bottom=100)), "html.parser")
    assert len(short.select("table")) == 1 and not short.select("details")


def test_a_count_column_reads_in_full_rather_than_switching_to_wan_halfway():
    result = QueryResult(
        ["渠道", "会话数"], ["VARCHAR", "BIGINT"], [("天猫", 654_947), ("抖音", 1_110_000), ("京东", None)]
    )
    html = BeautifulSoup(str(render_table(result, formats={"会话数": "count"})), "html.parser")
    assert [tr.select("td")[1].get_text() for tr in html.select("tbody tr")] == ["654,947", "1,110,000", "—"]


def test_a_difference_of_two_ratios_reads_in_percentage_points():
    result = QueryResult(["实验", "绝对提升"], ["VARCHAR", "DOUBLE"], [("A", 0.012), ("B", -0.005)])
    html = BeautifulSoup(str(render_table(result, formats={"绝对提升": "points"})), "html.parser")
    assert [tr.select("td")[1].get_text() for tr in html.select("tbody tr")] == ["1.2 个百分点", "-0.5 个百分点"]


def test_flag_below_marks_the_cells_under_the_line():
    result = QueryResult(["活动", "ROI"], ["VARCHAR", "DOUBLE"], [("双11", 3.2), ("直播", 0.6), ("新品", None)])
    html = BeautifulSoup(str(render_table(result, formats={"ROI": "number"}, flag_below={"ROI": 1})), "html.parser")
    cells = [tr.select("td")[1] for tr in html.select("tbody tr")]
    assert ["hb-cell--alert" in (c.get("class") or []) for c in cells] == [False, True, False]
    assert cells[1].get_text() == "✖ 0.60（低于警戒线）" and cells[1]["data-sort"] == cells[1]["data-sort"]
    with pytest.raises(MacroError, match="flag_below needs a column"):
        render_table(result, flag_below={"roi": 1})
