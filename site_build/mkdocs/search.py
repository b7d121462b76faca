"""Material's search entries for a page, kept in the build cache while the page is unchanged.

Indexing a page parses its HTML and cuts its Chinese text into words with
jieba: about a quarter of a warm build. A page's entries depend only on its
HTML, table of contents, URL, title and metadata, and on the search plugin's
settings and version, so a page whose inputs are all unchanged takes its
entries from the store instead.

The entries are also kept page by page, so that ``handbook serve`` can
re-index only the pages it rebuilt and write the index in the order a full
build writes it.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

from site_build.data.package import file_sha256
from site_build.data.store import Store

NAMESPACE = "search"


class PageEntries:
    """Each page's search entries, in the order the pages were indexed."""

    def __init__(self, index: Any):
        self.index = index
        self.pages: dict[str, list[dict]] = {}

    def reorder(self, urls: list[str]) -> None:
        """Make the index hold each page's latest entries, in the order of ``urls`` (a full build's order)."""
        self.index.entries = [entry for url in urls for entry in self.pages.get(url, [])]


def reuse_entries(plugin: Any, store: Store) -> PageEntries | None:
    """Keep ``plugin``'s (Material's search plugin) entries per page, served from ``store`` when it has them.

    None when the plugin is not the one this module knows.
    """
    index = getattr(plugin, "search_index", None)
    add = getattr(index, "add_entry_from_context", None)
    if index is None or add is None or not isinstance(getattr(index, "entries", None), list):
        return None
    settings = _settings(plugin)
    kept = PageEntries(index)

    def add_entry_from_context(page) -> None:
        key = Store.key(settings, page.url, page.title, page.meta, _toc(page.toc), page.content)
        entries = store.get_json(NAMESPACE, key, _entries) if store.enabled else None
        if entries is None:
            before = len(index.entries)
            add(page)
            entries = index.entries[before:]
            if store.enabled:
                store.put_json(NAMESPACE, key, entries)
        else:
            index.entries.extend(entries)
        kept.pages[page.url] = entries

    index.add_entry_from_context = add_entry_from_context
    return kept


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
