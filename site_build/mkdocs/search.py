"""Material's search entries for a page, kept in the build cache while the page is unchanged.

Indexing a page parses its HTML and cuts its Chinese text into words with
jieba: about a quarter of a warm build. A page's entries depend only on its
HTML, table of contents, URL, title and metadata, and on the search plugin's
settings and version, so a page whose inputs are all unchanged takes its
entries from the store instead.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

from site_build.data.package import file_sha256
from site_build.data.store import Store

NAMESPACE = "search"


def reuse_entries(plugin: Any, store: Store) -> bool:
    """Serve ``plugin``'s (Material's search plugin) page entries from ``store``; False when it cannot."""
    index = getattr(plugin, "search_index", None)
    add = getattr(index, "add_entry_from_context", None)
    if not store.enabled or index is None or add is None or not isinstance(getattr(index, "entries", None), list):
        return False
    settings = _settings(plugin)

    def add_entry_from_context(page) -> None:
        key = Store.key(settings, page.url, page.title, page.meta, _toc(page.toc), page.content)
        entries = store.get_json(NAMESPACE, key, _entries)
        if entries is not None:
            index.entries.extend(entries)
            return
        before = len(index.entries)
        add(page)
        store.put_json(NAMESPACE, key, index.entries[before:])

    index.add_entry_from_context = add_entry_from_context
    return True


def _settings(plugin: Any) -> list:
    """What else shapes the entries: the plugin's settings, the versions that index, the word lists."""
    config = dict(plugin.config)
    versions = [importlib.metadata.version(name) for name in ("mkdocs-material", "jieba")]
    dictionaries = []
    for option in ("jieba_dict", "jieba_dict_user"):
        path = Path(config.get(option) or "")
        if config.get(option) and path.is_file():
            dictionaries.append(file_sha256(path))
    return [config, versions, dictionaries]


def _toc(items) -> list:
    return [[item.id, item.title, item.url, _toc(item.children)] for item in items]


def _entries(value) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise TypeError("search entries are not a list of objects")
    return value
