"""The whole handbook at more orders: validation rate, cold and warm builds, peak RSS and site size.

For each scale (1 ≈ 100k orders, 10 ≈ 1M, 100 ≈ 10M) it writes the demo data
with ``python -m tools.demodata`` into a copy of the project, builds it cold
and warm in fresh processes, and again with orders and order_items as
Hive-partitioned Parquet by month (``--partitioned``). Every figure is printed
with its ratio to the first scale's build of the same layout, in the same run.

    .venv/bin/python bench/bench_scale.py [--scales 1 10 100] [--csv-only]

``make bench`` runs all three scales in both layouts (about 15 minutes), and
checks issue 14's targets at the largest: a cold build within 60 s and 2 GB
of peak RSS, a warm build within 1.2x of the first scale's, and built pages
within 10% of the first scale's bytes.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _project(dest: Path, scale: float, partitioned: bool) -> Path:
    for name in ("content", "macros"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    command = ["--seed", "42", "--scale", str(scale), "--out", str(dest / "data")]
    subprocess.run(
        [sys.executable, "-m", "tools.demodata", *command, *(["--partitioned"] if partitioned else [])],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    shutil.copy(ROOT / "data" / "metrics.yml", dest / "data" / "metrics.yml")
    return dest


def _build(project: Path) -> dict:
    """One build in a fresh process: seconds, peak RSS (MB), rows validated and their seconds."""
    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "site_build", "build"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"build failed in {project}:\n{done.stderr[-3000:]}")
    rss = int(done.stderr.strip().splitlines()[-1]) / 1024
    found = re.search(r"validate \d+ resources, ([\d,]+) rows .*? ([\d.]+) s", done.stderr)
    rows, checked = (int(found.group(1).replace(",", "")), float(found.group(2))) if found else (0, 0.0)
    queries = re.search(r"site_build: queries: .*\(([\d.]+) s in DuckDB\)", done.stderr)
    pages = re.search(r"site_build: pages: .*\(([\d.]+) s in macros", done.stderr)
    return {
        "seconds": seconds,
        "rss": rss,
        "rows": rows,
        "validation": checked,
        "queries": float(queries.group(1)) if queries else 0.0,
        "pages": float(pages.group(1)) if pages else 0.0,
    }


def _site_bytes(project: Path) -> int:
    return sum(p.stat().st_size for p in (project / "site").rglob("*.html"))


COLD_SECONDS, RSS_MB, WARM_RATIO, SIZE_RATIO = 60.0, 2048.0, 1.2, 1.1


def _verdict(met: bool) -> str:
    return "meets" if met else "misses"


def main(scales: list[float] | None = None, parquet: bool = True) -> None:
    scales = scales or [1.0, 10.0, 100.0]
    #: each layout's figures at the first scale: what its larger builds are measured against
    bases: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for scale in scales:
            for layout in ("csv", "parquet") if parquet else ("csv",):
                project = _project(Path(tmp) / f"s{scale}-{layout}", scale, partitioned=layout == "parquet")
                cold = _build(project)
                warm = _build(project)
                size = _site_bytes(project)
                rate = cold["rows"] / cold["validation"] if cold["validation"] else 0.0
                row = {"cold": cold["seconds"], "warm": warm["seconds"], "rss": cold["rss"], "size": size}
                base = bases.setdefault(layout, row)
                print(
                    f"scale {scale:g} {layout}: {cold['rows']:,} rows validated at {rate:,.0f}/s; "
                    f"cold {cold['seconds']:.1f} s ({cold['seconds'] / base['cold']:.2f}x), "
                    f"warm {warm['seconds']:.1f} s ({warm['seconds'] / base['warm']:.2f}x), "
                    f"peak RSS {cold['rss']:.0f} MB ({cold['rss'] / base['rss']:.2f}x), "
                    f"site {size / 1e6:.2f} MB ({size / base['size']:.2f}x)"
                )
                print(
                    f"  where the cold build goes: validation {cold['validation']:.1f} s, "
                    f"pages {cold['pages']:.1f} s (of which queries, loads included, {cold['queries']:.1f} s)"
                )
                if scale == max(scales) and scale > min(scales):
                    print(
                        f"  targets at scale {scale:g} {layout}: cold {_verdict(cold['seconds'] <= COLD_SECONDS)} "
                        f"<= {COLD_SECONDS:g} s, RSS {_verdict(cold['rss'] <= RSS_MB)} <= {RSS_MB:g} MB, "
                        f"warm {_verdict(warm['seconds'] <= WARM_RATIO * base['warm'])} <= {WARM_RATIO}x, "
                        f"site {_verdict(abs(size / base['size'] - 1) <= SIZE_RATIO - 1)} within 10%"
                    )
                shutil.rmtree(project)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0, 100.0])
    parser.add_argument("--csv-only", action="store_true", help="skip the partitioned-Parquet builds")
    args = parser.parse_args()
    main(args.scales, not args.csv_only)
