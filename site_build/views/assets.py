"""Static files the engine adds to every site, under ``assets/handbook/``.

The chart runtime (Vega, Vega-Lite, vega-embed) is written only when some
page has a chart, and only those pages load it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from site_build import i18n
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


def words() -> dict[str, str]:
    """The words the theme and the scripts write, in the build's language (they have no catalogue of ours)."""
    _ = i18n.gettext
    return {
        "data_as_of": _("Data as of"),
        "version": _("Version"),
        "choose_version": _("Version %(version)s, choose another version"),
        "latest": _("latest"),
        "chart_failed": _("The chart could not be drawn: "),
        "no_runtime": _("vegaEmbed did not load (assets/handbook/javascripts/vega.js)"),
        "wide_table": _("Scroll sideways to see every column →"),
        "download_csv": _("Download CSV"),
        "filter_rows": _("Filter the rows…"),
        "old_version": _("This is an older version, %(version)s (data as of %(date)s). "),
        "newest_version": _("Go to the newest version, %(version)s →"),
        "pdf": _("PDF"),
        "pdf_of": _("PDF of version %(version)s"),
    }
