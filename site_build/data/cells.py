"""The SQL that reads one cell of a Table Schema field as frictionless-py does.

Every cell is text, exactly as frictionless reads a CSV. A cell is "missing"
when it is in ``missingValues``. SQL judges only the cells whose shape it
parses exactly as frictionless's Python readers do (``simple_sql``: a
canonical integer, a short decimal, an ISO date...). Every other present cell
is "hard": ``site_build.data.judge`` runs frictionless's own reader on its distinct
values and the scans join that verdict in (``typed_source``). Common data
stays on the fast path; odd values still get frictionless's exact verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from site_build.data.sql_names import literal

_TZ = r"(Z|[+-][0-9]{2}:[0-9]{2})"
_CLOCK = r"[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
#: the shapes SQL parses exactly; any other value is judged by frictionless in Python
_SIMPLE = {
    "number": r"-?[0-9]+(\.[0-9]+)?",
    "year": r"[0-9]{4}",
    "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "datetime": rf"[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T{_CLOCK}{_TZ}?",
    "time": rf"{_CLOCK}{_TZ}?",
}
#: at most 15 significant digits: such decimals map to distinct, ordered doubles
_MAX_NUMBER_CHARS = 15
_TRUE = ["true", "True", "TRUE", "1"]
_FALSE = ["false", "False", "FALSE", "0"]
_ZONED = ("datetime", "time")
_BOUNDS = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<=", "exclusiveMaximum": ">="}
#: pattern syntax that means the same in RE2 and Python's ``re`` on printable ASCII text
_RE2_SAFE = re.compile(
    r"(\\[dDwWsS.\-\\+*?()\[\]{}|^$/]|\{[0-9]+(,[0-9]*)?\}|\(\?:|\((?!\?)|[)|.*+?^$]"
    r"|\[\^?\]?([^\]\\\[]|\\[dDwWsS.\-\\\]\[^])*\]|[^\\\[\]{}()|.*+?^$])*"
)


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
    def format(self) -> str:
        return self.descriptor.get("format", "default")

    @property
    def constraints(self) -> dict:
        return self.descriptor.get("constraints") or {}

    @property
    def cell(self) -> str:
        return f"c{self.number}"

    @property
    def checked(self) -> dict:
        """The constraints frictionless applies to this type, except ``required`` and ``unique``."""
        return {k: v for k, v in self.constraints.items() if k in self.supported and k != "required"}


# -- which cells SQL judges ----------------------------------------------------


def python_only(col: Column) -> bool:
    """True when no cell of ``col`` can be judged in SQL exactly as frictionless would."""
    d, kind = col.descriptor, col.type
    if kind == "any":
        return False
    if kind == "string":
        pattern = col.checked.get("pattern")
        if col.format != "default" or (pattern is not None and not re2_safe(pattern)):
            return True
        # an enum may list a number for a text field: frictionless compares it with the text and never matches
        return any(_const(col, x) is None for name, x in _constants(col))
    if col.format != "default" or not d.get("bareNumber", True) or d.get("floatNumber"):
        return True
    return any(_const(col, x) is None for name, x in _constants(col))


def re2_safe(pattern) -> bool:
    """True when DuckDB's RE2 reads ``pattern`` as Python's ``re`` does (on printable ASCII)."""
    if not isinstance(pattern, str) or _RE2_SAFE.fullmatch(pattern) is None:
        return False
    # possessive quantifiers (Python 3.11+) are not RE2's
    return re.search(r"[*+?}]\+", pattern) is None


def _constants(col: Column):
    for name, limit in col.checked.items():
        if name in _BOUNDS:
            yield name, limit
        elif name == "enum" and isinstance(limit, list):
            yield from ((name, x) for x in limit)


def _const(col: Column, x) -> str | None:
    """``x`` as the SQL value frictionless reads it as, or None when SQL cannot be exact."""
    kind = col.type
    if kind == "boolean":
        if isinstance(x, bool):
            return str(x).lower()
        true, false = col.descriptor.get("trueValues", _TRUE), col.descriptor.get("falseValues", _FALSE)
        return ("false" if x in false else "true") if isinstance(x, str) and x in true + false else None
    if kind == "string":
        return literal(x) if isinstance(x, str) else None
    if kind in ("integer", "year") and isinstance(x, int) and not isinstance(x, bool):
        x = str(x)
    if kind == "number" and isinstance(x, (int, float)) and not isinstance(x, bool):
        x = str(x)
    if not isinstance(x, str):
        return None
    if kind in _ZONED and not re.fullmatch(_SIMPLE[kind].removesuffix(f"{_TZ}?"), x):
        return None  # a zoned bound meets zoned and naive cells: frictionless's own comparison decides
    if kind == "integer":
        return x if re.fullmatch(r"-?[1-9][0-9]{0,17}|0", x) else None
    if kind == "number":
        return (
            f"CAST({literal(x)} AS DOUBLE)"
            if re.fullmatch(_SIMPLE["number"], x) and len(x) <= _MAX_NUMBER_CHARS
            else None
        )
    if not re.fullmatch(_SIMPLE[kind], x) or not _in_range(kind, x):
        return None
    return _typed(col, literal(x))


def _in_range(kind: str, x: str) -> bool:
    try:
        if kind in ("date", "datetime"):
            datetime.fromisoformat(x[:10])
        if kind in _ZONED:
            clock = x[11:19] if kind == "datetime" else x[:8]
            return int(clock[:2]) < 24 and int(clock[3:5]) < 60 and int(clock[6:8]) < 60
    except ValueError:
        return False
    return True


def simple_sql(col: Column) -> str:
    """SQL that is true when a present cell has a shape SQL parses exactly as frictionless does."""
    v, kind = col.cell, col.type
    if python_only(col):
        return "false"
    if kind == "integer":
        return f"({v} = CAST(p{col.number} AS VARCHAR))"
    if kind == "number":
        text = _number_text(col)
        dot = f"NOT contains({v}, '.') AND " if col.descriptor.get("decimalChar", ".") != "." else ""
        return (
            f"({dot}length({text}) <= {_MAX_NUMBER_CHARS} AND regexp_full_match({text}, {literal(_SIMPLE['number'])}))"
        )
    if kind == "boolean":
        return f"({v} IN ({_list(_booleans(col))}))"
    if kind == "string":
        return "regexp_full_match(" + v + ", '[ -~]*')" if "pattern" in col.checked else "true"
    if kind == "any":
        return "true"
    if kind == "date":
        # The same test as the shape and a real date from year 1, without a regular expression: the cell is
        # exactly how DuckDB writes the date it reads (year 0 reads as "0001-01-01 (BC)"). 30% cheaper.
        return f"(length({v}) = 10 AND {v} = CAST(try_cast({v} AS DATE) AS VARCHAR))"
    shape = _SIMPLE[kind]
    if kind in _ZONED and any(n in col.checked for n in (*_BOUNDS, "enum")):
        shape = shape.removesuffix(f"{_TZ}?")  # zoned values against bounds: frictionless decides
    checks = [f"regexp_full_match({v}, {literal(shape)})"]
    if kind in ("date", "datetime"):
        checks += [f"{v} >= '0001'", f"try_cast(substr({v}, 1, 10) AS DATE) IS NOT NULL"]
    if kind in _ZONED:
        at = 12 if kind == "datetime" else 1
        checks += [
            f"substr({v}, {at}, 2) < '24'",
            f"substr({v}, {at + 3}, 2) < '60'",
            f"substr({v}, {at + 6}, 2) < '60'",
        ]
        offset_ok = f"substr({v}, -5, 2) < '24' AND substr({v}, -2, 2) < '60'"
        checks += [f"(NOT regexp_matches({v}, '[+-][0-9]{{2}}:[0-9]{{2}}$') OR ({offset_ok}))"]
    return "(" + " AND ".join(checks) + ")"


def _booleans(col: Column) -> list:
    return col.descriptor.get("trueValues", _TRUE) + col.descriptor.get("falseValues", _FALSE)


def _number_text(col: Column) -> str:
    # frictionless drops group characters, then reads the decimal character as '.'
    v, d = col.cell, col.descriptor
    if d.get("groupChar"):
        v = f"replace({v}, {literal(d['groupChar'])}, '')"
    if d.get("decimalChar", ".") != ".":
        v = f"replace({v}, {literal(d['decimalChar'])}, '.')"
    return v


def _typed(col: Column, v: str) -> str:
    """The parsed value of a simple cell (or constant) ``v``: comparable, and UTC for zoned times."""
    kind = col.type
    if kind == "integer":
        return f"try_cast({v} AS BIGINT)"
    if kind == "number":
        return f"try_cast({v} AS DOUBLE)"
    if kind == "boolean":
        true, false = col.descriptor.get("trueValues", _TRUE), col.descriptor.get("falseValues", _FALSE)
        return f"({v} IN ({_list(true)}) AND {v} NOT IN ({_list(false) or 'NULL'}))"
    if kind == "year":
        return f"try_cast({v} AS INTEGER)"
    if kind == "date":
        return f"try_cast({v} AS DATE)"
    if kind == "datetime":
        local = f"try_cast(replace(regexp_extract({v}, '^[^Z+]{{19}}[.0-9]*'), 'T', ' ') AS TIMESTAMP)"
        return f"({local} - {_offset_minutes(v)} * INTERVAL 1 MINUTE)"
    if kind == "time":
        clock = f"try_cast(regexp_extract({v}, '^[0-9:]{{8}}[.0-9]*') AS TIME)"
        return f"(epoch_us(DATE '1970-01-01' + {clock}) - CAST({_offset_minutes(v)} AS BIGINT) * 60000000)"
    return v


def _offset_minutes(v: str) -> str:
    sign = f"CASE WHEN substr({v}, -6, 1) = '-' THEN -1 ELSE 1 END"
    minutes = f"{sign} * (try_cast(substr({v}, -5, 2) AS INT) * 60 + try_cast(substr({v}, -2, 2) AS INT))"
    return f"(CASE WHEN regexp_matches({v}, '[+-][0-9]{{2}}:[0-9]{{2}}$') THEN {minutes} ELSE 0 END)"


def _aware(col: Column) -> str:
    return f"regexp_matches({col.cell}, '(Z|[+-][0-9]{{2}}:[0-9]{{2}})$')" if col.type in _ZONED else "NULL::BOOLEAN"


def _list(values) -> str:
    return ", ".join(literal(str(x)) for x in values)


def constraint_sql(col: Column, name: str, limit, t: str) -> str | None:
    """SQL that is true when the simple cell, parsed as ``t``, breaks constraint ``name``."""
    if name == "minLength":
        return f"length({col.cell}) < {int(limit)}"
    if name == "maxLength":
        return f"length({col.cell}) > {int(limit)}"
    if name == "pattern" and col.type == "string":
        # frictionless matches '^{pattern}$' from the start: an alternation's branches keep their own anchors
        return f"NOT regexp_full_match({col.cell}, {literal('(?:^' + str(limit) + '$)(?s:.*)')})"
    if name == "enum" and isinstance(limit, list):
        values = [v for v in (_const(col, x) for x in limit) if v is not None]
        if len(values) < len(limit):
            return None  # python_only(col) is true: frictionless judges the column
        return f"{t} NOT IN ({', '.join(values)})" if values else "true"
    if name in _BOUNDS:
        return f"{t} {_BOUNDS[name]} {_const(col, limit)}"
    return None


def typed_source(source: str, columns: list[Column], judged: dict[int, str] | None = None) -> str:
    """``source`` plus, per field n: ``m<n>`` (missing), ``s<n>`` (SQL judges it), ``ok<n>`` (parses),
    ``hard<n>`` (neither SQL nor Python judged it yet), key parts ``t<n>``/``a<n>``/``k<n>`` and ``__blank``.

    ``judged`` maps a field number to the table of frictionless's verdicts on
    its cells that SQL cannot judge (see ``judge``). Computed once per row, so
    the checks only compare.
    """
    judged = judged or {}
    plain = [c for c in columns if c.type == "integer"]
    parsed = ", ".join(f"try_cast({c.cell} AS BIGINT) AS p{c.number}" for c in plain)
    if parsed:
        source = f"(SELECT *, {parsed} FROM {source})"
    for n, table in judged.items():
        source = f"(SELECT * FROM {source} LEFT JOIN {table} ON c{n} = hv{n})"
    flags = ", ".join(f"{missing_sql(c)} AS m{c.number}, {simple_sql(c)} AS x{c.number}" for c in columns)
    inner = f"(SELECT *, {flags} FROM {source})" if flags else source
    return (
        f"(SELECT *, {', '.join(_cell_sql(c, c.number in judged) for c in columns) + ', ' if columns else ''}"
        + (" AND ".join(f"m{c.number}" for c in columns) or "false")
        + f" AS __blank FROM {inner})"
    )


def _cell_sql(col: Column, judged: bool) -> str:
    n, kind = col.number, col.type
    simple = f"(NOT m{n} AND coalesce(x{n}, false))"
    fallback = "true" if kind == "any" or (kind == "string" and col.format == "default") else "false"
    ok = (
        f"CASE WHEN m{n} THEN NULL WHEN {simple} THEN true"
        + (f" WHEN hv{n} IS NOT NULL THEN hok{n}" if judged else "")
        + f" ELSE {fallback} END"
    )
    hard = (
        f"NOT m{n} AND NOT {simple}"
        + (f" AND hv{n} IS NULL" if judged else "")
        + (" AND false" if kind == "any" else "")
    )
    value = {"integer": f"p{n}", "number": _typed(col, _number_text(col))}.get(kind) or _typed(col, col.cell)
    t = f"CASE WHEN {simple} THEN {value}" + (f" WHEN hv{n} IS NOT NULL THEN ht{n}" if judged else "") + " END"
    a = f"CASE WHEN {simple} THEN {_aware(col)}" + (f" ELSE ha{n}" if judged else "") + " END"
    k = f"hk{n}" if judged else "NULL::VARCHAR"
    return f"{simple} AS s{n}, {ok} AS ok{n}, {hard} AS hard{n}, {t} AS t{n}, {a} AS a{n}, {k} AS k{n}"


def clean_sql(col: Column, ragged: bool = True) -> str:
    """SQL over ``typed_source`` that is true when the cell is surely fine: no finding, nothing to judge.

    The cell is there (in ``ragged`` rows, a CSV's, it may not be), and missing
    (unless required) or simple, and breaks no checked constraint. False says
    nothing: the full checks then decide. This one condition per cell is
    cheaper than every check's own (the clean pass).
    """
    n = col.number
    required = col.constraints.get("required") is True
    there = [f"{col.cell} IS NOT NULL"] if ragged else []
    ok = there + [f"(m{n} OR coalesce(x{n}, false))"] + ([f"NOT m{n}"] if required else [])
    if python_only(col):
        return " AND ".join(there + [f"m{n}"]) if not required else "false"
    rules = [constraint_sql(col, name, limit, f"t{n}") for name, limit in col.checked.items()]
    if None in rules:
        return "false"
    return " AND ".join(ok + [f"NOT coalesce({r}, false)" for r in rules])


def quick_key_parts(col: Column) -> list[str]:
    """``key_parts`` without those that are always NULL for a column SQL judged alone: for the clean pass."""
    return [f"t{col.number}"] + ([f"a{col.number}"] if col.type in _ZONED else [])


def key_parts(col: Column, alias: str = "") -> list[str]:
    """The columns that together equal frictionless's parsed value of a key cell."""
    return [f"{alias}{p}{col.number}" for p in ("t", "a", "k")]


def sql_type(col: Column) -> str:
    """The DuckDB type of ``t<n>``."""
    return {
        "integer": "BIGINT",
        "number": "DOUBLE",
        "boolean": "BOOLEAN",
        "year": "INTEGER",
        "date": "DATE",
        "datetime": "TIMESTAMP",
        "time": "BIGINT",
    }.get(col.type, "VARCHAR")


def missing_sql(col: Column) -> str:
    values = ", ".join(literal(v) for v in col.missing_values)
    return f"({col.cell} IS NULL" + (f" OR {col.cell} IN ({values}))" if values else ")")


def bounds(col: Column) -> list[str]:
    """The bound constraints (minimum...) frictionless checks on ``col``."""
    return [name for name in col.checked if name in _BOUNDS]


def hard_values_sql(source: str, columns: list[Column]) -> str:
    """A query of the distinct (field number, cell) pairs that SQL cannot judge."""
    pairs = ", ".join(f"{{'n': {c.number}, 'v': CASE WHEN hard{c.number} THEN {c.cell} END}}" for c in columns)
    cells = f"SELECT unnest([{pairs}]) AS x FROM {typed_source(source, columns)}"
    return f"SELECT DISTINCT x.n AS n, x.v AS v FROM ({cells}) WHERE x.v IS NOT NULL"
