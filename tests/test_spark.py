"""From Spark to a handbook (issue 14), end to end: PySpark in local mode on this machine's Java.

A small raw event log goes through ``examples/spark/job.py``, which writes
daily aggregates partitioned by month. ``handbook validate`` passes on them,
and the example handbook builds with KPIs equal to the same figures computed
here from the raw log.
"""

import csv
import datetime as dt
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_build.cli import main
from tests.sitebuild import build

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "spark"
JAVA_HINT = "apt-get install -y openjdk-17-jre-headless"


def _events(path: Path) -> list[dict]:
    """Three months of views, carts and orders on two channels, seeded."""
    rng = random.Random(14)
    rows = []
    day = dt.date(2026, 8, 1)
    while day <= dt.date(2026, 10, 31):
        for channel in ("shop", "marketplace"):
            for n in range(rng.randint(20, 40)):
                ts = dt.datetime.combine(day, dt.time(9)) + dt.timedelta(minutes=n * 7)
                rows.append({"ts": ts.isoformat(sep=" "), "channel": channel, "event": "view", "amount": ""})
                if rng.random() < 0.3:
                    rows.append({"ts": ts.isoformat(sep=" "), "channel": channel, "event": "cart", "amount": ""})
                if rng.random() < 0.06:
                    amount = round(rng.uniform(20, 200), 2)
                    rows.append({"ts": ts.isoformat(sep=" "), "channel": channel, "event": "order", "amount": amount})
        day += dt.timedelta(days=1)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["ts", "channel", "event", "amount"])
        writer.writeheader()
        writer.writerows(rows)
    return rows


@pytest.fixture(scope="module")
def spark_handbook(tmp_path_factory):
    if shutil.which("java") is None:
        pytest.fail(f"PySpark needs Java 17, which is not installed: {JAVA_HINT}", pytrace=False)
    root = tmp_path_factory.mktemp("spark")
    project = root / "handbook"
    shutil.copytree(EXAMPLE / "handbook", project)
    rows = _events(root / "events.csv")
    job = subprocess.run(
        [sys.executable, str(EXAMPLE / "job.py"), str(root / "events.csv"), str(project / "data")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert job.returncode == 0, job.stderr[-3000:]
    return project, rows


def test_spark_writes_the_partitioned_aggregates_and_they_validate(spark_handbook):
    project, _ = spark_handbook
    folder = project / "data" / "daily_channel"
    assert sorted(d.name for d in folder.iterdir() if d.is_dir()) == ["month=2026-08", "month=2026-09", "month=2026-10"]
    assert (folder / "_SUCCESS").exists()  # Spark's marker, which the handbook leaves out
    result = CliRunner().invoke(main, ["validate", "--data", str(project / "data")])
    assert result.exit_code == 0, result.output
    assert "✓ valid: 1 resource" in result.output


def test_the_handbook_built_from_spark_shows_the_figures_of_the_raw_log(spark_handbook):
    project, rows = spark_handbook
    result = build(project, today="2026-11-05")
    assert result.exit_code == 0, result.output
    october = [r for r in rows if r["ts"].startswith("2026-10")]
    views = sum(1 for r in october if r["event"] == "view")
    orders = [r for r in october if r["event"] == "order"]
    kpis = json.loads((project / "site" / "build.json").read_text(encoding="utf-8"))["kpis"]
    assert kpis["conversion_rate"]["period"] == "2026-10"
    assert kpis["conversion_rate"]["value"] == pytest.approx(len(orders) / views)
    assert kpis["revenue"]["value"] == pytest.approx(sum(r["amount"] for r in orders))
    page = (project / "site" / "index.html").read_text(encoding="utf-8")
    assert "Conversion rate" in page and "marketplace" in page  # the cards, and the table by channel
