"""Material's search entries for a page, kept in the build cache while the page is unchanged.

Indexing a page parses its HTML and cuts its Chinese text into words with
jieba: about a quarter of a warm build. A page's entries depend only on its
HTML, table of contents, URL, title and metadata, and on the search plugin's
settings and version, so a page whose inputs are all unchanged takes its
entries from the store instead.

The entries are also kept page by page, so that ``handbook serve`` can
re-index only the pages it rebuilt and write the index in the order a full
build writes it.

A page that changed is indexed again, but mostly in words seen before: a
new KPI value changes the page's text, not its runs of Chinese characters,
which are what Material hands jieba one by one. jieba's cut of each run is
kept too (``Words``), so such a page is indexed without loading jieba's
dictionary, 0.6 s of an edit's build here. A run it has not seen, a new
sentence say, is cut from a copy of jieba's dictionary in the store
(``dictionary``), again without loading it. The index is byte for byte the
one jieba alone gives.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

from site_build.data.package import file_sha256
from site_build.data.store import Store
from site_build.mkdocs.dictionary import Dictionary

NAMESPACE = "search"
WORDS = "words"
#: past this many runs the word table keeps only those of the last build that cut any
MAX_RUNS = 200_000


class PageEntries:
    """Each page's search entries, in the order the pages were indexed."""

    def __init__(self, index: Any, words: Words | None = None):
        self.index = index
        self.pages: dict[str, list[dict]] = {}
        self.words = words

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
    kept = PageEntries(index, Words.install(store, settings))

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


class Words:
    """jieba's cut of each run of Han characters Material indexes, kept in the store.

    It stands in for the ``jieba`` module in Material's search plugin, which
    only calls ``cut`` on one run at a time; a run it has not seen is cut
    from the store's copy of jieba's dictionary, or by jieba itself when the
    store has none yet.
    """

    def __init__(self, jieba: Any, store: Store, settings: list):
        self.jieba, self.store = jieba, store
        self.key = Store.key("jieba runs", settings)
        self.runs: dict[str, list[str]] = (store.get_json(WORDS, self.key, _runs) or {}) if store.enabled else {}
        self.used: set[str] = set()
        self.new = 0
        self.copy = Store.key("jieba dictionary", settings)
        self.dictionary = Dictionary.open(store.path(WORDS, self.copy))

    @classmethod
    def install(cls, store: Store, settings: list) -> Words | None:
        """Put a word table in place of ``jieba`` in Material's search plugin; None when it has no jieba."""
        try:
            from material.plugins.search import plugin as material_search
        except ImportError:
            return None
        jieba = getattr(material_search, "jieba", None)
        if isinstance(jieba, Words):
            jieba.save()
            jieba = jieba.jieba
        if jieba is None or not callable(getattr(jieba, "cut", None)):
            return None
        words = cls(jieba, store, settings)
        material_search.jieba = words
        return words

    def cut(self, run: bytes) -> list[str]:
        text = run.decode("utf-8")
        self.used.add(text)
        found = self.runs.get(text)
        if found is None:
            cut = self.dictionary.cut(text, self.jieba) if self.dictionary else list(self.jieba.cut(run))
            found = self.runs[text] = cut
            self.new += 1
        return found

    def save(self) -> None:
        """Store the table if this build cut new runs, and a copy of jieba's dictionary if it was loaded."""
        if self.new and self.store.enabled:
            if len(self.runs) > MAX_RUNS:
                self.runs = {text: self.runs[text] for text in self.used}
            self.store.put_json(WORDS, self.key, self.runs, ensure_ascii=False, separators=(",", ":"))
            self.new = 0
        loaded = getattr(getattr(self.jieba, "dt", None), "initialized", False)
        if loaded and self.dictionary is None and self.store.enabled:
            freq, total = self.jieba.dt.FREQ, self.jieba.dt.total
            self.store.put_file(WORDS, self.copy, lambda path: Dictionary.write(path, freq, total))
            self.dictionary = Dictionary.open(self.store.path(WORDS, self.copy))

    def __getattr__(self, name: str) -> Any:
        # Anything else Material may use (set_dictionary, load_userdict) is jieba's own.
        return getattr(self.jieba, name)


def _runs(value) -> dict[str, list[str]]:
    if not isinstance(value, dict) or not all(isinstance(v, list) for v in value.values()):
        raise TypeError("jieba's runs are not an object of lists")
    return value


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
