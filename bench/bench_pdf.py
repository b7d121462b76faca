"""Time to print the shipped handbook to PDF (``handbook pdf``), against its warm build in the same run.

Both run as separate processes on a copy of the project: first a cold build
(an empty cache), then ``runs`` warm builds and ``runs`` PDFs; the PDF's
median is compared with both builds. Also prints the PDF's pages and size, and whether two PDFs were
byte-identical.

    .venv/bin/python bench/bench_pdf.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _timed(args: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "site_build", *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"handbook {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start, done.stdout


def main(runs: int = 3) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        project.mkdir()
        for name in ("content", "data", "macros"):
            shutil.copytree(ROOT / name, project / name)
        shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
        cold = _timed(["build"], project)[0]  # an empty cache: every query, chart and SVG
        builds = [_timed(["build"], project)[0] for _ in range(runs)]
        pdfs, outputs = [], []
        for n in range(runs):
            seconds, out = _timed(["pdf", "--dist", f"dist{n}", "--json"], project)
            pdfs.append(seconds)
            outputs.append(json.loads(out.strip().splitlines()[-1]))
        files = [project / o["pdf"] for o in outputs]
        same = len({f.read_bytes() for f in files}) == 1
        build, pdf = statistics.median(builds), statistics.median(pdfs)
        print(
            f"pdf: handbook pdf {pdf:.1f} s (median of {runs}); {pdf / cold:.2f}x the cold build ({cold:.1f} s), "
            f"{pdf / build:.2f}x the warm build ({build:.1f} s)"
        )
        print(
            f"pdf: {outputs[0]['pages']} pages, {outputs[0]['bytes'] / 1e6:.1f} MB, "
            f"byte-identical across runs: {'yes' if same else 'NO'}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    main(parser.parse_args().runs)
