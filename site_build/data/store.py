"""The build cache: one content-addressed store under ``cache_dir`` (``.handbook-cache/``).

Every namespace holds what one step of the build would otherwise redo::

    .handbook-cache/<namespace>/v<format>/<key[:2]>/<key>

A key is the sha256 of everything the cached value depends on (``Store.key``),
so an entry is never stale: changed inputs give another key. Each namespace
has a format version (``FORMATS``); bumping one moves that namespace to a new
folder and leaves the others warm.

Writes are atomic (``fsutil``), so concurrent builds share a store safely.
They are not synced to disk: a cold build wrote about 700 entries, and their
fsyncs cost it 0.6 s. A power cut may leave an entry empty, and an empty entry,
like any that cannot be read back (bad JSON, bad UTF-8, a shape its reader
rejects), is a miss and is removed. A write that fails, a full disk say, logs a
warning and the build goes on: a cache costs later builds time, never this
build its result. ``Store(None)`` is a disabled store: every read misses.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from site_build import fsutil
from site_build.errors import os_cause

log = logging.getLogger("handbook.store")

T = TypeVar("T")

#: namespace -> format version; bump one when what its entries hold, or how they are read, changes
FORMATS = {
    "queries": 3,  # QueryResult.to_json() of a query, and the view SQL its key covers (data/engine.py)
    "verdicts": 2,  # rows and findings of one resource's row checks (data/verdicts.py)
    "reports": 1,  # the whole validation report on an unchanged package (data/verdicts.py)
    "headers": 1,  # what frictionless read of one file's header: its columns, errors and dialect (data/verdicts.py)
    "fingerprints": 1,  # the (size, mtime) -> sha256 memo of data files (data/package.py)
    "specs": 1,  # normalised Vega-Lite specs of declared charts (views/charts.py)
    "svgs": 1,  # static SVGs drawn by vl-convert (views/vega.py)
    "bundles": 1,  # the Vega JavaScript runtime bundled by vl-convert (views/vega.py)
    "search": 1,  # Material's search entries of one page (mkdocs/search.py)
    "words": 1,  # jieba's cut of every run of Chinese the search index had, its dictionary (mkdocs/search.py)
    "offline": 1,  # the URLs a page loads from other hosts, by the page's bytes (views/offline.py)
    "templates": 1,  # Jinja's compiled templates: the theme's and the engine's (render.BytecodeCache)
}

#: what a reader may raise on an entry it cannot use: such an entry is a miss
CORRUPT = (OSError, ValueError, KeyError, TypeError, IndexError)


class Store:
    """A content-addressed cache rooted at ``root``; ``None`` disables it."""

    def __init__(self, root: str | os.PathLike | None, formats: dict[str, int] | None = None):
        self.root = Path(root) if root is not None else None
        self.formats = dict(FORMATS if formats is None else formats)

    @property
    def enabled(self) -> bool:
        return self.root is not None

    @staticmethod
    def key(*parts: Any) -> str:
        """The sha256 hex digest of ``parts`` as canonical JSON (sorted keys; other types by ``str``)."""
        blob = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def folder(self, namespace: str) -> Path | None:
        """The folder of ``namespace`` at its current format version (None when disabled)."""
        if namespace not in self.formats:
            raise KeyError(f"No cache namespace '{namespace}'. Known: {', '.join(sorted(self.formats))}.")
        return self.root / namespace / f"v{self.formats[namespace]}" if self.root is not None else None

    def path(self, namespace: str, key: str) -> Path | None:
        """Where the entry ``key`` of ``namespace`` lives (None when disabled)."""
        folder = self.folder(namespace)
        return folder / key[:2] / key if folder is not None else None

    def entries(self, namespace: str) -> list[Path]:
        """The files of ``namespace`` at its current format version, sorted (temporary files left out)."""
        folder = self.folder(namespace)
        if folder is None or not folder.is_dir():
            return []
        return sorted(p for p in folder.rglob("*") if p.is_file() and not fsutil.is_temp(p))

    # -- reading ------------------------------------------------------------------

    def get_bytes(self, namespace: str, key: str) -> bytes | None:
        """The bytes stored under ``key``, or None."""
        return self._read(namespace, key, lambda data: data)

    def get_text(self, namespace: str, key: str) -> str | None:
        """The UTF-8 text stored under ``key``, or None (also when it is not UTF-8)."""
        return self._read(namespace, key, lambda data: data.decode("utf-8"))

    def get_json(self, namespace: str, key: str, parse: Callable[[Any], T] | None = None) -> T | Any | None:
        """The JSON value stored under ``key``, through ``parse`` when given; None on a miss.

        ``parse`` turns the value into what the caller needs; when it raises one
        of ``CORRUPT`` the entry is treated as corrupt.
        """
        return self._read(namespace, key, lambda data: (parse or _same)(json.loads(data.decode("utf-8"))))

    def _read(self, namespace: str, key: str, decode: Callable[[bytes], T]) -> T | None:
        path = self.path(namespace, key)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError:
            return None  # unreadable (permissions, I/O): the value is computed again
        try:
            if not data:
                raise ValueError("empty entry")
            return decode(data)
        except CORRUPT:
            log.debug("cache entry %s is corrupt; removed", path)
            path.unlink(missing_ok=True)
            return None

    # -- writing ------------------------------------------------------------------

    def put_bytes(self, namespace: str, key: str, data: bytes) -> bool:
        """Store ``data`` under ``key``; return False when the store is disabled or the write failed."""
        return self._write(namespace, key, lambda path: fsutil.atomic_write_bytes(path, data, durable=False))

    def put_text(self, namespace: str, key: str, text: str) -> bool:
        return self._write(namespace, key, lambda path: fsutil.atomic_write_text(path, text, durable=False))

    def put_json(self, namespace: str, key: str, value: Any, **dumps: Any) -> bool:
        return self._write(namespace, key, lambda path: fsutil.atomic_write_json(path, value, durable=False, **dumps))

    def put_file(self, namespace: str, key: str, write: Callable[[Path], None]) -> bool:
        """Store what ``write(path)`` writes, atomically, at the entry's path (a file its own format needs)."""
        return self._write(namespace, key, write)

    def _write(self, namespace: str, key: str, write: Callable[[Path], None]) -> bool:
        path = self.path(namespace, key)
        if path is None:
            return False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write(path)
        except OSError as e:
            # A warning still fails a strict build, so the full disk is not missed.
            log.warning(
                "Could not write to the cache in %s: %s. The build goes on without it. "
                "Fix: free space on that disk, or point cache_dir in mkdocs.yml elsewhere.",
                self.root / namespace if self.root else None,
                os_cause(e),
            )
            return False
        return True


def _same(value: Any) -> Any:
    return value


#: the store of builds without a cache
NO_STORE = Store(None)
