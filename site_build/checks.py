"""Row-level checks of a Table Schema as a few vectorised DuckDB scans.

Every cell is read as text, exactly as frictionless-py reads a CSV, and the
SQL below mirrors its Python readers: a value is "missing" when it is in
``missingValues``, a type error when frictionless's reader would return
``None``, and constraints are checked only on values that parsed. Counting
happens in DuckDB; only the first few offending rows of each check come back
to Python, so a file with a million bad rows costs no more memory than a
clean one.

Row numbers are those of frictionless: the header is row 1. DuckDB skips
empty lines, so ``validation`` shifts the reported numbers when a file has
any (see ``Layout``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field as _field

from site_build.query import Scanner, ident, literal

#: the header row is record 1, as a person counts lines
HEADER_ROW = 1
#: cells beyond this many extra ones in a row are not counted one by one
MAX_EXTRA_CELLS = 64
#: never equal to a real cell, so DuckDB keeps empty cells as '' and only padded cells are NULL
_NULLSTR = "\x01"

_INTEGER = r"\s*[+-]?[0-9]+(_[0-9]+)*\s*"
_DIGITS = r"[0-9]+(_[0-9]+)*"
_NUMBER = (
    rf"\s*[+-]?(({_DIGITS}(\.({_DIGITS})?)?|\.{_DIGITS})([eE][+-]?{_DIGITS})?"
    r"|(?i:inf|infinity|nan[0-9]*|snan[0-9]*))\s*"
)
_TZ = r"([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)?"
_TIME = rf"[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}([.,][0-9]+)?{_TZ}"
# Python's strptime regex for the default date format %Y-%m-%d.
_DATE = r"[0-9]{4}-(1[0-2]|0[1-9]|[1-9])-(3[01]|[12][0-9]|0[1-9]|[1-9]| [1-9])"
_TRUE = ["true", "True", "TRUE", "1"]
_FALSE = ["false", "False", "FALSE", "0"]


@dataclass(frozen=True)
class Column:
    """One expected field of a resource at its position in the file (1-based)."""

    number: int
    descriptor: dict
    missing_values: tuple[str, ...] = ("",)
    supported: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.descriptor["name"]

    @property
    def type(self) -> str:
        return self.descriptor.get("type", "string")

    @property
    def constraints(self) -> dict:
        return self.descriptor.get("constraints") or {}

    @property
    def cell(self) -> str:
        return f"c{self.number}"


@dataclass
class Finding:
    """The total count of one problem and its first rows as (row, value, detail)."""

    type: str
    field: str | None = None
    field_number: int | None = None
    rule: str | None = None
    total: int = 0
    samples: list[tuple] = _field(default_factory=list)


def csv_source(path: str, width: int, delimiter: str = ",", *, numbered: bool = True, parallel: bool = False) -> str:
    """A ``read_csv`` of ``width`` text columns, padded with NULL.

    Numbered: every record including the header, with ``__rn`` as frictionless
    counts rows; ``parallel = false`` keeps file order for ``row_number()``.
    Otherwise: data rows only, read as fast as DuckDB can, for counting.
    """
    spec = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, width + 1)) + "}"
    read = (
        f"read_csv({literal(path)}, header = {str(not numbered).lower()}, auto_detect = false, delim = {literal(delimiter)}, "
        f"quote = '\"', escape = '\"', columns = {spec}, null_padding = true, strict_mode = false, "
        f"parallel = {str(parallel and not numbered).lower()}, nullstr = {literal(_NULLSTR)})"
    )
    return f"(SELECT row_number() OVER () AS __rn, * FROM {read})" if numbered else f"(SELECT * FROM {read})"


def parquet_source(path: str, columns: list[Column]) -> str:
    """A row-numbered ``read_parquet`` whose columns are named like CSV cells."""
    cols = ", ".join(f"CAST({ident(c.name)} AS VARCHAR) AS {c.cell}" for c in columns)
    return f"(SELECT row_number() OVER () + 1 AS __rn, {cols} FROM read_parquet({literal(path)}))"


# -- SQL for one cell -------------------------------------------------------


def missing_sql(col: Column) -> str:
    values = ", ".join(literal(v) for v in col.missing_values)
    return f"({col.cell} IS NULL" + (f" OR {col.cell} IN ({values}))" if values else ")")


def valid_sql(col: Column, cell: str | None = None) -> str:
    """True when a present cell parses as the field's type, as frictionless reads it."""
    v = cell or col.cell
    d, kind, fmt = col.descriptor, col.type, col.descriptor.get("format", "default")
    if kind == "integer" and d.get("bareNumber", True):
        # Fast path: a cell already in canonical form skips the regular expression.
        return f"(CASE WHEN {v} = CAST(try_cast({v} AS BIGINT) AS VARCHAR) THEN true ELSE regexp_full_match({v}, {literal(_INTEGER)}) END)"
    if kind == "integer":
        return f"regexp_full_match({_bare(v, d)}, {literal(_INTEGER)})"
    if kind == "number":
        return f"regexp_full_match({_number_text(v, d)}, {literal(_NUMBER)})"
    if kind == "boolean":
        return f"({v} IN ({_list(d.get('trueValues', _TRUE) + d.get('falseValues', _FALSE))}))"
    if kind == "year":
        return f"(length({v}) = 4 AND coalesce(try_cast(replace(trim({v}), '_', '') AS INTEGER) BETWEEN 0 AND 9999, false))"
    if kind in ("date", "datetime", "time") and fmt not in ("default", "any"):
        return f"(try_strptime({v}, {literal(fmt)}) IS NOT NULL)"
    if kind == "date" and fmt == "default":
        exact = f"regexp_full_match({v}, {literal(_DATE)}) AND try_strptime(replace({v}, ' ', ''), '%Y-%m-%d') IS NOT NULL"
        # Fast path for YYYY-MM-DD; anything shorter, longer or spaced gets Python's exact rule.
        return f"(CASE WHEN length({v}) = 10 AND NOT contains({v}, ' ') AND try_strptime({v}, '%Y-%m-%d') IS NOT NULL THEN true ELSE {exact} END)"
    if kind == "datetime" and fmt == "default":
        whole = rf"[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}.{_TIME}"
        return f"(regexp_full_match({v}, {literal(whole)}) AND try_cast(substr({v}, 1, 10) || ' ' || substr({v}, 12, 8) AS TIMESTAMP) IS NOT NULL)"
    if kind == "time" and fmt == "default":
        return f"(regexp_full_match({v}, {literal(_TIME)}) AND try_cast(substr({v}, 1, 8) AS TIME) IS NOT NULL)"
    if kind in ("date", "datetime", "time"):  # format "any": whatever DuckDB can read
        return f"(try_cast({v} AS {_SQL_TYPES[kind]}) IS NOT NULL)"
    return "true"


def typed_sql(col: Column, cell: str | None = None) -> str:
    """The cell as a comparable DuckDB value; NULL when missing or not of the type."""
    v = cell or col.cell
    d, kind, fmt = col.descriptor, col.type, col.descriptor.get("format", "default")
    if kind == "integer":
        value = f"try_cast({_bare(v, d)} AS BIGINT)" if d.get("bareNumber", True) else f"try_cast(replace({_bare(v, d)}, '_', '') AS BIGINT)"
    elif kind == "number":
        value = f"try_cast({_number_text(v, d)} AS DOUBLE)"
    elif kind == "boolean":
        value = f"({v} IN ({_list(d.get('trueValues', _TRUE))}))"
    elif kind == "year":
        value = f"try_cast(replace(trim({v}), '_', '') AS INTEGER)"
    elif kind in ("date", "datetime", "time") and fmt not in ("default", "any"):
        value = f"CAST(try_strptime({v}, {literal(fmt)}) AS {_SQL_TYPES[kind]})"
    elif kind == "date" and fmt == "default":
        value = f"CAST(try_strptime(replace({v}, ' ', ''), '%Y-%m-%d') AS DATE)"
    elif kind == "datetime" and fmt == "default":
        value = f"try_cast(substr({v}, 1, 10) || ' ' || substr({v}, 12, 8) AS TIMESTAMP)"
    elif kind == "time" and fmt == "default":
        value = f"try_cast(substr({v}, 1, 8) AS TIME)"
    elif kind in ("date", "datetime", "time"):
        value = f"try_cast({v} AS {_SQL_TYPES[kind]})"
    else:
        value = v
    if cell is not None:  # a constant, or a cell already known to be present and valid
        return value
    return f"(CASE WHEN NOT {missing_sql(col)} AND {valid_sql(col)} THEN {value} END)"


_SQL_TYPES = {"date": "DATE", "datetime": "TIMESTAMP", "time": "TIME"}


def _bare(v: str, d: dict) -> str:
    if d.get("bareNumber", True):
        return v
    return rf"regexp_replace({v}, '((^[^-\d]*)|(\D*$))', '', 'g')"


def _number_text(v: str, d: dict) -> str:
    v = f"trim({_bare(v, d)})" if not d.get("bareNumber", True) else v
    group, decimal = d.get("groupChar"), d.get("decimalChar", ".")
    if group:
        v = f"replace({v}, {literal(group)}, '')"
    if decimal != ".":
        v = f"(CASE WHEN contains({v}, '.') THEN NULL ELSE replace({v}, {literal(decimal)}, '.') END)"
    return v


def _list(values) -> str:
    return ", ".join(literal(str(x)) for x in values)


def constraint_sql(col: Column, name: str, limit, t: str) -> str | None:
    """SQL that is true when the parsed value ``t`` breaks constraint ``name``; None if unchecked."""
    const = lambda x: typed_sql(col, literal(str(x).lower() if isinstance(x, bool) else str(x)))  # noqa: E731
    if name == "minLength":
        return f"length({col.cell}) < {int(limit)}"
    if name == "maxLength":
        return f"length({col.cell}) > {int(limit)}"
    if name == "pattern" and col.type == "string":
        return f"NOT regexp_full_match({col.cell}, {literal(str(limit))})"
    if name == "enum" and isinstance(limit, list):
        return f"{t} NOT IN ({', '.join(const(x) for x in limit) or 'NULL'})"
    ops = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<=", "exclusiveMaximum": ">="}
    if name in ops:
        return f"{t} {ops[name]} {const(limit)}"
    return None


def typed_source(source: str, columns: list[Column]) -> str:
    """``source`` plus, per field n, ``m<n>`` (missing), ``ok<n>`` (parses) and ``t<n>`` (the value), and ``__blank``.

    Computed once per row in a projection, so the checks below only compare.
    """
    # Plain integers are parsed once: the parse serves both the type check and the value.
    plain = [c for c in columns if c.type == "integer" and c.descriptor.get("bareNumber", True)]
    parsed = ", ".join(f"try_cast({c.cell} AS BIGINT) AS p{c.number}" for c in plain)
    if parsed:
        source = f"(SELECT *, {parsed} FROM {source})"
    ok = {c.number: f"(CASE WHEN {c.cell} = CAST(p{c.number} AS VARCHAR) THEN true ELSE regexp_full_match({c.cell}, {literal(_INTEGER)}) END)" for c in plain}
    value = {c.number: f"p{c.number}" for c in plain}
    flags = ", ".join(f"{missing_sql(c)} AS m{c.number}, {ok.get(c.number) or valid_sql(c)} AS ok{c.number}" for c in columns)
    values = ", ".join(f"CASE WHEN NOT m{c.number} AND ok{c.number} THEN {value.get(c.number) or typed_sql(c, c.cell)} END AS t{c.number}" for c in columns)
    blank = " AND ".join(f"m{c.number}" for c in columns) or "false"
    inner = f"(SELECT *, {flags} FROM {source})" if flags else source
    return f"(SELECT *, {values + ', ' if values else ''}{blank} AS __blank FROM {inner})"


# -- scans -----------------------------------------------------------------


def scan_cells(
    scanner: Scanner, sources: tuple[str, str], columns: list[Column], width: int, *, first: int, primary_key: list[Column], keys: list[list[Column]]
) -> tuple[int, list[Finding], int, list[int]]:
    """Every per-row check of a resource: one counting pass, then one more for samples if needed.

    ``sources`` is (counting source, row-numbered source); ``keys`` are the
    unique fields and the primary key, whose duplicates are counted in the
    same pass. Returns (data rows, findings, rows with extra cells,
    duplicate count per key).
    """
    checks = _cell_checks(columns, primary_key)
    extra = f"c{width} IS NOT NULL" if width > len(columns) else "false"
    checks.append((Finding("extra-cell"), extra, "NULL"))
    guards = [_guard(finding, cond) for finding, cond, _ in checks]
    selects = ["count(*)"] + [f"count(*) FILTER (WHERE {g})" for g in guards]
    for key in keys:
        typed = [f"t{c.number}" for c in key]
        present = " OR ".join(f"{t} IS NOT NULL" for t in typed)
        selects.append(f"count(*) FILTER (WHERE {present}) - count(DISTINCT ({', '.join(typed)},)) FILTER (WHERE {present})")
    row = scanner.one(f"SELECT {', '.join(selects)} FROM {typed_source(sources[0], columns)}")
    for (finding, _, _), total in zip(checks, row[1:]):
        finding.total = total
    failing = [i for i, (finding, _, _) in enumerate(checks) if finding.total and finding.type != "extra-cell"]
    if failing:
        samples = [f"arg_min([__rn::VARCHAR, {checks[i][2]}], __rn, {int(first)}) FILTER (WHERE {guards[i]})" for i in failing]
        got = scanner.one(f"SELECT {', '.join(samples)} FROM {typed_source(sources[1], columns)} WHERE __rn > {HEADER_ROW}")
        for i, found in zip(failing, got):
            checks[i][0].samples = [(int(r), v) for r, v in (found or [])]
    return row[0], [checks[i][0] for i in failing], checks[-1][0].total, list(row[1 + len(checks):])


def _guard(finding: Finding, cond: str) -> str:
    # A blank row is reported once, as blank-row (and, with a primary key, as primary-key).
    return cond if finding.type in ("blank-row", "primary-key") else f"NOT __blank AND {cond}"


def _cell_checks(columns: list[Column], primary_key: list[Column]) -> list[tuple[Finding, str, str]]:
    checks: list[tuple[Finding, str, str]] = [(Finding("blank-row"), "__blank", "NULL")]
    for c in columns:
        at = {"field": c.name, "field_number": c.number}
        checks.append((Finding("missing-cell", **at), f"{c.cell} IS NULL", "NULL"))
        if c.type != "any":
            fmt = c.descriptor.get("format", "default")
            rule = f"type {c.type}" + ("" if fmt == "default" else f" in format {fmt}")
            checks.append((Finding("type-error", **at, rule=rule), f"NOT m{c.number} AND NOT ok{c.number}", c.cell))
        for name, limit in c.constraints.items():
            if name == "required" and limit is True:
                checks.append((Finding("constraint-error", **at, rule="required"), f"m{c.number}", c.cell))
            elif name in c.supported and (cond := constraint_sql(c, name, limit, f"t{c.number}")):
                rule = f"{name} {json.dumps(limit, ensure_ascii=False) if isinstance(limit, list) else limit}"
                checks.append((Finding("constraint-error", **at, rule=rule), f"NOT m{c.number} AND ok{c.number} AND coalesce({cond}, false)", c.cell))
    if primary_key:
        all_null = " AND ".join(f"t{c.number} IS NULL" for c in primary_key)
        keys = ", ".join(c.name for c in primary_key)
        checks.append((Finding("primary-key", field=keys, rule="all key cells empty"), f"({all_null})", "NULL"))
    return checks


def scan_extra_cells(scanner: Scanner, source: str, columns: list[Column], *, first: int) -> Finding:
    """Count every extra cell (not just rows), from a wider read of the file."""
    n = len(columns)
    blank = " AND ".join(missing_sql(c) for c in columns) or "false"
    positions = ", ".join(f"CASE WHEN c{i} IS NOT NULL THEN {i} END" for i in range(n + 1, n + MAX_EXTRA_CELLS + 1))
    sql = (
        f"WITH x AS (SELECT __rn, list_filter([{positions}], lambda p: p IS NOT NULL) AS ps, [{', '.join(f'c{i}' for i in range(n + 1, n + MAX_EXTRA_CELLS + 1))}] AS vs "
        f"FROM {source} WHERE __rn > {HEADER_ROW} AND c{n + 1} IS NOT NULL AND NOT ({blank})) "
        f"SELECT (SELECT sum(len(ps)) FROM x), (SELECT list([__rn::VARCHAR, p::VARCHAR, vs[p - {n}]]) FROM (SELECT __rn, unnest(ps) AS p, vs FROM x ORDER BY __rn, p LIMIT {int(first)}))"
    )
    total, samples = scanner.one(sql)
    finding = Finding("extra-cell", total=int(total or 0))
    finding.samples = [(int(r), v, int(p)) for r, p, v in (samples or [])]
    return finding


def _key_sql(key: list[Column]) -> tuple[list[str], str, str, str]:
    """For a (possibly composite) key: column aliases, the typed projection, the raw text and 'any part present'."""
    names = [f"k{i}" for i in range(len(key))]
    typed = ", ".join(f"{typed_sql(c)} AS {n}" for c, n in zip(key, names))
    raw = " || ', ' || ".join(f"coalesce({c.cell}, '')" for c in key)
    not_null = " OR ".join(f"{n} IS NOT NULL" for n in names)
    return names, typed, raw, not_null


def scan_duplicates(scanner: Scanner, source: str, key: list[Column], *, kind: str, first: int) -> Finding:
    """Rows whose key was already seen on an earlier row (``unique-error`` or ``primary-key``)."""
    names, typed, raw, not_null = _key_sql(key)
    same = " AND ".join(f"t.{n} IS NOT DISTINCT FROM d.{n}" for n in names)
    sql = (
        f"WITH t AS (SELECT __rn, {typed}, {raw} AS __raw FROM {source} WHERE __rn > {HEADER_ROW}), "
        f"d AS (SELECT {', '.join(names)}, min(__rn) AS __first FROM t WHERE {not_null} GROUP BY ALL HAVING count(*) > 1) "
        f"SELECT count(*), arg_min([t.__rn::VARCHAR, t.__raw, d.__first::VARCHAR], t.__rn, {int(first)}) "
        f"FROM t JOIN d ON {same} WHERE t.__rn > d.__first"
    )
    total, samples = scanner.one(sql)
    field = ", ".join(c.name for c in key)
    number = key[0].number if len(key) == 1 else None
    rule = "unique" if kind == "unique-error" else f"primary key ({field})"
    return Finding(kind, field=field, field_number=number, rule=rule, total=total, samples=[(int(r), v, int(f)) for r, v, f in (samples or [])])


def scan_foreign_key(scanner: Scanner, source: str, key: list[Column], parent_source: str, parent_key: list[Column], *, reference: str, first: int) -> Finding:
    """Rows whose foreign key values are not found among the referenced rows."""
    names, child, raw, not_null = _key_sql(key)
    parent = ", ".join(f"{typed_sql(c)} AS {n}" for c, n in zip(parent_key, names))
    same = " AND ".join(f"p.{n} IS NOT DISTINCT FROM c.{n}" for n in names)
    sql = (
        f"WITH c AS (SELECT __rn, {child}, {raw} AS __raw FROM {source} WHERE __rn > {HEADER_ROW}), "
        f"p AS (SELECT DISTINCT {', '.join(names)} FROM (SELECT {parent} FROM {parent_source} WHERE __rn > {HEADER_ROW}) WHERE {not_null}) "
        f"SELECT count(*), arg_min([c.__rn::VARCHAR, c.__raw], c.__rn, {int(first)}) FROM c "
        f"WHERE ({not_null}) AND NOT EXISTS (SELECT 1 FROM p WHERE {same})"
    )
    total, samples = scanner.one(sql)
    field = ", ".join(c.name for c in key)
    return Finding(
        "foreign-key",
        field=field,
        field_number=key[0].number if len(key) == 1 else None,
        rule=f"reference {reference}",
        total=total,
        samples=[(int(r), v) for r, v in (samples or [])],
    )
