"""The demo orders as Spark or Trino would write them: Hive-partitioned Parquet, one folder per month.

``partition(out_dir)`` rewrites ``orders.csv`` and ``order_items.csv`` of a
generated package as ``orders/month=2026-10/data_0.parquet`` and so on (order
items by the month of their order), points both resources at their folders
and adds ``month`` to their Table Schemas: the layout ``bench/bench_scale.py``
builds the handbook from, and a quick way to try partitioned resources.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from site_build.data.scanner import Scanner
from site_build.data.sql_names import literal
from tools.demodata import DemoDataError

#: the resources written as folders, with the SQL of their rows and their order's month
SOURCES = {
    "orders": "SELECT *, strftime(order_date, '%Y-%m') AS month FROM read_csv({orders}, header = true)",
    "order_items": (
        "SELECT i.*, strftime(o.order_date, '%Y-%m') AS month FROM read_csv({order_items}, header = true) AS i "
        "JOIN read_csv({orders}, header = true) AS o USING (order_id)"
    ),
}


def partition(out_dir: Path) -> dict[str, int]:
    """Rewrite the big fact tables of the package in ``out_dir`` as monthly partitions; return files per resource."""
    out = Path(out_dir)
    descriptor_path = out / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in descriptor["resources"]}
    csvs = {name: out / f"{name}.csv" for name in SOURCES}
    missing = [str(p) for p in csvs.values() if not p.is_file()]
    if missing:
        raise DemoDataError(f"{', '.join(missing)} not found: generate the CSV package first, then partition it.")
    files = {}
    with Scanner(memory_limit="2GB") as sx:
        for name, sql in SOURCES.items():
            staged = out / f".{name}.partitioning"
            shutil.rmtree(staged, ignore_errors=True)
            rows = sql.format(**{n: literal(str(p)) for n, p in csvs.items()})
            sx.execute(f"COPY ({rows}) TO {literal(str(staged))} (FORMAT parquet, PARTITION_BY (month))")
            folder = out / name
            if folder.exists():  # an earlier partitioned run
                shutil.rmtree(folder)
            staged.rename(folder)
            files[name] = sum(1 for _ in folder.rglob("*.parquet"))
            resource = resources[name]
            resource.update(path=name, format="parquet")
            for key in ("dialect", "encoding", "mediatype", "bytes", "hash"):
                resource.pop(key, None)
            fields = resource["schema"]["fields"]
            if not any(f["name"] == "month" for f in fields):
                fields.append({"name": "month", "type": "string", "title": "月份（分区）"})
    descriptor_path.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for path in csvs.values():  # only now: the folders and the descriptor that names them are in place
        path.unlink()
    return files
