"""Time to publish one version, against a plain ``shutil.copytree`` of the same site.

The site is synthetic: ~500 Chinese pages of ~8 KB plus Material's own
assets (scripts, stylesheets, search workers), so the file mix resembles a
real build. Publishing pays for fsyncing every file and the atomic renames;
the baseline pays for neither. Also prints the size of the offline archive.
If ``site/build.json`` exists, the real build is measured too.

    .venv/bin/python bench/bench_publish.py [--runs 5] [--pages 500]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def synthetic_site(dest: Path, *, pages: int, salt: str) -> Path:
    """Write ``pages`` HTML pages, Material's assets and a build.json into ``dest``."""
    import material

    shutil.copytree(Path(material.__file__).parent / "templates/assets", dest / "assets")
    body = "<p>" + "渠道转化率与客单价共同决定了本月的 GMV 走势。" * 120 + "</p>"
    for i in range(pages):
        path = dest / (f"chapter{i % 20}/page{i}.html" if i else "index.html")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"<!DOCTYPE html><html><head><title>{i}</title></head><body>{body}</body></html>", encoding="utf-8"
        )
    combined = hashlib.sha256(salt.encode()).hexdigest()
    build = {
        "format": 1,
        "site_name": "电商运营战略手册",
        "version": f"2026.10.31-{combined[:6]}",
        "data_as_of": "2026-10-31",
        "built_at": "2026-10-31T00:00:00Z",
        "fingerprint": {"combined": combined},
        "kpis": {},
    }
    (dest / "build.json").write_text(json.dumps(build, ensure_ascii=False), encoding="utf-8")
    return dest


def _seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(site: Path, tmp: Path, runs: int) -> dict:
    """Median seconds of publish vs copytree over ``runs`` runs, each into a fresh tree; archive bytes."""
    from site_build.publish.archive import archive
    from site_build.publish.publishing import publish

    pub, copy = [], []
    for run in range(runs):
        pub.append(_seconds(lambda run=run: publish(site, tmp / f"public{run}")))
        copy.append(_seconds(lambda run=run: shutil.copytree(site, tmp / f"copy{run}")))
        shutil.rmtree(tmp / f"public{run}")
        shutil.rmtree(tmp / f"copy{run}")
    zipped = archive(site, tmp / "dist")
    files = sum(1 for p in site.rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    return {
        "files": files,
        "bytes": size,
        "publish": statistics.median(pub),
        "copytree": statistics.median(copy),
        "archive": zipped.stat().st_size,
    }


def _report(name: str, m: dict, runs: int) -> None:
    print(f"publish ({name}): {m['files']} files, {m['bytes'] / 1e6:.1f} MB, median of {runs} runs")
    print(f"  handbook publish   {m['publish']:.3f} s")
    print(f"  shutil.copytree    {m['copytree']:.3f} s (baseline)")
    print(f"  ratio              {m['publish'] / m['copytree']:.1f}x")
    print(f"  archive            {m['archive'] / 1e6:.2f} MB zip")


def main(runs: int = 5, pages: int = 500) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        site = synthetic_site(tmp / "site", pages=pages, salt="bench")
        _report(f"synthetic {pages} pages", measure(site, tmp, runs), runs)
        real = ROOT / "site"
        if (real / "build.json").is_file():
            _report("site/", measure(real, tmp, runs), runs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", type=int, default=500)
    args = parser.parse_args()
    main(args.runs, args.pages)
