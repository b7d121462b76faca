"""The chart-spec cache: normalised Vega-Lite specs kept in the store under keys that cover what shaped them.

A key holds Altair's release, the source of the modules that build specs, the
build's language and currency, and the chart's own inputs, so an upgrade, an
edit to the engine or a new language never reuses an old spec.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from site_build import i18n
from site_build.data.store import Store


def spec_key(*parts) -> str:
    # The language and currency choose the locale and words a spec embeds.
    return Store.key(_altair_version(), _shaping_source_hash(), i18n.current(), i18n.currency(), *parts)


@lru_cache(maxsize=1)
def _altair_version() -> str:
    from importlib.metadata import version

    return version("altair")


def cached_spec(store: Store, key: str, build: Callable[[], dict]) -> dict:
    cached = store.get_json("specs", key, _spec_object)
    if cached is not None:
        return cached
    built = build()
    store.put_json("specs", key, built, sort_keys=True)
    return built


def _spec_object(value) -> dict:
    if not isinstance(value, dict):
        raise TypeError("a cached chart spec is not an object")
    return value


@lru_cache(maxsize=1)
def _shaping_source_hash() -> str:
    """A change to how specs are built must not reuse specs cached by the old code."""
    from site_build import formats

    digest = hashlib.sha256()
    here = Path(__file__)
    shaping = ("specs.py", "charts.py", "history_chart.py", "vega.py")
    for module in (*(here.with_name(name) for name in shaping), Path(formats.__file__)):
        digest.update(module.read_bytes())
    return digest.hexdigest()


def code_of(function: Callable) -> str:
    """A hash of every Python file beside ``function``'s module (all of macros/), or a per-process stand-in."""
    import inspect

    try:
        folder = Path(inspect.getfile(function)).parent
        files = sorted(folder.rglob("*.py"))
    except (OSError, TypeError):
        files = []
    if not files:
        return f"unhashable {id(function)}"  # differs in every process: computed afresh
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
