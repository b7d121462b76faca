"""The shape of ``datapackage.json``: for each object, the keys the engine and
frictionless read, with the types they must have and an example to copy.

Checking the shape first means frictionless, DuckDB and the query engine
only ever see well-typed values: a string where an object belongs becomes a
message naming the key (``resources[3].schema.fields[0].constraints``)
instead of a traceback deep inside a library.
"""

from __future__ import annotations

from site_build.data.untrusted import join, shorten
from site_build.errors import PackageError

#: key -> (allowed types, an example to copy)
PACKAGE_KEYS = {
    "resources": ((list,), '[{"name": "orders", "path": "orders.csv", "schema": …}]'),
    "name": ((str,), '"sales"'),
    "title": ((str,), '"销售数据"'),
    "description": ((str,), '"…"'),
    "licenses": ((list,), '[{"name": "CC0-1.0"}]'),
}
RESOURCE_KEYS = {
    "name": ((str,), '"orders"'),
    "path": ((str,), '"orders.csv"'),
    "format": ((str,), '"csv"'),
    "schema": ((dict, str), '{"fields": [{"name": "order_id", "type": "string"}]}'),
    "dialect": ((dict,), '{"delimiter": ";"}'),
    "encoding": ((str,), '"utf-8"'),
    "mediatype": ((str,), '"text/csv"'),
    "title": ((str,), '"订单"'),
    "description": ((str,), '"…"'),
}
SCHEMA_KEYS = {
    "fields": ((list,), '[{"name": "order_id", "type": "string"}]'),
    "primaryKey": ((str, list), '["order_id"]'),
    "foreignKeys": (
        (list,),
        '[{"fields": ["customer_id"], "reference": {"resource": "customers", "fields": ["customer_id"]}}]',
    ),
    "missingValues": ((list,), '["", "NA"]'),
}
FIELD_KEYS = {
    "name": ((str,), '"order_id"'),
    "type": ((str,), '"string"'),
    "format": ((str,), '"default"'),
    "constraints": ((dict,), '{"required": true}'),
    "title": ((str,), '"订单号"'),
    "description": ((str,), '"…"'),
    "missingValues": ((list,), '["", "NA"]'),
    "trueValues": ((list,), '["是"]'),
    "falseValues": ((list,), '["否"]'),
    "bareNumber": ((bool,), "false"),
    "decimalChar": ((str,), '","'),
    "groupChar": ((str,), '" "'),
}
CONSTRAINT_KEYS = {
    "required": ((bool,), "true"),
    "unique": ((bool,), "true"),
    "minLength": ((int,), "1"),
    "maxLength": ((int,), "40"),
    "minimum": ((int, float, str), "0"),
    "maximum": ((int, float, str), "100"),
    "exclusiveMinimum": ((int, float, str), "0"),
    "exclusiveMaximum": ((int, float, str), "100"),
    "pattern": ((str,), '"[A-Z]{3}-[0-9]{2}"'),
    "enum": ((list,), '["a", "b"]'),
}
FOREIGN_KEY_KEYS = {
    "fields": ((str, list), '["customer_id"]'),
    "reference": ((dict,), '{"resource": "customers", "fields": ["customer_id"]}'),
}
REFERENCE_KEYS = {"resource": ((str,), '"customers"'), "fields": ((str, list), '["customer_id"]')}
DIALECT_KEYS = {
    "delimiter": ((str,), '";"'),
    "quoteChar": ((str,), "'\"'"),
    "escapeChar": ((str,), '"\\\\"'),
    "doubleQuote": ((bool,), "true"),
    "skipInitialSpace": ((bool,), "false"),
    "header": ((bool,), "true"),
    "lineTerminator": ((str,), '"\\n"'),
    "commentChar": ((str,), '"#"'),
}
_KINDS = {
    bool: "true or false",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "an object",
}


def _kind(value) -> str:
    if value is None:
        return "null"
    return next((k for t, k in _KINDS.items() if isinstance(value, t)), type(value).__name__)


def _fits(value, types: tuple[type, ...]) -> bool:
    # JSON true is a Python int: only accept it where a boolean is meant
    return isinstance(value, types) and (bool in types or not isinstance(value, bool))


def check_keys(raw: dict, spec: dict, where: str, at: str) -> None:
    """Raise ``PackageError`` for the first key of ``spec`` whose value in ``raw`` has the wrong type."""
    for key, (types, example) in spec.items():
        if key in raw and not _fits(raw[key], types):
            shown = (
                f" ({shorten(raw[key])})"
                if isinstance(raw[key], (str, int, float)) and not isinstance(raw[key], bool)
                else ""
            )
            raise PackageError(
                f"{where}: {join(at, key)} is {_kind(raw[key])}{shown}, but it must be "
                f"{' or '.join(_KINDS[t] for t in types)}. Write it like {key!r}: {example}."
            )


def check_object(raw, spec: dict, where: str, at: str, example: str) -> dict:
    """``raw``, once it is an object whose keys fit ``spec``."""
    if not isinstance(raw, dict):
        raise PackageError(f"{where}: {at} is {_kind(raw)}, but it must be an object. Write it like {example}.")
    check_keys(raw, spec, where, at)
    return raw


def check_name(name: str, where: str, at: str) -> str:
    """``name`` (of a resource or field), once it holds no tab or line break."""
    # Names become SQL identifiers, page anchors and table headers: a tab or newline breaks them unseen.
    # (Other control characters are refused for every string by ``untrusted``.)
    if any(c in name for c in "\t\r\n"):
        raise PackageError(f"{where}: {at} {shorten(name)} contains a tab or a line break. Use a plain name.")
    return name


def check_names(value, where: str, at: str) -> tuple[str, ...]:
    """A field name or a list of them (primaryKey, foreignKeys.fields) as a tuple."""
    names = [value] if isinstance(value, str) else value
    if not all(isinstance(n, str) for n in names):
        raise PackageError(
            f'{where}: {at} must list field names as strings, not {shorten(value)}. Write it like ["customer_id"].'
        )
    return tuple(names)
