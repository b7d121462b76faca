"""What an author waits for: builds after an edit, against a plain `mkdocs build` of the same pages.

Works on a copy of the project in a temporary folder, with its own cache, so
the repository is never edited. Each round measures, in fresh processes:

    plain       `mkdocs build` with the handbook and macros plugins removed (the baseline)
    cold        the handbook with an empty cache (and its peak RSS)
    warm        again, nothing changed
    chapter     after appending a paragraph to one chapter
    data row    after changing one number in one row of data/traffic.csv

and prints the median seconds of each and its ratio to the plain build of the
same round. Issue 10's targets: warm <= 1.3x, chapter <= 1.5x, data row <= 2x,
cold <= 3x, cold peak RSS <= 475 MB.

Then the serve loop, wall seconds from saving a file to the server returning a
page that shows it (median of the edits): `handbook serve` against plain
`mkdocs serve --dirty` for a chapter edit (target <= 1.5x and under 1.5 s), and
`handbook serve` alone for one data row (target under 3 s).

    .venv/bin/python bench/bench_authoring.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_build import _plain_config  # noqa: E402

CHAPTER = Path("content/2-core/channels.md")
TRAFFIC = Path("data/traffic.csv")
TARGETS = {"warm": 1.3, "chapter": 1.5, "data row": 2.0, "cold": 3.0}
RSS_TARGET_MB = 475

#: runs one command and prints its peak RSS in kB: RUSAGE_CHILDREN of a fresh wrapper is that command's peak
_PEAK = "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
#: the build log's stage lines whose seconds say where an edit's build goes (mkdocs/stages.py)
STAGES = {
    "validation": re.compile(r"site_build: validate .* ([\d.]+) s$", re.M),
    "pages": re.compile(r"site_build: pages: .*\(([\d.]+) s in macros", re.M),
    "(of which queries)": re.compile(r"site_build: queries: .*\(([\d.]+) s in DuckDB\)", re.M),
    "charts": re.compile(r"site_build: charts: .*\(([\d.]+) s\)$", re.M),
    "search (Material)": re.compile(r"site_build: search: .*\(([\d.]+) s\)$", re.M),
    "output": re.compile(r"site_build: output: .*\(([\d.]+) s,", re.M),
}


def _copy_project(dest: Path) -> Path:
    for name in ("content", "data", "macros"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy2(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    return dest


def _run(cmd: list[str], cwd: Path, stages: dict[str, list[float]] | None = None) -> tuple[float, int]:
    """(wall seconds, peak RSS in kB) of ``cmd``; ``stages`` collects the build log's stage seconds."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _PEAK, *cmd], cwd=cwd, env=env, check=True, capture_output=True)
    seconds = time.perf_counter() - start
    if stages is not None:
        log = out.stderr.decode("utf-8", "replace")
        for name, pattern in STAGES.items():
            match = pattern.search(log)
            stages.setdefault(name, []).append(float(match.group(1)) if match else 0.0)
    return seconds, int(out.stdout.decode().split()[-1])


def _edit_chapter(project: Path, n: int) -> str:
    """Append a sentence to the chapter; return it."""
    # The number in Chinese digits: each edit brings a run of Chinese characters no build has cut into words.
    sentence = "作者的第" + "".join("〇一二三四五六七八九"[int(d)] for d in str(n)) + "次修改"
    with open(project / CHAPTER, "a", encoding="utf-8") as fh:
        fh.write(f"\n\n{sentence}。\n")
    return sentence


def _edit_row(project: Path, n: int) -> None:
    """One number in the last row of traffic.csv (its sessions), still valid data."""
    path = project / TRAFFIC
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[-1].split(",")
    cells[2] = str(int(cells[2]) + 1 + n)
    lines[-1] = ",".join(cells)
    path.write_text("".join(lines), encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _version(page: str) -> str:
    found = re.search(r'<meta name="handbook-version" content="([^"]+)"', page)
    return found.group(1) if found else ""


def _until(url: str, test, limit: float = 300) -> float:
    """Seconds until ``test(page text)`` holds for ``url``."""
    start = time.perf_counter()
    while not test(_get(url)):
        if time.perf_counter() - start > limit:
            raise RuntimeError(f"{url} never showed the edit within {limit:.0f} s")
        time.sleep(0.05)
    return time.perf_counter() - start


def _serve(cmd: list[str], cwd: Path, port: int, edits: list, page: str) -> list[float]:
    """Wall seconds from each edit (a function that returns the text to wait for) to ``page`` showing it."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    url = f"http://127.0.0.1:{port}/{page}"
    server = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _until(url, lambda text: "</html>" in text)
        time.sleep(2)  # let the watcher settle after the first build
        seconds = []
        for edit in edits:
            before = _version(_get(url))
            marker = edit()
            if marker:
                seconds.append(_until(url, lambda text, m=marker: m in text))
            else:  # a data edit: the page of the new version (its id covers the data)
                seconds.append(_until(url, lambda text, b=before: _version(text) not in ("", b)))
            time.sleep(1)
        return seconds
    finally:
        server.terminate()
        server.wait(timeout=30)


def serve_loop(project: Path, plain: Path, edits: int = 3) -> None:
    py = sys.executable
    chapter_page = CHAPTER.relative_to("content").with_suffix(".html").as_posix()

    def chapter_edit(n: int):
        def edit() -> str:
            return _edit_chapter(project, 100 + n)

        return edit

    def row_edit(n: int):
        def edit() -> None:
            _edit_row(project, 100 + n)

        return edit

    port = _free_port()
    plain_cmd = [py, "-m", "mkdocs", "serve", "--dirty", "-f", str(plain), "-a", f"127.0.0.1:{port}"]
    plain_s = _serve(plain_cmd, project, port, [chapter_edit(n) for n in range(edits)], chapter_page)
    port = _free_port()
    ours = [py, "-m", "site_build", "serve", "--dev-addr", f"127.0.0.1:{port}"]
    ours_s = _serve(ours, project, port, [chapter_edit(10 + n) for n in range(edits)], chapter_page)
    port = _free_port()
    ours = [py, "-m", "site_build", "serve", "--dev-addr", f"127.0.0.1:{port}"]
    row_s = _serve(ours, project, port, [row_edit(n) for n in range(edits)], "index.html")
    p, c, r = (statistics.median(t) for t in (plain_s, ours_s, row_s))
    print(f"serve: median of {edits} edits, save to page shown, wall")
    print(f"  plain mkdocs serve --dirty, chapter edit (baseline) {p:6.2f} s")
    verdict = "meets" if c / p <= 1.5 and c < 1.5 else "misses"
    print(
        f"  handbook serve, chapter edit                     {c:6.2f} s  ratio {c / p:4.2f}x  ({verdict} <= 1.5x and < 1.5 s)"
    )
    verdict = "meets" if r < 3 else "misses"
    print(f"  handbook serve, one data row                     {r:6.2f} s  ({verdict} < 3 s)")


def serve_only() -> None:
    """The serve loop alone, on a fresh copy: for working on the serve loop."""
    with tempfile.TemporaryDirectory() as tmp:
        project = _copy_project(Path(tmp) / "project")
        plain = _plain_config(Path(tmp))
        text = plain.read_text(encoding="utf-8").replace(str(ROOT / "content"), str(project / "content"))
        plain.write_text(text, encoding="utf-8")
        serve_loop(project, plain)


def main(runs: int = 3) -> None:
    py = sys.executable
    times: dict[str, list[float]] = {k: [] for k in ("plain", "cold", "warm", "chapter", "data row")}
    rss: list[int] = []
    stages: dict[str, dict[str, list[float]]] = {"chapter": {}, "data row": {}, "cold": {}}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        project = _copy_project(tmp / "project")
        plain = _plain_config(tmp)
        text = plain.read_text(encoding="utf-8").replace(str(ROOT / "content"), str(project / "content"))
        plain.write_text(text, encoding="utf-8")
        build = [py, "-m", "site_build", "build", "--no-strict", "--site-dir", str(tmp / "site")]
        for n in range(runs):
            times["plain"].append(
                _run([py, "-m", "mkdocs", "build", "-q", "-f", str(plain), "-d", str(tmp / "p")], project)[0]
            )
            shutil.rmtree(project / ".handbook-cache", ignore_errors=True)
            seconds, peak = _run(build, project, stages["cold"])
            times["cold"].append(seconds)
            rss.append(peak)
            times["warm"].append(_run(build, project)[0])
            _edit_chapter(project, n)
            times["chapter"].append(_run(build, project, stages["chapter"])[0])
            _edit_row(project, n)
            times["data row"].append(_run(build, project, stages["data row"])[0])
        serve_loop(project, plain)
    median = {k: statistics.median(v) for k, v in times.items()}
    print(f"authoring: median of {runs} runs, each in a fresh process, on a copy of the project")
    print(f"  plain mkdocs build (baseline)  {median['plain']:6.2f} s")
    for name in ("warm", "chapter", "data row", "cold"):
        ratio = median[name] / median["plain"]
        verdict = "meets" if ratio <= TARGETS[name] else "misses"
        print(
            f"  handbook, {name:<9}            {median[name]:6.2f} s  ratio {ratio:4.2f}x  ({verdict} <= {TARGETS[name]}x)"
        )
    print("  where an edit's build goes (median seconds of the build log's stages):")
    for name, seen in stages.items():
        parts = ", ".join(f"{stage} {statistics.median(v):.2f}" for stage, v in seen.items())
        search = statistics.median(seen.get("search (Material)", [0.0]))
        print(
            f"    {name:<9} {parts}; without Material search's {search:.2f} s: {(median[name] - search) / median['plain']:.2f}x"
        )
    peak = max(rss) / 1024
    verdict = "meets" if peak <= RSS_TARGET_MB else "misses"
    print(f"  cold build peak RSS            {peak:6.0f} MB ({verdict} <= {RSS_TARGET_MB} MB)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serve-only", action="store_true", help="measure only the serve loop")
    args = parser.parse_args()
    serve_only() if args.serve_only else main(args.runs)
