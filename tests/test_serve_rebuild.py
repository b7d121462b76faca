"""``handbook serve`` rebuilds only what an edit reaches, and the site it serves is never stale.

A real server in a subprocess serves a copy of the basic site; a second copy
gets the same edits and a clean ``handbook build`` after each. After every
edit (a chapter, a data row, the catalogue, the macros module) the served
files must equal the clean build's byte for byte, apart from the stamp: the
pages a partial rebuild did not touch keep the version id of the build that
wrote them. The log shows which edits were partial and which were full.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from tests.sitebuild import build, copy_site
from tests.test_serve import TODAY, Server, _free_port

#: the stamp: a version id such as 2025.11.03-e94c96
VERSION = re.compile(rb"(?:\d{4}\.\d{2}\.\d{2}|undated)-[0-9a-f]{6}")
SITE_URL = "http://127.0.0.1:{port}/"


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} no longer has {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


#: (what, edit of a project, what the server's log says about the rebuild)
EDITS = [
    ("chapter", lambda p: _append(p / "content" / "service.md", "\n作者新写的一段。\n"), "Rebuilt service.md in"),
    (
        "data row",
        lambda p: _replace(p / "data" / "traffic.csv", "2025-10-15,京东,250,45,", "2025-10-15,京东,250,47,"),
        # the pages that read traffic, and those that summarise every KPI; not the dictionary (no data)
        "Rebuilt index.md, changes.md, health.md, history.md, service.md, channels/jd.md, channels/tmall.md in",
    ),
    (
        "catalogue",
        lambda p: _replace(p / "data" / "metrics.yml", "owner:", "owner: 新负责人 #"),
        "A full build: data/metrics.yml changed.",
    ),
    (
        "macro",
        lambda p: _replace(p / "site_macros.py", 'title="工单数"', 'title="工单数量"'),
        "A full build: site_macros.py changed.",
    ),
]


def _project(path: Path, port: int) -> Path:
    project = copy_site("basic", path)
    # serve sets site_url to its own address; the clean build gets the same, for the same canonical links
    _append(project / "mkdocs.yml", f"site_url: {SITE_URL.format(port=port)}\n")
    return project


def _files(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): VERSION.sub(b"<version>", p.read_bytes())
        for p in site.rglob("*")
        if p.is_file()
    }


def _served_site(server: Server) -> Path:
    (site,) = server.tmp.glob("handbook-serve-*/site")
    return site


def _wait_for_reload(server: Server, count: int, timeout: float = 180) -> str:
    """Wait until the server has told the browsers to reload ``count`` times (once per rebuild); return the log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.process.poll() is None, f"the server exited:\n{server.log.read_text()}"
        log = server.log.read_text(encoding="utf-8")
        if log.count("Reloading browsers") >= count:
            return log
        time.sleep(0.3)
    raise AssertionError(f"the server did not rebuild {count} times:\n{server.log.read_text()}")


def test_the_served_site_equals_a_clean_build_after_each_kind_of_edit(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDBOOK_TODAY", TODAY)
    port = _free_port()  # first: both projects name it in site_url
    served = _project(tmp_path / "served", port)
    clean = _project(tmp_path / "clean", port)
    server = Server(served, port=port)
    try:
        server.wait_for("index.html", "hb-kpi")
        assert build(clean, today=TODAY).exit_code == 0
        assert _files(_served_site(server)) == _files(clean / "site"), "the first build already differs"
        for reloads, (what, edit, logged) in enumerate(EDITS, start=1):
            edit(served)
            edit(clean)
            log = _wait_for_reload(server, reloads)
            assert logged in log.split("Reloading browsers")[reloads - 1], f"after the {what} edit:\n{log}"
            result = build(clean, today=TODAY)
            assert result.exit_code == 0, result.output
            served_files, clean_files = _files(_served_site(server)), _files(clean / "site")
            differ = sorted(
                k for k in served_files.keys() | clean_files.keys() if served_files.get(k) != clean_files.get(k)
            )
            assert not differ, f"after the {what} edit, the served site differs from a clean build in {differ}"
    finally:
        server.stop()
