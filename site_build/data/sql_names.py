"""Quoting for SQL names and literals, shared by the engine, the scanner and the checks."""

from __future__ import annotations

import re
from collections.abc import Iterable


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_STRINGS_AND_COMMENTS = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/", re.S)
_WORDS = re.compile(r'"((?:[^"]|"")+)"|([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)')


def mentioned(sql: str, names: Iterable[str]) -> tuple[str, ...]:
    """Those of ``names`` that ``sql`` mentions as a word or quoted name outside strings and comments, sorted.

    A token scan, not a parse: a column or alias named like a resource counts too.
    """
    code = _STRINGS_AND_COMMENTS.sub(" ", sql).lower()
    words = {quoted.replace('""', '"') or bare for quoted, bare in _WORDS.findall(code)}
    return tuple(sorted(n for n in names if n.lower() in words))
