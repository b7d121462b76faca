"""The engine's own words come from message catalogues, in the site's language."""

from __future__ import annotations

import re

import pytest

from site_build import i18n
from site_build.errors import ConfigError
from site_build.render import fragment

#: Chinese characters and punctuation (CJK symbols, ideographs, full-width forms)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def test_every_message_the_engine_uses_has_a_chinese_translation():
    assert i18n.used(), "no message ids found: the extraction is broken"
    assert i18n.missing("zh") == []


def test_a_message_without_a_translation_is_reported(tmp_path, monkeypatch):
    po = (i18n.LOCALES / "zh.po").read_text(encoding="utf-8")
    cut = po.replace('msgid "See the chapter"\nmsgstr "详见章节"\n', "")
    assert cut != po
    (tmp_path / "zh.po").write_text(cut, encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALES", tmp_path)
    assert i18n.missing("zh") == ["See the chapter"]


@pytest.mark.parametrize(
    ("code", "language"), [(None, "en"), ("en", "en"), ("en_US", "en"), ("zh", "zh"), ("zh-Hans", "zh"), ("ZH", "zh")]
)
def test_site_language_codes_pick_a_catalogue(code, language):
    assert i18n.language_of(code) == language


def test_a_language_without_a_catalogue_is_a_config_error_with_the_fix():
    with pytest.raises(ConfigError) as error:
        i18n.language_of("fr")
    message = str(error.value)
    assert "language 'fr'" in message and "en, zh" in message and "site_build/locales/fr.po" in message


def _failure_box() -> str:
    return fragment("failure.html", macro="kpi('x')", message="boom", page="index.md")


def test_fragments_speak_the_build_language():
    with i18n.use("zh"):
        assert "kpi(&#39;x&#39;) 出错" in _failure_box() and "页面：index.md" in _failure_box()
    with i18n.use("en"):
        english = _failure_box()
    assert "kpi(&#39;x&#39;) failed" in english and "Page: index.md" in english
    assert not CJK.search(english)


def test_data_in_a_message_is_escaped_for_html_and_markdown():
    with i18n.use("en"):
        html = fragment("failure.html", macro="<b>[x](javascript:alert(1))", message="m", page="p")
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert "[x]" not in html  # Markdown link syntax is neutralised too
