"""The catalogue file (``metrics.yml``): read as untrusted YAML and checked against its JSON Schema.

Every schema problem is reported in one error, each with its line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from functools import lru_cache
from importlib import resources as importlib_resources
from pathlib import Path

import jsonschema
import yaml

from site_build.data import untrusted, untrusted_yaml
from site_build.errors import CatalogueError

#: catalogues parsed and checked against the schema in this process, by path and content:
#: ``handbook serve`` parses one again only when it changed (0.2 s of each data edit's rebuild)
_CHECKED: dict[tuple[str, str], tuple] = {}


def checked_yaml(path: Path):
    """(nodes, data) of the catalogue, checked against the schema."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise CatalogueError(f"{rel(path)}: cannot read: {e.strerror}. Check that it is a readable file.") from None
    key = (str(path.resolve()), hashlib.sha256(raw).hexdigest())
    if key not in _CHECKED:
        node, data = _read_yaml(path, raw)
        _check_schema(path, node, data)
        if len(_CHECKED) >= 8:
            _CHECKED.clear()
        _CHECKED[key] = (node, data)
    return _CHECKED[key]


def _read_yaml(path: Path, raw: bytes):
    """(nodes, data) of the catalogue; the file comes from other teams, so see ``untrusted``."""
    # Notepad and Excel write a byte-order mark; YAML allows it
    text = untrusted.decode(raw, rel(path), CatalogueError, bom=True)
    node, data = untrusted_yaml.load_yaml(text, rel(path), CatalogueError)
    return node, {} if data is None else data


@lru_cache(maxsize=1)
def schema() -> dict:
    text = (
        importlib_resources.files("site_build.kpis").joinpath("schemas/metrics.schema.json").read_text(encoding="utf-8")
    )
    return json.loads(text)


def _check_schema(path: Path, node, data) -> None:
    """Every schema problem of the catalogue in one error, in file order, each with its line."""
    validator = jsonschema.Draft202012Validator(schema())
    places: dict[tuple, list] = {}
    for error in validator.iter_errors(data):
        places.setdefault(tuple(error.absolute_path), []).append(error)
    if not places:
        return
    found = []
    for group in places.values():
        error = jsonschema.exceptions.best_match(group)  # several for one place: the branches of an anyOf
        where = list(error.absolute_path)
        line = line_of(node, where)
        found.append((line, f"{rel(path)}:{line}: {_entry_name(data, where)}{_explain(error)}"))
    messages = [message for _, message in sorted(found, key=lambda item: item[0])]
    if len(messages) == 1:
        raise CatalogueError(messages[0])
    raise CatalogueError(f"{len(messages)} problems in {rel(path)}:\n" + "\n".join(messages))


def _explain(error) -> str:
    if error.validator == "required":
        return f"missing required key. {error.message}. See README 'KPI catalogue' for every key."
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        return f"{error.message}. Allowed keys: {', '.join(allowed)}."
    if error.validator == "enum":
        return f"{error.instance!r} is not allowed. Choose one of: {', '.join(map(str, error.validator_value))}."
    if (error.validator == "oneOf" and "kpi" in str(error.schema_path)) or error.validator == "oneOf":
        return (
            "define either resource + expression (+ optional filter and dimensions), or sql — "
            "not both, and not neither. An sql KPI has no dimensions: slice it in its sql."
        )
    if error.validator == "pattern":
        return f"{error.instance!r} does not match the expected form {error.validator_value}."
    if error.validator == "type" and error.validator_value in _EXPECTED:
        expected, fix = _EXPECTED[error.validator_value]
        return f"{untrusted.shorten(error.instance)} is {_kind(error.instance)}, but it must be {expected}. {fix}"
    # messages quote the whole value: keep a pasted table from filling the screen
    return (error.message if len(error.message) <= 300 else error.message[:299] + "…") + "."


_EXPECTED = {
    "string": ("text", "Quote it if YAML reads it as something else (a date, a number, true/false)."),
    "number": ("a number", "Write a plain number such as 0.3, without units or quotes."),
    "integer": ("a whole number", "Write a whole number such as 12."),
    "array": ("a list", "Write one entry per line, each starting with '- '."),
    "object": ("a mapping", "Write 'key: value' lines indented under it."),
}


def _kind(value) -> str:
    kinds = [
        (bool, "true/false"),
        (int, "a number"),
        (float, "a number"),
        (str, "text"),
        (list, "a list"),
        (dict, "a mapping"),
        (dt.date, "a date"),
    ]
    return "null" if value is None else next((k for t, k in kinds if isinstance(value, t)), f"a {type(value).__name__}")


def _entry_name(data, path) -> str:
    if len(path) >= 2 and isinstance(path[1], int):
        try:
            item = data[path[0]][path[1]]
            ident = item.get("id") if isinstance(item, dict) else None
        except (KeyError, IndexError, TypeError):
            ident = None
        key = ".".join(str(p) for p in path[2:])
        label = f"{path[0]}[{path[1]}]" + (f" ('{ident}')" if ident else "")
        return f"{label}{(' ' + key) if key else ''}: "
    return (".".join(map(str, path)) + ": ") if path else ""


def line_of(node, path) -> int:
    """1-based line of the YAML node at ``path`` (or its nearest parent)."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in path:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            match = node.value[part]
        else:
            match = None
        if match is None:
            break
        node = match
        line = node.start_mark.line + 1
    return line


def rel(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
