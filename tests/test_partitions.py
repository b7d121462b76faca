"""Partitioned resources (issue 14): a folder of Hive-partitioned Parquet, as Spark and Trino write it.

The basic test site's traffic.csv is written as traffic/channel=…/part-0.parquet
(by DuckDB, the way a Spark job lays it out). The handbook then validates,
queries (pruning partitions) and builds from the folder, and names the part
and row of every problem in it.
"""

import json
import re
import shutil
from urllib.parse import unquote

import duckdb
import pytest

from site_build.data.engine import QueryEngine, view_sql
from site_build.data.package import DataPackage, Fingerprints
from site_build.data.validation import validate
from site_build.errors import PackageError
from tests.sitebuild import build, copy_site, soup

TODAY = "2025-11-20"


def _partition(data, name="traffic", by="channel"):
    """Rewrite data/<name>.csv as data/<name>/<by>=…/part-0.parquet and point the descriptor at the folder."""
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * FROM read_csv('{data / name}.csv', header = true)) TO '{data / name}' "
        f"(FORMAT parquet, PARTITION_BY ({by}), FILENAME_PATTERN 'part-{{i}}')"
    )
    (data / f"{name}.csv").unlink()
    (data / name / "_SUCCESS").write_text("", encoding="utf-8")  # what Spark leaves: not data
    descriptor = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    resource = next(r for r in descriptor["resources"] if r["name"] == name)
    resource.update(path=name, format="parquet")
    (data / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def project(tmp_path):
    project = copy_site("basic", tmp_path / "project")
    _partition(project / "data")
    return project


def _part(project, channel: str, name: str = "part-0.parquet"):
    """The part of one channel: writers percent-encode the value in the folder name (channel=%E4%BA%AC%E4%B8%9C)."""
    folder = next(d for d in (project / "data" / "traffic").iterdir() if unquote(d.name) == f"channel={channel}")
    return folder / name


def _rewrite(part, columns: str = "*", where: str = ""):
    """Replace one part's rows with ``SELECT columns … where`` over them."""
    con = duckdb.connect()
    tmp = part.with_suffix(".new")
    con.execute(f"COPY (SELECT {columns} FROM read_parquet('{part}') {where}) TO '{tmp}' (FORMAT parquet)")
    tmp.replace(part)


def test_a_partitioned_folder_validates_queries_and_prunes_its_partitions(project):
    package = DataPackage.load(project / "data")
    traffic = package.resources["traffic"]
    assert [unquote(p.parent.name) for p in traffic.parts] == ["channel=京东", "channel=天猫"]  # not _SUCCESS
    assert traffic.partition_keys == ("channel",)
    report = validate(package)
    assert report.valid, report.to_text()
    assert report.stats["rows"]["traffic"] == 13
    with QueryEngine(package) as engine:
        rows = engine.query("SELECT channel, sum(orders) FROM traffic GROUP BY 1 ORDER BY 1").rows
        assert engine._materialized == set()  # the folder stays a view, whose key filters prune files
    assert rows == [("京东", 50 + 50 + 55 + 55 + 45 + 45), ("天猫", 150 + 150 + 140 + 140 + 125 + 125 + 10)]
    con = duckdb.connect()
    con.execute(f"CREATE VIEW traffic AS {view_sql(traffic)}")
    plan = "\n".join(
        str(c)
        for row in con.execute("EXPLAIN ANALYZE SELECT * FROM traffic WHERE channel = '京东'").fetchall()
        for c in row
    )
    assert re.search(r"Scanning Files: 1/2", plan), plan  # the 天猫 partition is never read


def test_the_handbook_builds_from_the_folder_with_the_same_kpis_as_from_csv(project, tmp_path):
    csv = copy_site("basic", tmp_path / "csv")
    assert build(csv, today=TODAY).exit_code == 0
    result = build(project, today=TODAY)
    assert result.exit_code == 0, result.output
    kpis = json.loads((project / "site" / "build.json").read_text(encoding="utf-8"))["kpis"]
    expected = json.loads((csv / "site" / "build.json").read_text(encoding="utf-8"))["kpis"]
    assert {k: v["value"] for k, v in kpis.items()} == {k: v["value"] for k, v in expected.items()}
    health = soup(project / "site" / "health.html")
    facts = health.select_one("#data-traffic").get_text(" ", strip=True)
    assert "按 channel 分为 2 个分区，共 2 个文件" in facts and "traffic" in facts


def test_a_corrupted_partition_is_reported_by_file_and_row_and_stops_the_build(project):
    assert build(project, today=TODAY).exit_code == 0
    before = (project / "site" / "index.html").read_bytes()
    jd = _part(project, "京东")
    # the second record of the 京东 part (row 3, as frictionless counts a Parquet file's rows) gets negative orders
    _rewrite(jd, "* REPLACE (CASE WHEN date = DATE '2025-08-15' THEN -1 ELSE orders END AS orders)")
    result = build(project, today=TODAY)
    assert result.exit_code == 1
    where = f"traffic/{jd.parent.name}/part-0.parquet row 3"
    assert where in result.output and "orders = -1 violates minimum 0" in result.output, result.output
    assert "Traceback" not in result.output
    assert (project / "site" / "index.html").read_bytes() == before  # the last good site stays


def test_a_part_with_other_columns_is_named_with_the_column_and_the_fix(project):
    part = _part(project, "天猫")
    _rewrite(part, "date, CAST(sessions AS VARCHAR) AS sessions, orders, revenue, 1 AS extra")
    report = validate(DataPackage.load(project / "data"))
    text = report.to_text()
    assert not report.valid
    at = f"traffic/{part.parent.name}/part-0.parquet"
    assert f"{at} column 'sessions' is VARCHAR" in text
    assert f"{at} has a column 'extra' that is not a field of the schema" in text
    assert "Every part is one table" in text


def test_a_repeated_key_across_parts_names_both_parts(project):
    tmall = _part(project, "天猫")
    extra = tmall.with_name("part-1.parquet")
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_parquet('{tmall}') LIMIT 1) TO '{extra}' (FORMAT parquet)")
    report = validate(DataPackage.load(project / "data"))
    errors = [e for g in report.groups for e in g.errors if g.type == "primary-key"]
    folder = f"traffic/{tmall.parent.name}"
    assert errors and errors[0].path == f"{folder}/part-1.parquet" and errors[0].row == 2
    assert f"repeats row 2 of {folder}/part-0.parquet" in errors[0].message


def test_the_fingerprint_of_a_folder_changes_when_a_part_does_and_only_then(project):
    folder = project / "data" / "traffic"
    first = Fingerprints().of(folder)
    (folder / "_SUCCESS").write_text("again", encoding="utf-8")
    assert Fingerprints().of(folder) == first  # not data
    _rewrite(_part(project, "京东"), where="WHERE orders > 45")
    assert Fingerprints().of(folder) != first


@pytest.mark.parametrize(
    "change, message",
    [
        ("no-format", 'a folder of Parquet parts, add "format": "parquet" to the resource'),
        ("empty", "holds no .parquet file"),
        ("unknown-key", "the partition key 'channel' (from the folder names) is not a field of the schema"),
        ("mixed", "are not in one Hive layout"),
    ],
)
def test_a_folder_resource_that_cannot_be_read_says_why(project, change, message):
    data = project / "data"
    descriptor = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    traffic = descriptor["resources"][0]
    if change == "no-format":
        del traffic["format"]
    elif change == "empty":
        shutil.rmtree(data / "traffic")
        (data / "traffic").mkdir()
    elif change == "unknown-key":
        traffic["schema"]["fields"] = [f for f in traffic["schema"]["fields"] if f["name"] != "channel"]
        traffic["schema"]["primaryKey"] = ["date"]
    else:
        shutil.copy(_part(project, "京东"), data / "traffic" / "stray.parquet")
    (data / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(PackageError, match=re.escape(message)):
        DataPackage.load(data)


def test_a_part_linked_from_outside_the_package_is_refused(project, tmp_path):
    outside = tmp_path / "outside.parquet"
    shutil.copy(_part(project, "京东"), outside)
    _part(project, "京东", "part-9.parquet").symlink_to(outside)
    with pytest.raises(PackageError, match="leads outside"):
        DataPackage.load(project / "data")
