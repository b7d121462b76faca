"""frictionless's own verdict on the cells SQL cannot judge exactly.

SQL reads the common shapes of each type (``site_build.data.cells.simple_sql``).
Anything else (a big integer, ``1_000``, a date in year 0, a pattern RE2
cannot run, an e-mail format...) is "hard": its distinct values are read in
Python by the frictionless field itself, in chunks, and the verdicts go into
a small table per field that the scans join on the cell text. Hard values
are rare in real data, so this costs nothing on the fast path.

This module never imports frictionless: the validation gate hands it the
frictionless ``Field`` of each column.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from site_build.data.cells import Column, bounds, hard_values_sql, sql_type
from site_build.data.scanner import Scanner

#: distinct hard values read into Python at a time
CHUNK = 20_000
#: int64, the range of SQL's BIGINT key values
_INT64 = range(-(2**63), 2**63)


def judge(scanner: Scanner, source: str, columns: list[Column], fields: dict, prefix: str) -> dict[int, str]:
    """Read every distinct hard cell of ``columns`` with its frictionless field.

    Returns {field number: the name of its verdict table}.
    """
    store = f"{prefix}_hard"
    scanner.execute(f"CREATE OR REPLACE TEMP TABLE {store} AS {hard_values_sql(source, columns)}")
    tables = {}
    for col in columns:
        tables[col.number] = table = f"{prefix}_h{col.number}"
        n = col.number
        scanner.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} (hv{n} VARCHAR, hok{n} BOOLEAN, hbad{n} VARCHAR[], "
            f"ht{n} {sql_type(col)}, ha{n} BOOLEAN, hk{n} VARCHAR)"
        )
    (count,) = scanner.one(f"SELECT count(*) FROM {store}")
    by_number = {c.number: c for c in columns}
    for start in range(0, count, CHUNK):
        rows = scanner.rows(f"SELECT n, v FROM {store} WHERE rowid >= ? AND rowid < ?", [start, start + CHUNK])
        for n in {n for n, _ in rows}:
            col = by_number[n]
            verdicts = [(v, *_verdict(fields[n], col, v)) for m, v in rows if m == n]
            _insert(scanner, tables[n], col, verdicts)
    scanner.execute(f"DROP TABLE {store}")
    return tables


def _insert(scanner: Scanner, table: str, col: Column, verdicts: list[tuple]) -> None:
    values, ok, bad, t, a, k = (list(x) for x in zip(*verdicts))
    scanner.execute(
        f"INSERT INTO {table} SELECT unnest(?::VARCHAR[]), unnest(?::BOOLEAN[]), unnest(?::VARCHAR[][]), "
        f"try_cast(unnest(?::VARCHAR[]) AS {sql_type(col)}), unnest(?::BOOLEAN[]), unnest(?::VARCHAR[])",
        [values, ok, bad, t, a, k],
    )


def _verdict(field, col: Column, cell: str) -> tuple:
    """(parses, broken constraints, key value as SQL text, zoned, key text beyond SQL's types)."""
    value = field.create_value_reader()(cell)
    if value is None:
        return False, [], None, None, None
    try:
        _, notes = field.create_cell_reader()(cell)
        broken = [name for name in (notes or {}) if name not in ("type", "required")]
    except (TypeError, ArithmeticError):
        # frictionless itself fails here (a zoned time against a naive bound): the value cannot meet the bound
        broken = [name for name in bounds(col)]
    return (True, broken, *key_value(value))


def key_value(value) -> tuple:
    """(SQL text, zoned, exact text): what makes two parsed values equal in Python equal in SQL."""
    if isinstance(value, bool):
        return str(value).lower(), None, None
    if isinstance(value, int):
        return (str(value), None, None) if value in _INT64 else (None, None, str(value))
    if isinstance(value, Decimal):
        return _decimal_key(value)
    if isinstance(value, float):
        return repr(value), None, None
    if isinstance(value, datetime):
        return _datetime_key(value)
    if isinstance(value, date):
        return value.isoformat(), None, None
    if isinstance(value, time):
        offset = value.utcoffset()
        micros = ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond
        return (
            str(
                micros
                - (
                    offset.days * 86_400_000_000 + offset.seconds * 1_000_000 + offset.microseconds
                    if offset is not None
                    else 0
                )
            ),
            offset is not None,
            None,
        )
    return str(value), None, None


def _decimal_key(value: Decimal) -> tuple:
    # SQL reads simple decimals (at most 15 digits) as doubles, which keep them apart and in order.
    if value.is_finite() and len(value.normalize().as_tuple().digits) <= 15 and -300 < value.adjusted() < 300:
        return repr(float(value)), None, None
    return None, None, str(value.normalize()) if value.is_finite() else str(value)


def _datetime_key(value: datetime) -> tuple:
    offset = value.utcoffset()
    if offset is None:
        return value.isoformat(sep=" "), False, None
    try:
        return (value.replace(tzinfo=None) - offset).isoformat(sep=" "), True, None
    except OverflowError:
        return None, True, value.isoformat()
