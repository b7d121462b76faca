"""Reading a YAML file that comes from other systems (the KPI catalogue); see ``untrusted``.

PyYAML's safe loader, with every failure marked by its line, and refusals for
what it would crash on or get silently wrong: impossible dates, huge numbers,
deep nesting, alias bombs, a key given twice.
"""

from __future__ import annotations

import math

import yaml

from site_build.data.untrusted import MAX_DEPTH, MAX_DIGITS, MAX_VALUES, shorten, text_problem

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
