"""Build time of the handbook against a plain `mkdocs build` of the same pages.

The baseline is measured in the same run: the same content/ and theme with
the handbook and macros plugins removed (macro calls stay as literal text).
Prints wall-clock seconds and ratios; each build runs in a fresh process.

    .venv/bin/python bench/bench_build.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _plain_config(tmp: Path) -> Path:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    # pymdownx slugify is a python/object tag: load unsafely, it is our own file.
    config = yaml.load(text, Loader=yaml.UnsafeLoader)
    config["plugins"] = [
        p
        for p in config["plugins"]
        if not (p == "handbook" or (isinstance(p, dict) and ("macros" in p or "handbook" in p)))
    ]
    config["docs_dir"] = str(ROOT / "content")
    config["strict"] = False
    path = tmp / "plain.yml"
    path.write_text(yaml.dump(config, allow_unicode=True), encoding="utf-8")
    return path


def _time(cmd: list[str], cwd: Path) -> float:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(runs: int = 3) -> None:
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        plain = _plain_config(tmp)
        cache = ROOT / ".handbook-cache"
        plain_t, cold_t, warm_t = [], [], []
        for _ in range(runs):
            plain_t.append(_time([py, "-m", "mkdocs", "build", "-q", "-f", str(plain), "-d", str(tmp / "plain")], ROOT))
            shutil.rmtree(cache, ignore_errors=True)
            cold_t.append(_time([py, "-m", "site_build", "build", "--site-dir", str(tmp / "cold")], ROOT))
            warm_t.append(_time([py, "-m", "site_build", "build", "--site-dir", str(tmp / "warm")], ROOT))
            plain_pages, handbook_pages = _pages(tmp / "plain"), _pages(tmp / "warm")
    p, c, w = (statistics.median(t) for t in (plain_t, cold_t, warm_t))
    # The plain build has no engine, so it cannot make the pages that come from page templates.
    print(
        f"build: median of {runs} runs; plain {plain_pages} pages, handbook {handbook_pages} pages "
        f"({handbook_pages - plain_pages} of them from page templates)"
    )
    print(f"  plain mkdocs build (baseline) {p:6.2f} s")
    print(f"  handbook build, cold cache    {c:6.2f} s  ratio {c / p:4.2f}x")
    print(f"  handbook build, warm cache    {w:6.2f} s  ratio {w / p:4.2f}x")


def _pages(site: Path) -> int:
    return sum(1 for page in site.rglob("*.html") if page.name != "404.html")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    main(parser.parse_args().runs)
