"""Reading JSON and YAML files that come from other systems.

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

import yaml

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


# -- YAML ---------------------------------------------------------------------------------

# libyaml's loader when PyYAML was built with it (ten times faster on a large catalogue)
try:
    from yaml import CSafeLoader as _BASE
except ImportError:
    from yaml import SafeLoader as _BASE
_KINDS = {
    "timestamp": "a date",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "binary": "base64 data",
}


class _Unreadable(yaml.constructor.ConstructorError):
    """A scalar the safe loader cannot turn into a value, with its position."""


class _Loader(_BASE):
    """The safe loader, with every value's failure marked by its line."""

    def construct_object(self, node, deep=False):
        try:
            value = super().construct_object(node, deep)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as e:
            raise _Unreadable(None, None, _why_unreadable(node, e), node.start_mark) from None
        if isinstance(value, int) and abs(value) >= 10**MAX_DIGITS:
            raise _Unreadable(
                None,
                None,
                f"{shorten(node.value)} is a number with more than {MAX_DIGITS} digits. "
                "Write a smaller number, or quote it if it is text.",
                node.start_mark,
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise _Unreadable(
                None,
                None,
                f"{shorten(node.value)} is not a finite number. Write a number such as 0.3, or leave the key out.",
                node.start_mark,
            )
        if isinstance(value, str) and text_problem(value):
            raise _Unreadable(None, None, f"{shorten(value)} {text_problem(value)}", node.start_mark)
        return value

    def construct_mapping(self, node, deep=False):
        # Construct the plain values first, so a failure can name its key (target: .nan).
        for key, value in node.value:
            if isinstance(value, yaml.ScalarNode) and isinstance(key, yaml.ScalarNode):
                try:
                    self.construct_object(value)
                except _Unreadable as e:
                    e.problem = f"{key.value}: {e.problem}"
                    raise
        return super().construct_mapping(node, deep)

    def construct_undefined(self, node):
        # the catalogue holds plain values: a !!python/... tag is an attempt to run code
        raise _Unreadable(
            None,
            None,
            f"the tag {node.tag.replace('tag:yaml.org,2002:', '!!')!r} is not allowed: "
            "only plain text, numbers, dates, lists and mappings are. Remove the tag.",
            node.start_mark,
        )


_Loader.add_constructor(None, _Loader.construct_undefined)


def _why_unreadable(node, e: Exception) -> str:
    kind = _KINDS.get(node.tag.rsplit(":", 1)[-1], node.tag)
    text = shorten(node.value if isinstance(node.value, str) else "…")
    if "digits" in str(e):
        return (
            f"{text} is a number with {len(node.value.lstrip('-+')):,} digits. "
            f"Write a number with at most {MAX_DIGITS} digits, or quote it if it is text."
        )
    if kind == "a date":
        reason = f" ({e})" if isinstance(e, ValueError) else ""
        fix = "Write a real date as YYYY-MM-DD, or quote it if it is text."
        return f"{text} reads as a date but is not one{reason}. {fix}"
    return f"{text} cannot be read as {kind}. Quote it if it is text, or fix the value."


def load_yaml(text: str, where: str, error: type[Exception]):
    """(node tree, data) for one YAML document; the nodes give line numbers for later messages."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        _check_nodes(node, where, error)
        data = loader.construct_document(node) if node is not None else None
    except yaml.reader.ReaderError as e:
        # libyaml counts bytes, the Python reader characters
        if _BASE is yaml.SafeLoader:
            line = text[: e.position].count("\n") + 1
        else:
            line = text.encode()[: e.position].count(b"\n") + 1
        raise error(
            f"{where}:{line}: the character #x{e.character:04X} is not allowed in YAML ({e.reason}). "
            "Remove it; it often comes from a copy and paste."
        ) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f"{where}:{mark.line + 1}" if mark else where
        problem = getattr(e, "problem", None) or str(e)
        fix = "" if isinstance(e, _Unreadable) else ". Fix the syntax (check indentation and quotes)."
        raise error(f"{at}: {'' if isinstance(e, _Unreadable) else 'invalid YAML: '}{problem}{fix}") from None
    finally:
        loader.dispose()
    return node, data


def _check_nodes(root, where: str, error: type[Exception]) -> None:
    """Refuse deep nesting, alias loops and bombs, duplicate keys and keys that are not text.

    Aliases share nodes, so the walk visits each node once and sums the sizes
    its aliases expand to: a billion laughs is refused in milliseconds.
    """
    if root is None:
        return
    size: dict[int, tuple[int, int]] = {}  # id -> (values it expands to, levels it nests)
    open_: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            open_.discard(key)
            sizes = [size[id(c)] for c in children]
            size[key] = (1 + sum(s for s, _ in sizes), 1 + max((h for _, h in sizes), default=0))
            _check_size(node, *size[key], where, error)
            continue
        if key in size:
            continue
        if key in open_:
            raise error(
                f"{where}:{node.start_mark.line + 1}: a YAML alias here refers to the value that contains it, "
                "which never ends. Remove the alias."
            )
        if isinstance(node, yaml.MappingNode):
            _check_keys(node, where, error)
        open_.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children)


def _check_size(node, values: int, levels: int, where: str, error: type[Exception]) -> None:
    line = node.start_mark.line + 1
    if values > MAX_VALUES:
        raise error(
            f"{where}:{line}: this value expands to more than {MAX_VALUES:,} values through YAML aliases (*name). "
            "Write the values out, or use fewer aliases."
        )
    if levels > MAX_DEPTH:
        raise error(
            f"{where}:{line}: values nest more than {MAX_DEPTH} levels deep. "
            "The catalogue needs fewer than ten: remove the extra brackets or indentation."
        )


def _children(node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_keys(node, where: str, error: type[Exception]) -> None:
    seen: dict[str, int] = {}
    for key, _ in node.value:
        line = key.start_mark.line + 1
        if key.tag == "tag:yaml.org,2002:merge":
            continue
        if not isinstance(key, yaml.ScalarNode) or key.tag != "tag:yaml.org,2002:str":
            shown = (
                key.value
                if isinstance(key, yaml.ScalarNode)
                else "[…]"
                if isinstance(key, yaml.SequenceNode)
                else "{…}"
            )
            raise error(
                f"{where}:{line}: the key {shorten(shown)} is not text "
                f"(YAML reads it as {key.tag.rsplit(':', 1)[-1]}). Quote it, or use a plain name."
            )
        if key.value in seen:
            raise error(
                f"{where}:{line}: the key {shorten(key.value)} is given twice in the same entry "
                f"(first at line {seen[key.value]}); YAML would silently keep only the last. Keep one of them."
            )
        seen[key.value] = line
