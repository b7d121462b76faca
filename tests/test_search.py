"""Material's search index from known words: the same bytes as jieba's, without loading jieba's dictionary."""

from __future__ import annotations

import pytest
from material.plugins.search import plugin as material_search

from site_build.data.store import Store
from site_build.mkdocs.search import Words

BEFORE = "本月销售额 1,234,567 元，环比增长 3.2%；核心产品占比 41%，复购率 28%。"
# A data change: new numbers, the same runs of Chinese characters.
AFTER = "本月销售额 1,300,001 元，环比增长 5.9%；核心产品占比 39%，复购率 31%。"
# An edit of the prose: one new run.
EDITED = "本月销售额 1,300,001 元，作者补充了一段新的说明。"


@pytest.fixture
def jieba():
    """The real jieba module in Material's search plugin; what was there (a build's word table) afterwards."""
    import jieba as real

    before = material_search.jieba
    material_search.jieba = real
    yield real
    material_search.jieba = before


def _segment(text: str) -> str:
    return material_search.SearchIndex()._segment_chinese(text)


def test_a_changed_text_is_segmented_from_known_runs_as_jieba_does(jieba, tmp_path):
    expected = {text: _segment(text) for text in (BEFORE, AFTER, EDITED)}
    assert "\u200b" in expected[BEFORE]  # jieba did split the Chinese
    store = Store(tmp_path / "cache")
    first = Words.install(store, ["settings"])
    assert first is not None and material_search.jieba is first
    assert _segment(BEFORE) == expected[BEFORE]
    assert first.new == 5  # its five runs of Chinese characters
    first.save()

    # The next build: a fresh table from the store.
    second = Words.install(store, ["settings"])
    assert second is not None and second is not first and material_search.jieba is second
    assert _segment(AFTER) == expected[AFTER]
    assert second.new == 0  # every run was known: jieba was not asked
    assert _segment(EDITED) == expected[EDITED]
    assert second.new == 1


def test_other_settings_do_not_share_runs(jieba, tmp_path):
    store = Store(tmp_path / "cache")
    Words.install(store, ["one dictionary"])
    _segment(BEFORE)
    material_search.jieba.save()
    other = Words.install(store, ["another dictionary"])
    assert other is not None
    _segment(BEFORE)
    assert other.new == 5


def test_a_second_install_keeps_the_first_tables_runs_and_wraps_jieba_once(jieba, tmp_path):
    store = Store(tmp_path / "cache")
    first = Words.install(store, ["settings"])
    _segment(BEFORE)
    # handbook serve installs again before each rebuild, without a save in between if a build failed
    second = Words.install(store, ["settings"])
    assert second is not None and second.jieba is jieba
    _segment(BEFORE)
    assert first is not None and first.new == 0 and second.new == 0
