"""The demo data generator: deterministic, valid, realistic in shape, linear in size."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import frictionless
import pytest
from click.testing import CliRunner

from site_build.data.engine import QueryEngine
from site_build.data.package import DataPackage
from tools.demodata import DemoDataError, check_target, generate, is_demo_output
from tools.demodata.__main__ import demo_data

SMALL = 0.05  # about 5,000 orders: big enough for the seasonal peaks, generated in about a second


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo-small")
    return out, generate(out, seed=42, scale=SMALL)


@pytest.fixture(scope="module")
def engine(small):
    with QueryEngine(DataPackage.load(small[0])) as e:
        yield e


def test_same_seed_and_scale_give_identical_bytes(small, tmp_path):
    again = generate(tmp_path, seed=42, scale=SMALL)
    first = sorted(p.name for p in small[0].iterdir())
    assert first == sorted(p.name for p in tmp_path.iterdir())
    assert again == small[1]
    for name in first:
        assert (small[0] / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_another_seed_gives_other_data(small, tmp_path):
    generate(tmp_path, seed=7, scale=SMALL)
    assert (small[0] / "orders.csv").read_bytes() != (tmp_path / "orders.csv").read_bytes()


def test_tiny_sample_is_a_valid_frictionless_package(tmp_path):
    generate(tmp_path, seed=42, scale=0.01)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.flatten(["resource/name", "type", "note"]) == []
    assert report.valid


def test_descriptor_has_keys_titles_and_every_resource(small):
    descriptor = json.loads((small[0] / "datapackage.json").read_text(encoding="utf-8"))
    names = [r["name"] for r in descriptor["resources"]]
    assert names == list(small[1])
    for resource in descriptor["resources"]:
        assert resource["schema"]["primaryKey"], resource["name"]
        assert resource["title"] and all(f["title"] and f["description"] for f in resource["schema"]["fields"])
        header = (small[0] / resource["path"]).read_text(encoding="utf-8").split("\n", 1)[0]
        assert header.split(",") == [f["name"] for f in resource["schema"]["fields"]], resource["name"]
    fks = {
        r["name"]: [fk["reference"]["resource"] for fk in r["schema"].get("foreignKeys", [])]
        for r in descriptor["resources"]
    }
    assert fks["order_items"] == ["orders", "products"]
    assert fks["orders"] == ["customers", "campaigns"]


def test_data_covers_24_months_ending_on_end(engine):
    first, last = engine.query("SELECT min(order_date), max(order_date) FROM orders").rows[0]
    assert (first, last) == (dt.date(2024, 11, 1), dt.date(2026, 10, 31))
    assert engine.query("SELECT count(DISTINCT date_trunc('month', date)) FROM traffic").scalar() == 24


def test_618_and_double_11_are_peaks(engine):
    counts = dict(engine.query("SELECT strftime(order_date, '%Y-%m'), count(*) FROM orders GROUP BY 1").rows)
    assert counts["2025-11"] > 1.2 * max(counts["2025-10"], counts["2025-12"])
    assert counts["2026-06"] > 1.2 * max(counts["2026-05"], counts["2026-07"])
    assert counts["2025-06"] > 1.2 * max(counts["2025-05"], counts["2025-07"])


def test_weekly_cycle_weekends_busier(engine):
    by_day = dict(engine.query("SELECT isodow(order_date), count(*) FROM orders GROUP BY 1").rows)
    assert by_day[6] > by_day[1] and by_day[7] > by_day[2]


def test_channel_differences(engine):
    aov = dict(engine.query("SELECT channel, sum(amount) / count(*) FROM orders GROUP BY 1").rows)
    assert aov["拼多多"] == min(aov.values())
    first_pdd = engine.query("SELECT min(date) FROM traffic WHERE channel = '拼多多'").scalar()
    assert first_pdd > dt.date(2026, 1, 1)  # 拼多多 opens in month 4 of the plan
    douyin = dict(
        engine.query(
            "SELECT year(date), sum(sessions) FROM traffic WHERE channel = '抖音' AND month(date) BETWEEN 1 AND 10 GROUP BY 1"
        ).rows
    )
    assert douyin[2026] > 1.5 * douyin[2025]
    jd = dict(
        engine.query(
            "SELECT strftime(date, '%Y-%m'), sum(sessions) FROM traffic WHERE channel = '京东' GROUP BY 1"
        ).rows
    )
    assert jd["2026-10"] < jd["2026-08"] < jd["2026-06"]


def test_row_counts_scale_linearly(small, tmp_path):
    double = generate(tmp_path, seed=42, scale=2 * SMALL)
    for name in ("orders", "order_items", "customers", "points_ledger", "service_tickets"):
        assert 1.85 < double[name] / small[1][name] < 2.15, name
    assert 0.95 * 100_000 * SMALL < small[1]["orders"] < 1.05 * 100_000 * SMALL
    assert double["traffic"] == small[1]["traffic"]  # one row per channel and day at any scale
    assert double["products"] == small[1]["products"]


def test_end_moves_the_whole_story(tmp_path):
    generate(tmp_path, seed=1, scale=0.01, end=dt.date(2025, 6, 30))
    with QueryEngine(DataPackage.load(tmp_path)) as e:
        assert e.query("SELECT min(order_date), max(order_date) FROM orders").rows[0] == (
            dt.date(2023, 7, 1),
            dt.date(2025, 6, 30),
        )
        assert e.query("SELECT max(due_date) FROM plan_milestones").scalar() > dt.date(2025, 6, 30)


def test_refuses_a_folder_with_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(DemoDataError, match="not empty and does not hold earlier demo data.*--force"):
        check_target(tmp_path)
    check_target(tmp_path, force=True)


def test_accepts_earlier_output_and_a_lone_catalogue(tmp_path):
    (tmp_path / "metrics.yml").write_text("kpis: []\n")
    check_target(tmp_path)
    generate(tmp_path, seed=42, scale=0.01)
    assert is_demo_output(tmp_path)
    (tmp_path / "notes.txt").write_text("kept")
    check_target(tmp_path)
    assert (tmp_path / "metrics.yml").read_text() == "kpis: []\n"


def test_bad_scale_is_a_clear_error(tmp_path):
    with pytest.raises(DemoDataError, match="--scale must be greater than 0"):
        generate(tmp_path, scale=0)


def test_cli_writes_and_reports_progress(tmp_path):
    result = CliRunner().invoke(demo_data, ["--seed", "3", "--scale", "0.01", "--out", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert re.search(r"^  orders\s+[\d,]+ rows$", result.output, re.M)
    assert "Wrote 22 resources" in result.output
    assert json.loads((tmp_path / "d" / "datapackage.json").read_text(encoding="utf-8"))["generator"]["seed"] == 3


def test_cli_refuses_other_folders_with_exit_1(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = CliRunner().invoke(demo_data, ["--scale", "0.01", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "Refusing to overwrite it" in result.output


def test_partitioned_orders_validate_and_query_as_the_csv_did(tmp_path):
    from site_build.data.validation import validate

    out = tmp_path / "d"
    result = CliRunner().invoke(demo_data, ["--scale", "0.01", "--out", str(out), "--partitioned"])
    assert result.exit_code == 0, result.output
    assert re.search(r"^  orders\s+\d+ Parquet files in .*/orders/month=…/$", result.output, re.M)
    assert not (out / "orders.csv").exists() and not (out / "order_items.csv").exists()
    months = sorted(p.name for p in (out / "orders").iterdir())
    assert len(months) == 24 and months[0] == "month=2024-11" and months[-1] == "month=2026-10"
    package = DataPackage.load(out)
    assert package.resources["orders"].partition_keys == ("month",)
    report = validate(package)
    assert report.valid, report.to_text()
    plain = tmp_path / "plain"
    generate(plain, seed=42, scale=0.01)
    sql = (
        "SELECT count(*), sum(i.quantity * i.unit_price), count(DISTINCT o.customer_id) "
        "FROM order_items i JOIN orders o USING (order_id)"
    )
    with QueryEngine(package) as partitioned, QueryEngine(DataPackage.load(plain)) as csv:
        assert partitioned.query(sql).rows == csv.query(sql).rows
        assert partitioned.query("SELECT count(*) FROM orders WHERE month = '2026-10'").scalar() > 0
    # Run again on the same folder: the partitions are replaced, not added to.
    result = CliRunner().invoke(demo_data, ["--scale", "0.01", "--out", str(out), "--partitioned"])
    assert result.exit_code == 0, result.output
    assert validate(DataPackage.load(out)).stats["rows"]["orders"] == report.stats["rows"]["orders"]
