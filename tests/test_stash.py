"""Macros' block HTML skips the Markdown converter and comes back where the macro stood."""

from __future__ import annotations

import markdown

from site_build.markup import Stash

CARD = '<div class="hb-kpi"><p>转化率 <b>22.7%</b></p>\n<table><tr><td>*not emphasis*</td></tr></table></div>'


def _convert(page: str) -> str:
    return markdown.markdown(page, extensions=["md_in_html", "attr_list", "tables", "admonition"])


def test_a_block_comes_back_whole_and_unconverted():
    stash = Stash()
    page = f"# 标题\n\n正文。\n\n{stash.put(CARD)}\n\n更多正文。\n"
    assert CARD not in page
    html = stash.restore(_convert(page))
    assert html == "<h1>标题</h1>\n<p>正文。</p>\n" + CARD + "\n<p>更多正文。</p>"


def test_blocks_on_adjacent_lines_are_one_paragraph_of_placeholders_and_come_back_as_blocks():
    stash = Stash()
    page = f"{stash.put(CARD)}\n{stash.put('<figure>图</figure>')}\n"
    assert stash.restore(_convert(page)) == CARD + "\n<figure>图</figure>"


def test_a_block_in_a_list_item_or_admonition_stays_in_it():
    stash = Stash()
    page = f"- 一项 {stash.put(CARD)}\n\n!!! note\n\n    {stash.put('<figure>图</figure>')}\n"
    html = stash.restore(_convert(page))
    assert f"<li>一项 {CARD}</li>" in html
    assert '<div class="admonition note">' in html and "<figure>图</figure>" in html


def test_inline_output_stays_in_the_text():
    stash = Stash()
    value = '<span class="hb-value">22.7%</span>'
    assert stash.put(value) == value


def test_page_text_cannot_name_a_placeholder():
    one, other = Stash(), Stash()
    token = one.put(CARD)
    # another stash (another page, another build) does not know the token, nor a guess at it
    assert other.restore(f"<p>{token}</p>") == f"<p>{token}</p>"
    assert one.restore("<p>hbstash000000000000x0x</p>") == "<p>hbstash000000000000x0x</p>"


def test_clear_forgets_the_previous_page():
    stash = Stash()
    stash.put(CARD)
    stash.clear()
    assert stash.restore("<p>nothing</p>") == "<p>nothing</p>"
