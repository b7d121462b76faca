"""Shared helpers for the publishing, archive and history tests.

``make_site`` writes a synthetic build (a few HTML pages + build.json) that
looks to the publisher and the version switcher like a real one, so these
tests do not depend on the MkDocs build. Browser tests use the shared
fixtures of tests/conftest.py and tests/browser.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from importlib import resources
from pathlib import Path

SITE_NAME = "电商运营战略手册"
ASSETS = "assets/handbook"

STATUS_KPIS = {
    "conversion_rate": {"label": "转化率", "format": "percent", "direction": "higher", "target": 0.3},
    "refund_rate": {"label": "退款率", "format": "percent", "direction": "lower", "target": 0.05},
    "gmv": {"label": "GMV", "format": "cny", "direction": "higher", "target": 1000000},
}

_PAGE = """<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>{title}</title>
<meta name="handbook-version" content="{version}">
<meta name="handbook-data-as-of" content="{as_of}">
<script type="application/json" id="hb-words">{words}</script>
{css}<link rel="stylesheet" href="{root}{assets}/stylesheets/versions.css">
</head><body>
<header class="md-header"><nav class="md-header__inner md-grid"><div class="md-header__title"><div class="md-header__ellipsis"><div class="md-header__topic"><span class="md-ellipsis">{site}</span></div></div></div></nav></header>
<main><h1>{title}</h1><p class="hb-stamp">版本 <code>{version}</code></p>{links}{filler}</main>
<script src="{root}{assets}/javascripts/page.js"></script>
<script src="{root}{assets}/javascripts/versions.js"></script>
</body></html>
"""


def _words() -> str:
    """The scripts' words as a Chinese build writes them into #hb-words."""
    import json

    from site_build import i18n
    from site_build.views.assets import words

    with i18n.use("zh"):
        return json.dumps(words(), ensure_ascii=False).replace("<", "\\u003c")


def kpi(kpi_id: str, value: float | None, status: str, display: str | None = None) -> dict:
    """One KPI entry of build.json, in the lead's format."""
    spec = STATUS_KPIS[kpi_id]
    return {
        **spec,
        "period": "2026-10",
        "value": value,
        "display": display or ("—" if value is None else str(value)),
        "status": status,
        "owner": "增长运营组",
    }


def make_site(
    dest: Path,
    *,
    as_of: str = "2026-10-31",
    salt: str = "a",
    pages=("index.html", "a.html"),
    kpis: dict | None = None,
    filler: int = 0,
    material_css: bool = False,
) -> dict:
    """Write a synthetic build into ``dest``; return its build.json.

    The version is derived from ``as_of`` and ``salt`` like the real one
    (data date + 6 hex of the combined fingerprint). ``filler`` adds that many
    bytes of text to every page (for big sites).
    """
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    combined = hashlib.sha256(f"{as_of}/{salt}/{sorted(pages)}".encode()).hexdigest()
    version = f"{as_of.replace('-', '.')}-{combined[:6]}"
    css = _material_css(dest) if material_css else ""
    for page in pages:
        depth = page.count("/")
        root = "../" * depth
        links = "".join(f'<a href="{root}{p}">{p}</a> ' for p in pages)
        html = _PAGE.format(
            title=page,
            version=version,
            as_of=as_of,
            root=root,
            assets=ASSETS,
            site=SITE_NAME,
            links=f"<nav>{links}</nav>",
            filler=f"<p>{'数据' * (filler // 6)}</p>" if filler else "",
            css=css.replace("ROOT/", root),
            words=_words(),
        )
        path = dest / page
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    _copy_asset("javascripts/page.js", dest)
    _copy_asset("javascripts/versions.js", dest)
    _copy_asset("stylesheets/versions.css", dest)
    build = {
        "format": 1,
        "site_name": SITE_NAME,
        "version": version,
        "data_as_of": as_of,
        "built_at": f"{as_of}T00:00:00Z",
        "fingerprint": {"combined": combined, "content": combined, "data": combined, "config": combined},
        "inputs": {},
        "tools": {"strategy-handbook": "0.1.0"},
        "kpis": kpis if kpis is not None else {"conversion_rate": kpi("conversion_rate", 0.251, "watch", "25.1%")},
    }
    (dest / "build.json").write_text(json.dumps(build, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
    return build


def big_site(dest: Path, *, salt: str, pages: int = 300, filler: int = 6000, as_of: str = "2026-10-31") -> dict:
    """A site of ``pages`` pages of ``filler`` bytes each, so a publish takes long enough to be killed mid-copy."""
    names = ["index.html", *(f"section{i % 10}/page{i}.html" for i in range(pages - 1))]
    return make_site(dest, as_of=as_of, salt=salt, pages=names, filler=filler)


def check_tree(public: Path) -> list[str]:
    """Problems with a publish tree (an empty list when it serves a complete state)."""
    problems = []
    listing = public / "versions.json"
    if not listing.exists():
        return ["versions.json missing"]
    try:
        entries = json.loads(listing.read_text(encoding="utf-8"))
    except ValueError as e:
        return [f"versions.json does not parse: {e}"]
    for entry in entries:
        folder = public / entry["version"]
        for required in ("build.json", "index.html"):
            if not (folder / required).is_file():
                problems.append(f"{entry['version']}/{required} missing")
        if folder.is_dir():
            build = json.loads((folder / "build.json").read_text(encoding="utf-8"))
            if build["fingerprint"]["combined"] != entry["properties"]["fingerprint"]:
                problems.append(f"{entry['version']}: fingerprint differs from versions.json")
    if entries and entries[0]["aliases"][:1] != ["latest"]:
        problems.append("newest entry lacks the latest alias")
    for version in versions_js(public):
        if not (public / version / "index.html").is_file():
            problems.append(f"versions.js lists {version}, which is not complete")
    target = re.search(r'url=([^"]+)"', (public / "index.html").read_text(encoding="utf-8"))
    if not target or not (public / target.group(1)).is_file():
        problems.append(f"index.html redirects to a missing page: {target and target.group(1)}")
    return problems


def versions_js(public: Path) -> list[str]:
    """The versions listed in public/versions.js."""
    text = (public / "versions.js").read_text(encoding="utf-8")
    match = re.search(r"^window.__HANDBOOK_VERSIONS__ = (.*);$", text, re.M)
    return [e["version"] for e in json.loads(match.group(1))]


def _copy_asset(rel: str, dest: Path) -> None:
    data = resources.files("site_build.views").joinpath("assets", rel).read_bytes()
    path = dest / ASSETS / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _material_css(dest: Path) -> str:
    """Copy Material's stylesheet into the site, so the switcher is tested with the real .md-version rules."""
    import material

    source = next((Path(material.__file__).parent / "templates/assets/stylesheets").glob("main.*.min.css"))
    target = dest / "assets/stylesheets" / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return f'<link rel="stylesheet" href="ROOT/assets/stylesheets/{source.name}">\n'


def env_for_child() -> dict:
    """Environment for a child Python that imports site_build from this checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1]) + os.pathsep + env.get("PYTHONPATH", "")
    return env
