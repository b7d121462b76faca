"""Read what vl-convert draws: the texts of an SVG, and Vega expressions evaluated by real Vega."""

from __future__ import annotations

import html
import re

import vl_convert

from site_build.views import vega

_TEXT = re.compile(r"<text\b[^>]*>(.*?)</text>", re.S)


def svg_texts(svg: str) -> list[str]:
    """Every <text> of ``svg``, unescaped, in drawing order."""
    return [html.unescape(t) for t in _TEXT.findall(svg)]


def evaluate(expr: str, values: list) -> list[str]:
    """``expr`` (an expression over ``datum.v``) evaluated by Vega for each value, as it would be drawn.

    One text mark per value, through a Vega-Lite ``calculate`` transform (what
    a tooltip or label would use), with the zh-CN locale the charts embed.
    Each text carries its row number, so the order of drawing does not matter.
    """
    spec = {
        "data": {"values": [{"i": i, "v": v} for i, v in enumerate(values)]},
        "transform": [{"calculate": f"'⟨' + datum.i + '⟩' + ({expr})", "as": "text"}],
        "mark": "text",
        "encoding": {
            "text": {"field": "text", "type": "nominal"},
            "y": {"field": "i", "type": "ordinal", "axis": None},
        },
        "config": {"locale": vega.locale()},
    }
    tagged = dict(_split(t) for t in svg_texts(vl_convert.vegalite_to_svg(spec)) if t.startswith("⟨"))
    return [tagged[str(i)] for i in range(len(values))]


def _split(text: str) -> tuple[str, str]:
    tag, _, rest = text[1:].partition("⟩")
    return tag, rest
