"""The chart module's Vega side: spec normalisation, axis formats, static SVGs, runtime files.

Only this module and ``charts`` import ``vl_convert``. The browser runtime
(Vega, Vega-Lite, vega-embed with its tooltip handler) is vl-convert's own
bundle, served from the site, never a CDN.
"""

from __future__ import annotations

import json
import logging
import re
import time
from concurrent.futures import Future
from functools import lru_cache
from importlib import resources

import vl_convert

from site_build import cldr, i18n
from site_build.data.store import NO_STORE, Store
from site_build.errors import ChartError
from site_build.formats import WHOLE, Rule, smallest_step, vega_expr
from site_build.i18n import N_, _
from site_build.render import fragment
from site_build.views import drawing
from site_build.views.context import ChartStats

# The package's stub leaves __version__ out.
_VL_CONVERT: str = vl_convert.__version__  # type: ignore[attr-defined]
log = logging.getLogger("handbook.charts")

#: width of the static fallback; its viewBox lets CSS scale it to the column
STATIC_WIDTH = 640
_ALTAIR_VIEW_DEFAULTS = {"continuousWidth": 300, "continuousHeight": 300}
_SVG_ID = re.compile(r'\bid="([^"]+)"')
_PLACEHOLDER = re.compile(r"<!--hb-svg (\d+)-->")
_TIME_UNITS: dict[str | None, str] = {"year": "utcyear", "month": "utcyearmonth", "day": "utcyearmonthdate"}
#: d3 time formats of date axes, message ids: "%Y年%-m月" in Chinese
_TIME_FORMATS: dict[str | None, str | None] = {"year": N_("%Y"), "month": N_("%b %Y"), "day": N_("%b %-d"), None: None}


#: how every chart reads: 12 px text, axis titles upright above the y axis (Chinese read sideways
#: is hard), legends above the plot (at the side they squeeze a phone's plot to a strip)
TYPOGRAPHY: dict[str, dict] = {
    "axis": {"labelFontSize": 12, "titleFontSize": 12, "titleFontWeight": "normal"},
    "axisY": {"titleAngle": 0, "titleAlign": "left", "titleBaseline": "bottom", "titleX": -32, "titleY": -8},
    "legend": {"orient": "top", "labelFontSize": 12, "titleFontSize": 12},
    "title": {"fontSize": 13},
}


def number_axis(fmt: str | None, *, whole: bool = False) -> dict:
    """Axis properties that label numbers in ``fmt`` exactly as cards and tables write them.

    The labels come from ``formats.vega_expr``, the same rule table as
    ``format_value`` (d3's format strings have no 万 / 亿 and trim differently).
    With no format, ``whole`` numbers read like a table's integers, others like ``number``.
    """
    rule: str | Rule = fmt if fmt is not None else WHOLE if whole else "number"
    # no tick finer than the labels can tell apart: no 0.5 of an order, no 0.5 of a whole yuan
    return {"labelExpr": vega_expr(rule), "tickMinStep": smallest_step(rule)}


def time_axis(grain: str | None) -> dict:
    """Axis properties for dates: Chinese labels, one tick per period when the grain is known."""
    axis: dict[str, object] = {"labelAngle": 0}
    time_format = _TIME_FORMATS.get(grain)
    if time_format:
        # no formatType: Vega formats in UTC because the scale is utc ("utc" here is dropped by Vega-Lite)
        axis["format"] = _(time_format)
    if grain in ("year", "month"):
        axis["tickCount"] = {"interval": grain, "step": 1}
    elif grain == "day":
        axis["tickMinStep"] = 86_400_000  # no ticks at noon between two days
    return axis


def time_unit(grain: str | None) -> str | None:
    """The UTC time unit that gives bars on a date axis one band per period."""
    return _TIME_UNITS.get(grain)


def locale() -> dict:
    """Vega's number and time locale of the build's language, embedded in every spec so browser and SVG agree.

    d3 names locales by region ('zh-CN', 'en-US'); one vl-convert lacks falls back to en-US.
    """
    return _locale(cldr.region_tag(i18n.current()))


@lru_cache(maxsize=8)
def _locale(tag: str) -> dict:
    try:
        # the stubs list the names vl-convert ships; an unknown one raises ValueError
        number = vl_convert.get_format_locale(tag)  # type: ignore[arg-type]
        return {"number": number, "time": vl_convert.get_time_format_locale(tag)}  # type: ignore[arg-type]
    except ValueError:
        return _locale("en-US")


def normalise(spec: dict, *, description: str | None = None) -> dict:
    """Return ``spec`` fit for a page: container width, zh-CN locale, a description.

    Altair 6 names params and views by a hash of their content (not a global
    counter), so the same chart gives the same names in every build.
    """
    spec = dict(spec)
    if description and not spec.get("description"):
        spec["description"] = description
    if not any(k in spec for k in ("hconcat", "vconcat", "concat", "facet", "repeat")):
        spec["width"] = "container"
        spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    config = dict(spec.get("config", {}))
    config.setdefault("locale", locale())
    for key, defaults in TYPOGRAPHY.items():  # the chart's own settings win, key by key
        config[key] = {**defaults, **config.get(key, {})}
    if config.get("view") == _ALTAIR_VIEW_DEFAULTS:
        del config["view"]  # Altair's default sizes; the width comes from the container
    spec["config"] = config
    return spec


def static_svg(spec: dict, *, chart_id: str, store: Store = NO_STORE, stats: ChartStats | None = None) -> str:
    """Return the chart drawn as SVG by vl-convert, ids prefixed so several can share a page.

    Rendered once per distinct spec: kept in the store's "svgs" namespace.
    ``stats``, if given, counts whether this one was drawn or taken from the store.
    """
    fixed = dict(spec)
    if fixed.get("width") == "container":
        fixed["width"] = STATIC_WIDTH
    text = json.dumps(fixed, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    key = Store.key(_VL_CONVERT, text)
    svg = store.get_text("svgs", key)
    if svg is None and stats is not None and stats.defer:
        if not isinstance(stats.drawings, Drawings):
            stats.drawings = Drawings(store)
        placeholder, new = stats.drawings.later(key, fixed, text, chart_id)
        # as when drawing at once: the same chart again is the stored drawing
        if new:
            stats.drawn += 1
        else:
            stats.stored += 1
        return placeholder
    if svg is None:
        started = time.perf_counter()
        svg = _convert(fixed, text)
        store.put_text("svgs", key, svg)
        log.debug("chart svg %s [fresh] %.0f ms", chart_id, (time.perf_counter() - started) * 1000)
        if stats is not None:
            stats.drawn += 1
    else:
        log.debug("chart svg %s [cached]", chart_id)
        if stats is not None:
            stats.stored += 1
    return _prefix_ids(svg, f"chart-{chart_id}-")


class Drawings:
    """Static SVGs being drawn in the workers (``drawing``) while the pages render.

    ``static_svg`` leaves a placeholder in the page for each chart the store
    does not hold; ``resolve`` waits for the drawings and puts them in, once
    every page has rendered. A chart vl-convert cannot draw becomes a failure
    notice on its page and a warning naming the page, as a failing macro does.
    """

    def __init__(self, store: Store = NO_STORE):
        self.store = store
        self._futures: dict[str, tuple[Future, dict, str, float]] = {}
        self._done: dict[str, str] = {}
        #: placeholder number -> (svg key, chart id)
        self._placed: list[tuple[str, str]] = []

    def later(self, key: str, spec: dict, text: str, chart_id: str) -> tuple[str, bool]:
        """(the placeholder for the page, whether this spec is new to the workers)."""
        new = key not in self._futures
        if not self._futures:
            start_bundle(self.store)
        if new:
            started = time.perf_counter()
            self._futures[key] = (drawing.submit("svg", spec, text, _vl_version()), spec, text, started)
        self._placed.append((key, chart_id))
        return f"<!--hb-svg {len(self._placed) - 1}-->", new

    def resolve(self, html: str, page: str) -> str:
        """``html`` with each placeholder replaced by its chart's SVG (ids prefixed, as ``static_svg`` does)."""

        def put(match: re.Match) -> str:
            key, chart_id = self._placed[int(match.group(1))]
            try:
                svg = self._drawn(key, chart_id)
            except ChartError as error:
                log.warning("%s: chart '%s' failed: %s", page, chart_id, error)
                return str(fragment("failure.html", macro=f"chart {chart_id}", message=str(error), page=page))
            return _prefix_ids(svg, f"chart-{chart_id}-")

        return _PLACEHOLDER.sub(put, html) if "<!--hb-svg " in html else html

    def _drawn(self, key: str, chart_id: str) -> str:
        if key in self._done:
            log.debug("chart svg %s [cached]", chart_id)
            return self._done[key]
        future, spec, text, started = self._futures[key]
        try:
            svg = future.result()
        except drawing.WorkerGone:  # the worker died (out of memory, killed): draw it here instead
            svg = _convert(spec, text, _vl_version())
        # submitted to drawn: in a worker, mostly while the pages rendered
        log.debug("chart svg %s [fresh] %.0f ms", chart_id, (time.perf_counter() - started) * 1000)
        self.store.put_text("svgs", key, svg)
        self._done[key] = svg
        return svg


def runtime_files(store: Store = NO_STORE) -> dict[str, bytes]:
    """Files the chart pages load, relative to the site's ``assets/handbook/`` folder.

    Bundling the Vega runtime takes vl-convert over a second, so the bundle is
    kept in the store's "bundles" namespace, keyed by the library versions.
    """
    root = resources.files("site_build.views").joinpath("assets")
    return {
        "javascripts/vega.js": _cached_bundle(store),
        "javascripts/charts.js": root.joinpath("javascripts/charts.js").read_bytes(),
        "stylesheets/charts.css": root.joinpath("stylesheets/charts.css").read_bytes(),
    }


def _bundle_key() -> str:
    # Keyed by Altair's release, which fixes the Vega-Lite version: importing Altair to ask costs 0.2 s
    from importlib.metadata import version

    return Store.key("vl-convert", _VL_CONVERT, "vega-lite for altair", version("altair"))


#: the bundle being made in a worker since the first chart of the build (``start_bundle``)
_pending: Future | None = None


def start_bundle(store: Store) -> None:
    """Start bundling the runtime in a worker, unless the store holds it: the pages render meanwhile.

    Bundled only at the end, after the pages, a cold build waited 1.9 s for it.
    """
    global _pending
    path = store.path("bundles", _bundle_key())
    if _pending is None and _bundle.cache_info().currsize == 0 and not (path and path.is_file()):
        _pending = drawing.submit("bundle", _vl_version())


def _cached_bundle(store: Store) -> bytes:
    key = _bundle_key()
    data = store.get_bytes("bundles", key)
    if data is None:
        data = _bundle()
        store.put_bytes("bundles", key, data)
    return data


@lru_cache(maxsize=1)
def _bundle() -> bytes:
    # The bundle declares top-level consts (`const n = …`); wrapped in a function
    # they cannot collide with another script's globals. Its last lines assign
    # window.vegaEmbed, window.vega and window.vegaLite.
    vega, embed = vl_convert.get_vega_version(), vl_convert.get_vega_embed_version()
    versions = f"vega {vega}, vega-lite {_vl_version()}, vega-embed {embed}, bundled by vl-convert {_VL_CONVERT}"
    head = f"/* {versions}. BSD-3-Clause, (c) University of Washington Interactive Data Lab. */\n"
    try:  # in a worker: V8 stays out of the build's process
        body = (_pending or drawing.submit("bundle", _vl_version())).result()
    except drawing.WorkerGone:
        body = _javascript_bundle(_vl_version())
    return (head + "(function () {\n" + body + "\n})();\n").encode()


def _javascript_bundle(vl_version: str) -> str:
    # The stub marks snippet required; left out, the bundle assigns the window globals we use.
    return vl_convert.javascript_bundle(vl_version=vl_version)  # type: ignore[call-arg]


@lru_cache(maxsize=1)
def _vl_version() -> str:
    """The Vega-Lite version Altair writes specs for, if vl-convert ships it."""
    import altair

    wanted = ".".join(altair.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    available = vl_convert.get_vegalite_versions()
    return wanted if wanted in available else available[-1]


def _convert(spec: dict, text: str, vl_version: str | None = None) -> str:
    try:
        return vl_convert.vegalite_to_svg(spec, vl_version=vl_version or _vl_version())
    except ValueError as error:
        cause = " ".join(line.strip() for line in str(error).splitlines()[:2])
        raise ChartError(
            f"vl-convert could not draw the chart: {cause}\nSpec: {text[:300]}…\nFix: check the chart's "
            "encodings against the Vega-Lite docs."
        ) from error


def _prefix_ids(svg: str, prefix: str) -> str:
    ids = _SVG_ID.findall(svg)
    for old in sorted(set(ids), key=len, reverse=True):
        svg = svg.replace(f'id="{old}"', f'id="{prefix}{old}"').replace(f"url(#{old})", f"url(#{prefix}{old})")
        svg = svg.replace(f'href="#{old}"', f'href="#{prefix}{old}"')
    # vega-embed's live SVG is the one tests and scripts look for as svg.marks
    return svg.replace('class="marks"', 'class="hb-chart__svg"', 1)
