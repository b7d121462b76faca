"""Reading JSON and YAML files that come from other systems (YAML itself: ``untrusted_yaml``).

The descriptor and the KPI catalogue are written by exports and other teams'
tools, so their bytes are untrusted: any encoding, any nesting, any number.
These readers return plain data or raise the caller's ``HandbookError``
subclass with the file, the line (or key) and the fix. They refuse what the
parsers would crash on (impossible dates, 5,000-digit numbers, deep nesting),
what they would silently get wrong (a key given twice), what later steps
cannot use (NaN, infinity, half a UTF-16 pair) and alias bombs.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable

#: deeper than any descriptor or catalogue needs (they use under ten levels), far below a crash
MAX_DEPTH = 32
#: enough for any real value; Python refuses to read integers past 4,300 digits
MAX_DIGITS = 100
#: values a YAML file may expand to through aliases; the shipped catalogue has about 5,000
MAX_VALUES = 200_000

_BOM = b"\xef\xbb\xbf"
#: control characters other than tab and newlines: invisible in an editor, and ESC rewrites a terminal
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def decode(raw: bytes, where: str, error: type[Exception], *, bom: bool) -> str:
    """``raw`` as text; UTF-8 only, with a byte-order mark only when ``bom`` allows it."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error(f"{where}: the file is UTF-16. Save it as UTF-8{'' if bom else ' without a byte-order mark'}.")
    if raw.startswith(_BOM):
        if not bom:
            # frictionless refuses the mark too; saying so here names the fix
            raise error(f"{where}: the file starts with a UTF-8 byte-order mark (BOM). Save it as UTF-8 without BOM.")
        raw = raw[len(_BOM) :]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise error(
            f"{where}:{line}: byte 0x{raw[e.start]:02X} is not UTF-8 ({e.reason}). "
            "The file was saved in another encoding (such as GBK or Latin-1): save it as UTF-8."
        ) from None


def shorten(value, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def join(at: str, key) -> str:
    """The key path ``at`` extended by ``key``: ``resources[3]``, ``resources[3].path``, ``x['a b']``."""
    if isinstance(key, int):
        return f"{at}[{key}]"
    if not key.isidentifier():
        return f"{at}[{key!r}]"
    return f"{at}.{key}" if at else key


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be shown or written safely, or None."""
    bad = _CONTROL.search(text)
    if bad:
        return (
            f"contains the control character U+{ord(bad.group()):04X}. "
            "Remove it; it usually comes from a broken export or a copy and paste."
        )
    if not _encodable(text):
        return (
            "holds half of a UTF-16 pair (a \\ud800-\\udfff escape), which cannot be written as UTF-8. "
            "Remove the escape."
        )
    return None


# -- JSON ---------------------------------------------------------------------------------


def load_json(text: str, where: str, error: type[Exception]):
    """Parse ``text``; refuse deep nesting, unusable numbers, duplicated keys and lone surrogates."""
    deep = _too_deep(text)
    if deep is not None:
        line = text.count("\n", 0, deep) + 1
        raise error(
            f"{where}:{line}: brackets nest more than {MAX_DEPTH} levels deep. "
            "A descriptor needs fewer than ten: remove the extra brackets."
        )
    try:
        data = json.loads(
            text,
            parse_constant=_Unusable.constant,
            parse_float=_Unusable.float,
            parse_int=_Unusable.int,
            object_pairs_hook=_object,
        )
    except json.JSONDecodeError as e:
        raise error(f"{where}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}. Fix the syntax and build again.") from None
    found = _first_unusable(data)
    if found:
        raise error(f"{where}: {found[0] or 'the top level'} {found[1]}")
    return data


def _too_deep(text: str) -> int | None:
    """The offset where brackets nest deeper than MAX_DEPTH (json would recurse until it crashes)."""
    depth = 0
    for m in _TOKEN.finditer(text):
        token = m.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return m.start()
        elif token in "]}":
            depth -= 1
    return None


class _Unusable:
    """A JSON value Python reads but nothing downstream can use; reported with its key path."""

    def __init__(self, problem: str):
        self.problem = problem

    @classmethod
    def constant(cls, text: str):
        return cls(f"is {text}, which is not a number in JSON. Write a finite number, or leave the key out.")

    @classmethod
    def float(cls, text: str):
        value = float(text)
        return (
            value
            if math.isfinite(value)
            else cls(f"is {shorten(text)}, too large to be a number. Write a smaller number.")
        )

    @classmethod
    def int(cls, text: str):
        digits = len(text.lstrip("-"))
        return (
            int(text)
            if digits <= MAX_DIGITS
            else cls(f"is a number with {digits:,} digits. Write a number with at most {MAX_DIGITS} digits.")
        )


class _Duplicated(dict):
    """An object that had a key twice: JSON readers silently keep one of the values."""

    key = ""


def _object(pairs: list[tuple]) -> dict:
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    dup = _Duplicated(out)
    dup.key = _first_repeat(k for k, _ in pairs)
    return dup


def _first_repeat(keys: Iterable[str]) -> str:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            return key
        seen.add(key)
    raise ValueError("no key repeats")


def _first_unusable(data) -> tuple[str, str] | None:
    """(key path, problem) of the first unusable value, in document order."""
    stack = [("", data)]
    while stack:
        at, value = stack.pop()
        if isinstance(value, _Unusable):
            return at, value.problem
        if isinstance(value, _Duplicated):
            return at, f"has the key {value.key!r} twice; one of the values would be silently lost. Keep one of them."
        if isinstance(value, str) and text_problem(value):
            return at, f"{shorten(value)} {text_problem(value)}"
        if isinstance(value, dict):
            bad = next((k for k in value if text_problem(k)), None)
            if bad is not None:
                return at, f"has the key {shorten(bad)}, which {text_problem(bad)}"
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        stack.extend(reversed([(join(at, k), v) for k, v in items]))
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
