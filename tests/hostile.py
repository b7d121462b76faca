"""A copy of the basic test site whose data and catalogue carry attack payloads in every place
a value can reach a page: page-template rows (title, slug-adjacent columns, link targets), table
cells, KPI labels and plays, chart fields and titles, inline values and the search index.

Every payload is meant to show as text. If one ran, it would set ``window.__xss`` (in the
browser) or create ``PWNED`` in the project (during the build).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import yaml

from tests.sitebuild import copy_site

#: runs a shell command if any layer renders the value as a Jinja template
JINJA = "{{ lipsum.__globals__['os'].popen('touch PWNED').read() }}{{ 7*7 }}{% if true %}JINJA-RAN{% endif %}"
HTML = '<img src=x onerror="window.__xss=(window.__xss||0)+1"><script>window.__xss=1</script></script><b>粗</b>'
MARKDOWN = '[链接](javascript:window.__xss=1) *强调*{: onclick="window.__xss=1" } `代码` <javascript:window.__xss=1>'
#: the channel name: a data value used as a page title, a heading, a table cell, a chart colour and a SQL parameter
CHANNEL = f"渠道X {JINJA} {HTML} {MARKDOWN}"
#: a column alias with the characters Vega-Lite and Vega expressions treat specially
ALIAS = "a\"b[0].c\\d'e <i>斜</i> {{ 7*7 }}"
URL = "javascript:window.__xss=1"


def make(dest: Path) -> Path:
    """Copy tests/sites/basic to ``dest`` and plant the payloads; return the project folder."""
    project = copy_site("basic", dest)
    data = project / "data"
    _replace_channel(data / "traffic.csv", "天猫", CHANNEL)
    package = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    channel = package["resources"][0]["schema"]["fields"][1]
    channel["constraints"]["enum"] = [CHANNEL if v == "天猫" else v for v in channel["constraints"]["enum"]]
    channel["description"] = f"字段说明 {HTML} {MARKDOWN} {JINJA}"
    channel["title"] = f"渠道 {HTML}"
    package["resources"][0]["description"] = f"资源说明 {HTML} {MARKDOWN}"
    (data / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=2), encoding="utf-8")

    catalogue = yaml.safe_load((data / "metrics.yml").read_text(encoding="utf-8"))
    kpi = catalogue["kpis"][0]
    kpi["label"] = f"转化率 {HTML} {MARKDOWN} {JINJA}"
    kpi["description"] = f"说明 {HTML} {MARKDOWN}"
    kpi["owner"] = f"负责人 {HTML} {MARKDOWN}"
    kpi["play"]["watch"] = f"关注 {HTML} {MARKDOWN}"
    kpi["play"]["alert"] = f"告警 {HTML} {MARKDOWN}"
    catalogue["queries"].append(
        {
            "id": "hostile_cells",
            "title": f"表格 {HTML} {MARKDOWN}",
            "sql": f"SELECT channel AS \"{_sql_ident(ALIAS)}\", '{_sql_str(URL)}' AS 链接, sum(orders) AS 订单数 FROM traffic GROUP BY 1 ORDER BY 1",
        }
    )
    catalogue["charts"].append(
        {
            "id": "hostile_chart",
            "title": f"图表 {HTML} {MARKDOWN}",
            "description": f"描述 {HTML}",
            "query": "hostile_cells",
            "mark": "bar",
            "x": ALIAS,
            "y": "订单数",
            "color": ALIAS,
        }
    )
    catalogue["pages"][0]["sql"] = (
        "SELECT DISTINCT channel, channel AS title, CASE channel WHEN '京东' THEN 'jd' ELSE 'tmall' END AS slug, "
        f"'{_sql_str(URL)}' AS url FROM traffic ORDER BY slug"
    )
    (data / "metrics.yml").write_text(yaml.safe_dump(catalogue, allow_unicode=True, sort_keys=False), encoding="utf-8")

    template = project / "content" / "_templates" / "channel.md"
    template.write_text(
        template.read_text(encoding="utf-8")
        + "\n## 渠道数据 {#row}\n\n渠道：{{ page.meta.row.channel }}\n\n"
        + "大写：{{ page.meta.row.channel | upper | text }}\n\n"
        + "[打开渠道后台]({{ page.meta.row.url }})\n\n"
        + "| 渠道 | 链接 |\n|---|---|\n| {{ page.meta.row.channel }} | {{ page.meta.row.url }} |\n",
        encoding="utf-8",
    )
    (project / "content" / "hostile.md").write_text(
        "# 数据里的恶意值\n\n"
        "{{ table('hostile_cells') }}\n\n"
        "{{ chart('hostile_chart') }}\n\n"
        "{{ kpi('conversion_rate') }}\n\n"
        "本月转化率为 {{ value('conversion_rate') }}。\n\n"
        "{{ page_links('channel') }}\n",
        encoding="utf-8",
    )
    return project


def _replace_channel(path: Path, old: str, new: str) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    for row in rows[1:]:
        row[1] = new if row[1] == old else row[1]
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def _sql_str(value: str) -> str:
    return value.replace("'", "''")


def _sql_ident(value: str) -> str:
    return value.replace('"', '""')
