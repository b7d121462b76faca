"""The validation report: errors grouped by resource and type, with totals.

Modelled on frictionless-py's ``Report(valid, stats, errors)``: the same
kebab-case error types, ``flatten([...])`` for tests, and ``to_json`` for CI.
Each group keeps the total count of rows that share a problem but only its
first few errors, so a report of a broken 10-million-row file stays small.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from dataclasses import field as _field

TITLES = {
    "package-error": "Package Error",
    "resource-error": "Resource Error",
    "schema-error": "Schema Error",
    "field-error": "Field Error",
    "scheme-error": "Scheme Error",
    "source-error": "Source Error",
    "encoding-error": "Encoding Error",
    "blank-label": "Blank Label",
    "duplicate-label": "Duplicate Label",
    "incorrect-label": "Incorrect Label",
    "missing-label": "Missing Label",
    "extra-label": "Extra Label",
    "blank-row": "Blank Row",
    "extra-cell": "Extra Cell",
    "missing-cell": "Missing Cell",
    "type-error": "Type Error",
    "constraint-error": "Constraint Error",
    "unique-error": "Unique Error",
    "primary-key": "PrimaryKey Error",
    "foreign-key": "ForeignKey Error",
}

FIXES = {
    "package-error": "Fix datapackage.json so it is a valid Data Package descriptor.",
    "resource-error": "Fix the resource's entry in datapackage.json.",
    "schema-error": "Fix the Table Schema in datapackage.json (field names, primaryKey, foreignKeys).",
    "field-error": "Fix the field's descriptor in datapackage.json (type, format, constraints).",
    "scheme-error": "Check that the file exists at the path given in datapackage.json.",
    "source-error": "Check that the file is a readable CSV with a header row.",
    "encoding-error": "Save the file as UTF-8 (in Excel: 'CSV UTF-8'), or declare its encoding.",
    "blank-label": "Give the column a header that matches the schema's field name.",
    "duplicate-label": "Rename the repeated column header to the schema's field name.",
    "incorrect-label": "Rename the column header to the schema's field name (columns are matched by position).",
    "missing-label": "Add the missing column to the file, or remove the field from the schema.",
    "extra-label": "Remove the extra column, or add a field for it to the schema.",
    "blank-row": "Delete the empty row.",
    "extra-cell": "Remove the extra value (often an unquoted comma), or add a field to the schema.",
    "missing-cell": "Add the missing value; every row needs a cell for every field.",
    "type-error": "Write a value of the field's type, or leave the cell empty if it is not required.",
    "constraint-error": "Correct the value so it satisfies the rule, or change the rule in the schema.",
    "unique-error": "Remove or correct the repeated value: this field must be unique.",
    "primary-key": "Remove the duplicate row or give it its own key.",
    "foreign-key": "Add the referenced row to the other resource, or correct the key.",
}

#: frictionless-py's names for flatten(), next to ours
_ALIASES = {
    "resourceName": "resource",
    "rowNumber": "row",
    "fieldName": "field",
    "fieldNumber": "field_number",
    "cell": "value",
    "note": "rule",
}
_VALUE_WIDTH = 40


def shorten(value, width: int = _VALUE_WIDTH) -> str | None:
    """A cell value cut to ``width`` characters for display."""
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass
class Error:
    """One problem at one place: a row and field of a resource, a header label, or the descriptor."""

    type: str
    resource: str | None
    path: str | None
    message: str
    row: int | None = None
    field: str | None = None
    field_number: int | None = None
    value: str | None = None
    rule: str | None = None

    @property
    def title(self) -> str:
        return TITLES.get(self.type, self.type)

    @property
    def fix(self) -> str:
        return FIXES.get(self.type, "")

    def to_json(self) -> dict:
        return {**asdict(self), "title": self.title, "fix": self.fix}


@dataclass
class Group:
    """Every error of one type on one field (and rule) of a resource: the total and the first few."""

    type: str
    resource: str | None
    path: str | None
    field: str | None = None
    rule: str | None = None
    total: int = 0
    errors: list[Error] = _field(default_factory=list)
    #: said after the fix: what the values suggest (the date format that would read them all)
    hint: str | None = None

    @property
    def fix(self) -> str:
        return " ".join(x for x in (FIXES.get(self.type, ""), self.hint) if x)

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.errors))

    def to_json(self) -> dict:
        return {
            "type": self.type,
            "title": TITLES.get(self.type, self.type),
            "resource": self.resource,
            "path": self.path,
            "field": self.field,
            "rule": self.rule,
            "total": self.total,
            "more": self.more,
            "fix": self.fix,
            "errors": [e.to_json() for e in self.errors],
        }


@dataclass
class Report:
    """The verdict on a data package; ``valid`` is true when no group holds an error."""

    groups: list[Group] = _field(default_factory=list)
    stats: dict = _field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not any(g.total for g in self.groups)

    @property
    def errors(self) -> list[Error]:
        """The errors shown: the first few of each group, in report order."""
        return [e for g in self.groups for e in g.errors]

    @property
    def error_count(self) -> int:
        """Every error found, including those not listed."""
        return sum(g.total for g in self.groups)

    def flatten(self, keys: list[str]) -> list[list]:
        """Each shown error as a list of the given attributes (frictionless names work too)."""
        return [[getattr(e, _ALIASES.get(k, k)) for k in keys] for e in self.errors]

    def by_resource(self) -> dict[str | None, list[Group]]:
        out: dict[str | None, list[Group]] = {}
        for g in self.groups:
            out.setdefault(g.resource, []).append(g)
        return out

    def to_json(self) -> dict:
        return {
            "valid": self.valid,
            "error_count": self.error_count,
            "stats": self.stats,
            "groups": [g.to_json() for g in self.groups],
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2)

    def to_text(self) -> str:
        """A terminal table grouped by resource and type, ending with a one-line summary."""
        lines: list[str] = []
        for resource, groups in self.by_resource().items():
            path = groups[0].path
            total = sum(g.total for g in groups)
            head = resource or "datapackage.json"
            lines.append(
                f"{head}" + (f" ({path})" if path and resource else "") + f": {total:,} {_plural(total, 'error')}"
            )
            for g in groups:
                where = "  ".join(x for x in (g.field, g.rule) if x)
                lines.append(
                    f"  {g.type}"
                    + (f"  {where}" if where else "")
                    + f"  ({g.total:,} {_plural(g.total, 'row' if g.errors and g.errors[0].row else 'error')})"
                )
                for e in g.errors:
                    at = f"row {e.row}" if e.row else ""
                    if e.row and e.path and e.path != g.path:  # a part of a partitioned resource
                        at = f"{e.path} {at}"
                    lines.append(f"    {at:<10} {e.message}" if at else f"    {e.message}")
                if g.more:
                    lines.append(f"    … and {g.more:,} more {_plural(g.more, 'row')} share this problem")
                lines.append(f"    fix: {g.fix}")
        lines.append(self.summary())
        return "\n".join(lines)

    def summary(self) -> str:
        rows = sum((self.stats.get("rows") or {}).values())
        names = list(self.stats.get("rows") or {})
        seconds = self.stats.get("seconds", 0.0)
        if self.valid:
            return f"✓ valid: {len(names)} {_plural(len(names), 'resource')}, {rows:,} rows checked in {seconds:.2f} s."
        bad = [r or "datapackage.json" for r in self.by_resource()]
        return (
            f"✗ invalid: {self.error_count:,} {_plural(self.error_count, 'error')} in {', '.join(bad)} "
            f"({rows:,} rows checked in {seconds:.2f} s). "
            "Fix the cells named above in the files, then run `handbook validate` again."
        )


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"
