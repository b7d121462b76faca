"""Verdicts of the engine and of frictionless-py on the same package, for parity tests.

A verdict is a Counter of (type, resource, row, field, field number): what
both tools report about each error, so two verdicts compare with ``==``.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import frictionless

from site_build.data.package import DataPackage
from site_build.data.validation import validate

#: errors that frictionless reports without a field position
NO_POSITION = {"primary-key", "foreign-key", "blank-row"}


def write_package(root: Path, resources: list[dict]) -> Path:
    """Write ``datapackage.json`` and one CSV per resource under ``root``; return ``root``.

    Each resource is ``{"name", "fields", "rows" (lists of cells) or "text" or "raw" (bytes),
    "primaryKey"?, "foreignKeys"?, and any other resource property}``.
    """
    root.mkdir(parents=True, exist_ok=True)
    descriptors = []
    for res in resources:
        res = dict(res)
        name, fields = res.pop("name"), res.pop("fields")
        schema = {"fields": fields}
        for key in ("primaryKey", "foreignKeys", "missingValues"):
            if key in res:
                schema[key] = res.pop(key)
        data = res.pop("raw", None)
        if data is None:
            text = res.pop("text", None)
            if text is None:
                text = _csv_text([[f["name"] for f in fields], *res.pop("rows", [])])
            data = text.encode("utf-8")
        (root / f"{name}.csv").write_bytes(data)
        descriptors.append({"name": name, "path": f"{name}.csv", **res, "schema": schema})
    (root / "datapackage.json").write_text(
        json.dumps({"name": "case", "resources": descriptors}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return root


def _csv_text(rows: list[list]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def frictionless_verdict(root: Path) -> Counter:
    """What frictionless-py reports for the package at ``root``."""
    descriptor = json.loads((Path(root) / "datapackage.json").read_text(encoding="utf-8"))
    report = frictionless.validate(str(Path(root) / "datapackage.json"))
    found = Counter((e.type, None, None, None, None) for e in report.errors)
    for task in report.tasks:
        for e in task.errors:
            row = getattr(e, "row_number", None) or (getattr(e, "row_numbers", None) or [None])[0]
            field = getattr(e, "field_name", None) or ", ".join(getattr(e, "field_names", None) or []) or None
            if e.type == "primary-key":
                field = _primary_key(descriptor, task.name)
            number = None if e.type in NO_POSITION else getattr(e, "field_number", None)
            found[(e.type, task.name, row, field, number)] += 1
    return found


def engine_verdict(root: Path) -> Counter:
    """What ``site_build.data.validation`` reports for the package at ``root``."""
    report = validate(DataPackage.load(root), errors_per_type=1000)
    return Counter(
        (e.type, e.resource, e.row, e.field, None if e.type in NO_POSITION else e.field_number) for e in report.errors
    )


def _primary_key(descriptor: dict, resource: str) -> str:
    schema = next(r for r in descriptor["resources"] if r["name"] == resource)["schema"]
    pk = schema.get("primaryKey") or []
    return ", ".join([pk] if isinstance(pk, str) else pk)
