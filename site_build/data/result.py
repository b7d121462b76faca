"""A query result: small, fully materialised, JSON round-trippable.

Kept apart from ``query`` (which owns DuckDB) so that renderers and team chart
functions can use results without touching the engine.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass
from typing import Any


@dataclass
class QueryResult:
    """A small, fully materialised result: column names, DuckDB type names and rows."""

    columns: list[str]
    types: list[str]
    rows: list[tuple]
    sql: str = ""
    resources: tuple[str, ...] = ()

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts with JSON-friendly values (dates as ISO strings)."""
        return [{c: _jsonable(v) for c, v in zip(self.columns, row)} for row in self.rows]

    def column(self, name: str) -> list:
        return [row[self.columns.index(name)] for row in self.rows]

    def scalar(self):
        return self.rows[0][0] if self.rows and self.rows[0] else None

    def __len__(self) -> int:
        return len(self.rows)

    def to_text(self) -> str:
        """The result as aligned columns of plain text, for a terminal."""
        widths = [
            max(len(str(c)), *(len(str(r[i])) for r in self.rows)) if self.rows else len(str(c))
            for i, c in enumerate(self.columns)
        ]
        lines = ["  ".join(str(v).ljust(w) for v, w in zip(row, widths)) for row in [self.columns, *self.rows]]
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {
            "columns": self.columns,
            "types": self.types,
            "rows": [[_jsonable(v) for v in row] for row in self.rows],
            "resources": list(self.resources),
        }

    @classmethod
    def from_json(cls, data: dict, sql: str = "") -> QueryResult:
        types = data["types"]
        rows = [tuple(_from_json(v, t) for v, t in zip(row, types)) for row in data["rows"]]
        return cls(data["columns"], types, rows, sql, tuple(data.get("resources", ())))


def _jsonable(value):
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, float) and value != value:
        return None
    return value


def _from_json(value, type_name: str):
    if value is None:
        return None
    if type_name == "DATE":
        return dt.date.fromisoformat(value)
    if type_name.startswith("TIMESTAMP"):
        return dt.datetime.fromisoformat(value)
    if type_name == "TIME":
        return dt.time.fromisoformat(value)
    return value
