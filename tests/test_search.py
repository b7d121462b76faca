"""Material's search index from known words: the same bytes as jieba's, without loading jieba's dictionary."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from material.plugins.search import plugin as material_search

from site_build.data.store import Store
from site_build.mkdocs.dictionary import Dictionary
from site_build.mkdocs.search import Words

ROOT = Path(__file__).resolve().parent.parent

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


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    """jieba's dictionary, loaded, and a copy of it in SQLite."""
    import jieba

    jieba.initialize()
    path = tmp_path_factory.mktemp("dictionary") / "jieba.sqlite"
    Dictionary.write(path, jieba.dt.FREQ, jieba.dt.total)
    dictionary = Dictionary.open(path)
    assert dictionary is not None
    yield jieba, dictionary
    dictionary.close()


def test_the_longest_words_are_cut_from_the_copy_as_jieba_cuts_them(copy):
    jieba, dictionary = copy
    # 16 characters, the dictionary's longest entry; then shorter long ones, in longer runs
    runs = ["侵华日军南京大屠杀遇难同胞纪念馆的发展", "中华人民共和国成立了", "社会主义市场经济体制改革"]
    assert [dictionary.cut(run, jieba) for run in runs] == [list(jieba.cut(run)) for run in runs]
    assert dictionary.cut(runs[0], jieba)[0] == "侵华日军南京大屠杀遇难同胞纪念馆"


def test_every_run_of_the_handbook_is_cut_from_the_copy_as_jieba_cuts_it(copy):
    jieba, dictionary = copy
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "content").rglob("*.md")))
    runs = sorted(set(re.findall(r"[\u3400-\u9fff]+", text)))
    assert len(runs) > 500
    assert [dictionary.cut(run, jieba) for run in runs] == [list(jieba.cut(run)) for run in runs]


#: the commonest Chinese characters, so that random runs hold real words
_HAN = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所"
    "民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日"
    "那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想"
    "已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
    "几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权"
    "收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集"
    "温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支"
    "般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属"
    "圆包火住调满县局照参红细引听该铁价严龙飞"
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(run=st.text(alphabet=_HAN, min_size=1, max_size=40))
def test_any_run_is_cut_from_the_copy_as_jieba_cuts_it(copy, run):
    jieba, dictionary = copy
    assert dictionary.cut(run, jieba) == list(jieba.cut(run))


_FRESH_BUILD = """
import json, sys
from material.plugins.search import plugin as material_search
from site_build.data.store import Store
from site_build.mkdocs.search import Words
words = Words.install(Store(sys.argv[1]), ["settings"])
text = material_search.SearchIndex()._segment_chinese(sys.argv[2])
print(json.dumps([text, words.new, words.dictionary is not None, material_search.jieba.jieba.dt.initialized]))
"""


def test_a_build_after_one_that_loaded_jieba_cuts_new_words_without_loading_it(jieba, tmp_path):
    expected = _segment(EDITED)
    store = Store(tmp_path / "cache")
    first = Words.install(store, ["settings"])
    assert first is not None and first.dictionary is None
    _segment(BEFORE)
    first.save()  # jieba is loaded in this process: the copy is written
    assert first.dictionary is not None

    # A fresh process, as the next `handbook build` is: a new sentence, and jieba's dictionary stays unloaded.
    done = subprocess.run(
        [sys.executable, "-c", _FRESH_BUILD, str(tmp_path / "cache"), EDITED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    text, new, copied, loaded = json.loads(done.stdout)
    assert (text, new, copied, loaded) == (expected, 1, True, False)
