"""``python -m tools.demodata``: write the demo data package (run from the project root).

The generator lives outside the engine: it is the showcase's data source, not
part of what a team installs, and it does not count in the engine's fingerprint.
"""

from __future__ import annotations

from pathlib import Path

import click

from site_build.cli import handle_errors
from tools.demodata import check_target, generate


@click.command("demo-data")
@click.option(
    "--seed", type=int, default=42, show_default=True, help="Random seed; the same seed and scale give identical files."
)
@click.option(
    "--scale",
    type=float,
    default=1.0,
    show_default=True,
    help="1 ≈ 100,000 orders; 10 ≈ 1M; 100 ≈ 10M (for benchmarks, never commit).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="data",
    show_default=True,
    help="Folder to write the CSV files and datapackage.json into.",
)
@click.option("--force", is_flag=True, help="Write into a non-empty folder that does not hold earlier demo data.")
@click.option(
    "--partitioned",
    is_flag=True,
    help="Write orders and order_items as Hive-partitioned Parquet folders by month, as Spark or Trino would.",
)
@handle_errors
def demo_data(seed, scale, out_dir, force, partitioned):
    """Generate realistic demo data for the e-commerce strategy handbook.

    Writes about 24 months of orders, traffic, members, service tickets and
    more for a fictional smart-home brand, with a datapackage.json. Other
    files in the folder (such as metrics.yml) are left alone.

    \b
    Example:
      python -m tools.demodata --seed 42 --scale 1 --out data
      python -m tools.demodata --scale 10 --out /tmp/bench-data
      python -m tools.demodata --scale 100 --partitioned --out /tmp/big
    """
    import time

    check_target(out_dir, force=force)
    start = time.perf_counter()
    counts = generate(out_dir, seed=seed, scale=scale, progress=_report_rows)
    if partitioned:
        from tools.demodata.partitioned import partition

        for name, files in partition(out_dir).items():
            click.echo(f"  {name:<22} {files:>6} Parquet files in {out_dir / name}/month=…/", err=True)
    seconds = time.perf_counter() - start
    click.secho(
        f"Wrote {len(counts)} resources, {sum(counts.values()):,} rows to {out_dir}/ in {seconds:.1f} s",
        fg="green",
        err=True,
    )


def _report_rows(name: str, rows: int) -> None:
    click.echo(f"  {name:<22} {rows:>12,} rows", err=True)


if __name__ == "__main__":
    demo_data()
