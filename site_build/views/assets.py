"""Static files the engine adds to every site, under ``assets/handbook/``.

The chart runtime (Vega, Vega-Lite, vega-embed) is written only when some
page has a chart, and only those pages load it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from site_build.data.store import NO_STORE, Store

PREFIX = "assets/handbook"
STYLESHEETS = [
    f"{PREFIX}/stylesheets/handbook.css",
    f"{PREFIX}/stylesheets/charts.css",
    f"{PREFIX}/stylesheets/versions.css",
]
# versions.js finds the site root by stripping its own path from its src: keep the path.
# page.js first: handbook.js and versions.js run their init through it.
SCRIPTS = [f"{PREFIX}/javascripts/{name}.js" for name in ("page", "handbook", "versions")]
CHART_SCRIPTS = [f"{PREFIX}/javascripts/vega.js", f"{PREFIX}/javascripts/charts.js"]
_STATIC = (
    "stylesheets/handbook.css",
    "stylesheets/charts.css",
    "stylesheets/versions.css",
    "javascripts/page.js",
    "javascripts/handbook.js",
    "javascripts/versions.js",
)


def static_files() -> dict[str, bytes]:
    """Files shipped in ``site_build/assets`` that every site gets."""
    root = resources.files("site_build.views").joinpath("assets")
    return {rel: root.joinpath(rel).read_bytes() for rel in _STATIC}


def write(site_dir: Path, *, charts: bool, store: Store = NO_STORE) -> list[str]:
    """Write the engine's assets into ``site_dir``; return the relative paths written."""
    files = static_files()
    if charts:
        from site_build.views.charts import runtime_files

        files.update(runtime_files(store))
    written = []
    for rel, data in sorted(files.items()):
        dest = Path(site_dir) / PREFIX / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        written.append(f"{PREFIX}/{rel}")
    return written
