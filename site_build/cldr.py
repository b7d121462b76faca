"""What the Unicode CLDR (through Babel) says about writing numbers and money in a language.

``formats`` builds its rules from these facts, so 万 / 亿 in Chinese and
K / M / B in English come from the same data every other CLDR tool uses,
not from tables written by hand.
"""

from __future__ import annotations

import functools

from babel import Locale
from babel.core import get_global
from babel.numbers import get_currency_symbol, is_currency

#: compact units stop before this: a trillion is past any KPI, and 万亿 would be a new axis rule for every chart
LARGEST_UNIT = 1e12


@functools.cache
def compact_units(language: str) -> tuple[tuple[float, str], ...]:
    """(divisor, suffix) of the language's short compact units, smallest first: 万 亿 in zh, K M B in en."""
    patterns = Locale.parse(language).compact_decimal_formats["short"]["other"]
    units = []
    for magnitude, pattern in sorted(patterns.items(), key=lambda item: int(item[0])):
        text = pattern.pattern
        if text.count("0") != 1 or float(magnitude) >= LARGEST_UNIT:
            continue  # "00万" is the same unit as "0万"; a bare "0" is no unit
        suffix = text[text.rindex("0") + 1 :].replace("'", "")
        if suffix.strip():
            units.append((float(magnitude), suffix))
    return tuple(units)


def is_currency_code(code: str) -> bool:
    return len(code) == 3 and code.isalpha() and is_currency(code.upper())


@functools.cache
def currency_affixes(language: str, code: str) -> tuple[str, str]:
    """(before, after) the digits of an amount in ``code``: ('¥', '') in zh, ('$', '') in en, ('', ' €') in de."""
    pattern = Locale.parse(language).currency_formats["standard"].pattern.split(";")[0]
    symbol = get_currency_symbol(code.upper(), language)
    digits = [i for i, char in enumerate(pattern) if char in "#0"]
    before, after = pattern[: digits[0]], pattern[digits[-1] + 1 :]
    # after the digits, the decimals of the pattern (".00") are not an affix
    after = after.lstrip(".,0#")
    return before.replace("¤", symbol), after.replace("¤", symbol)


@functools.cache
def region_tag(language: str) -> str:
    """The language with its likely region, as d3 names its locales: 'zh-CN', 'en-US'."""
    likely = get_global("likely_subtags").get(language, language)
    parts = likely.split("_")
    region = next((p for p in parts[1:] if len(p) == 2 and p.isupper()), None)
    return f"{parts[0]}-{region}" if region else parts[0]
