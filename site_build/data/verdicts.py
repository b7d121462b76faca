"""Verdicts of earlier runs, keyed by the files' fingerprints and the schema.

Each resource's row checks are kept in the store's "verdicts" namespace; the
whole report, in "reports", is kept under the descriptor, every data file and
the validation code, so that a build whose data did not change opens no file
with frictionless at all. What frictionless read of each header is kept in
"headers", so that after a one-file change only that file is opened with it.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from site_build.data.cells import Column
from site_build.data.checks import Finding
from site_build.data.package import DataPackage, Fingerprints
from site_build.data.report import Error, Group, Report
from site_build.data.store import Store

if TYPE_CHECKING:
    from site_build.data.header import Table

NAMESPACE = "verdicts"
REPORTS = "reports"
HEADERS = "headers"
#: the code whose verdicts a stored report holds: this folder (validation, checks, messages)
_CODE = Path(__file__).parent


def cache_key(table, tables: dict, first: int, prints: Fingerprints) -> str:
    res = table.resource
    parents = sorted({(fk.get("reference") or {}).get("resource") or res.name for fk in res.foreign_keys} - {res.name})
    blob = [first, prints.of(res.path), res.descriptor, [asdict(c) for c in table.columns]]
    for name in parents:
        parent = tables.get(name)
        if parent and parent.readable:
            blob.append([name, prints.of(parent.resource.path), parent.resource.descriptor])
    return Store.key(*blob)


def load_cache(store: Store, key: str | None) -> tuple[int, list[Finding]] | None:
    """(rows, findings) of the verdict stored under ``key``, or None."""
    return store.get_json(NAMESPACE, key, _verdict) if key else None


def save_cache(store: Store, key: str | None, rows: int, findings: list[Finding]) -> None:
    if key:
        store.put_json(NAMESPACE, key, {"rows": rows, "findings": [asdict(f) for f in findings]})


def _verdict(data: dict) -> tuple[int, list[Finding]]:
    findings = [Finding(**{**f, "samples": [tuple(s) for s in f["samples"]]}) for f in data["findings"]]
    return data["rows"], findings


def report_key(package: DataPackage, prints: Fingerprints, errors_per_type: int) -> str | None:
    """The key of the whole report on ``package``; None when a file cannot be read (that report is not kept)."""
    files = [package.descriptor_path, *(r.path for r in package.resources.values())]
    try:
        hashes = [prints.of(path) for path in files]
        code = _code(prints)
    except OSError:  # a missing or unreadable file: validation reports it, every time
        return None
    return Store.key(errors_per_type, hashes, code, _libraries())


def _libraries() -> list[str]:
    return [importlib.metadata.version(name) for name in ("frictionless", "duckdb")]


def _code(prints: Fingerprints) -> list[tuple[str, str]]:
    return sorted((p.name, prints.of(p)) for p in _CODE.glob("*.py"))


def header_keys(keys: dict[str, str], prints: Fingerprints) -> dict[str, str]:
    """The store key of each header read under its key (descriptor, resource, position, file) by this code."""
    code, libraries = _code(prints), _libraries()
    return {name: Store.key(key, code, libraries) for name, key in keys.items()}


def load_header(store: Store, key: str, table: Table) -> Table | None:
    """``table`` (a resource and its prefix) with the header stored under ``key``, or None."""

    def parse(data: dict) -> Table:
        columns = [
            Column(c["number"], c["descriptor"], tuple(c["missing_values"]), tuple(c["supported"]))
            for c in data["columns"]
        ]
        errors = [Error(**e) for e in data["errors"]]
        delimiter, quote = data["dialect"]
        return replace(
            table, columns=columns, errors=errors, readable=bool(data["readable"]), dialect=(delimiter, quote)
        )

    return store.get_json(HEADERS, key, parse)


def save_header(store: Store, key: str, table: Table) -> None:
    """Keep what frictionless read of a header; not a table frictionless must check whole (``fallback``)."""
    if table.fallback is None:
        columns = [asdict(c) for c in table.columns]
        errors = [asdict(e) for e in table.errors]
        store.put_json(
            HEADERS, key, {"columns": columns, "errors": errors, "readable": table.readable, "dialect": table.dialect}
        )


def load_report(store: Store, key: str | None) -> Report | None:
    return store.get_json(REPORTS, key, _report) if key else None


def save_report(store: Store, key: str | None, report: Report) -> None:
    if key:
        groups = [asdict(g) for g in report.groups]
        store.put_json(REPORTS, key, {"groups": groups, "rows": report.stats.get("rows") or {}})


def _report(data: dict) -> Report:
    groups = [Group(**{**g, "errors": [Error(**e) for e in g["errors"]]}) for g in data["groups"]]
    rows = data["rows"]
    if not isinstance(rows, dict):
        raise TypeError("rows is not an object")
    return Report(groups=groups, stats={"rows": rows, "cached": sorted(rows)})
