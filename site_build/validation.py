"""The validation gate: every resource checked against its Table Schema before a build.

Frictionless checks what is cheap and subtle: the descriptor, the file's
encoding and its header (it reads only the first rows). DuckDB then checks
every row with a few vectorised scans per resource (``site_build.checks``),
with the same error types, row numbers and field positions as frictionless.
A resource whose encoding DuckDB cannot read is handed to frictionless whole,
so its verdict still matches.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from dataclasses import field as _field
from pathlib import Path

import frictionless
from frictionless import FrictionlessException

from site_build.checks import (
    MAX_EXTRA_CELLS,
    Column,
    Finding,
    csv_source,
    parquet_source,
    scan_cells,
    scan_duplicates,
    scan_extra_cells,
    scan_foreign_key,
)
from site_build.errors import DataInvalid
from site_build.package import DataPackage, Fingerprints, Resource
from site_build.query import Scanner
from site_build.report import Error, Group, Report, shorten

#: bump when checks change, so cached verdicts are not reused
CACHE_FORMAT = 1
MEMORY_LIMIT = "2GB"
_UTF8 = {"utf-8", "utf_8", "utf8", "ascii", "us-ascii"}

Progress = Callable[[str, int, int], None]


def gate(package: DataPackage, **kw) -> Report:
    """Validate ``package``; return the report, or raise ``DataInvalid`` holding it."""
    report = validate(package, **kw)
    if not report.valid:
        raise DataInvalid(report.to_text(), report)
    return report


def validate(package: DataPackage, *, errors_per_type: int = 5, progress: Progress | None = None, cache_dir: Path | None = None) -> Report:
    """Check every resource of ``package``; return a ``Report`` (``report.valid`` is the verdict)."""
    start = time.perf_counter()
    report = Report(stats={"rows": {}, "cached": []})
    fpackage, problems = _open_package(package)
    if problems:
        report.groups = [Group(e.type, None, "datapackage.json", total=1, errors=[e]) for e in problems]
    else:
        tables = {name: _read_header(res, fpackage.get_resource(name)) for name, res in package.resources.items()}
        prints = Fingerprints(Path(cache_dir) / "fingerprints.json") if cache_dir else None
        # Twice as many threads as cores: the CSV scan waits on reads, and overlapping them measured ~10% faster.
        with Scanner(memory_limit=MEMORY_LIMIT, threads=2 * (os.cpu_count() or 1)) as scanner:
            scanner.execute(f"SET temp_directory = '{tempfile.gettempdir()}/handbook-duckdb'")
            for done, (name, table) in enumerate(tables.items(), start=1):
                groups, rows, cached = _check_table(scanner, table, tables, errors_per_type, cache_dir, prints)
                report.groups += groups
                report.stats["rows"][name] = rows
                if cached:
                    report.stats["cached"].append(name)
                if progress:
                    progress(name, done, len(tables))
        if prints:
            prints.save()
    report.stats["seconds"] = round(time.perf_counter() - start, 3)
    return report


# -- descriptor and header (frictionless) ------------------------------------


@dataclass
class _Table:
    resource: Resource
    columns: list[Column] = _field(default_factory=list)
    errors: list[Error] = _field(default_factory=list)
    readable: bool = True
    #: frictionless detected an encoding DuckDB does not read: let frictionless check the rows
    fallback: object | None = None

    @property
    def source(self) -> str:
        r = self.resource
        if r.format == "parquet":
            return parquet_source(str(r.path), self.columns)
        return csv_source(str(r.path), len(self.columns) + 1, r.delimiter)

    def counting_source(self, parallel: bool) -> str:
        r = self.resource
        if r.format == "parquet":
            return self.source
        return csv_source(str(r.path), len(self.columns) + 1, r.delimiter, numbered=False, parallel=parallel)


def _open_package(package: DataPackage):
    try:
        fpackage = frictionless.Package(str(package.descriptor_path))
        fpackage.to_descriptor(validate=True)
    except FrictionlessException as e:
        reasons = e.reasons or [e.error]
        return None, [Error(r.type, None, "datapackage.json", r.message) for r in reasons]
    return fpackage, []


def _read_header(resource: Resource, fres) -> _Table:
    table = _Table(resource)
    if resource.format == "parquet":
        table.columns = [Column(i, f.to_descriptor(), tuple(fres.schema.missing_values), tuple(f.supported_constraints)) for i, f in enumerate(fres.schema.fields, start=1)]
        if not resource.path.exists():
            table.errors.append(_resource_error(resource, "scheme-error", f"{resource.relpath} not found"))
            table.readable = False
        return table
    # A copy without foreign keys: opening the original would read every referenced row in Python.
    copy = fres.to_copy()
    copy.schema.foreign_keys = []
    try:
        with copy:
            table.errors += [_label_error(resource, e) for e in copy.header.errors]
            if not copy.labels:
                table.errors.append(_resource_error(resource, "source-error", "the source is empty"))
            expected = copy.header.get_expected_fields()
            missing = tuple(copy.schema.missing_values)
            table.columns = [
                Column(i, f.to_descriptor(), tuple(f.missing_values) if f.has_defined("missing_values") else missing, tuple(f.supported_constraints))
                for i, f in enumerate(expected, start=1)
            ]
            # frictionless is the reference for what DuckDB cannot check exactly: other encodings,
            # and string formats (email, uri, uuid, binary) whose rules live in Python libraries.
            if (copy.encoding or "utf-8").lower() not in _UTF8 or any(_python_only_format(c) for c in table.columns):
                table.fallback = fres
    except FrictionlessException as e:
        table.errors.append(_resource_error(resource, e.error.type, e.error.message))
        table.readable = False
    return table


def _python_only_format(column: Column) -> bool:
    return column.type == "string" and column.descriptor.get("format", "default") not in ("default", None)


def _label_error(resource: Resource, e) -> Error:
    return Error(e.type, resource.name, resource.relpath, e.message, row=1, field=e.field_name or None, field_number=e.field_number, value=shorten(e.label))


def _resource_error(resource: Resource, kind: str, message: str) -> Error:
    return Error(kind, resource.name, resource.relpath, message)


# -- rows (DuckDB) ------------------------------------------------------------


def _check_table(scanner: Scanner, table: _Table, tables: dict, first: int, cache_dir, prints) -> tuple[list[Group], int, bool]:
    res = table.resource
    groups = [Group(e.type, res.name, res.relpath, e.field, total=1, errors=[e]) for e in table.errors]
    if not table.readable:
        return groups, 0, False
    if table.fallback is not None:
        rows, findings = _frictionless_rows(table)
        return groups + findings, rows, False
    key = _cache_key(table, tables, first, prints) if cache_dir else None
    hit = _load_cache(cache_dir, key)
    if hit is not None:
        rows, findings = hit
    else:
        try:
            rows, findings = _scan(scanner, table, tables, first)
        except Scanner.Error as e:
            kind = "encoding-error" if "unicode" in str(e).lower() else "source-error"
            message = str(e).strip().splitlines()[0]
            return groups + [Group(kind, res.name, res.relpath, total=1, errors=[_resource_error(res, kind, message)])], 0, False
        _save_cache(cache_dir, key, rows, findings)
    return groups + [_group(res, f) for f in findings], rows, hit is not None


def _scan(scanner: Scanner, table: _Table, tables: dict, first: int) -> tuple[int, list[Finding]]:
    res, columns = table.resource, table.columns
    by_name = {c.name: c for c in columns}
    pk = [by_name[n] for n in res.primary_key] if set(res.primary_key) <= set(by_name) else []
    keys = [[c] for c in columns if c.constraints.get("unique") is True] + ([pk] if pk else [])
    # Counting lines (for empty-line renumbering) overlaps the DuckDB scan, which releases the GIL.
    with ThreadPoolExecutor(max_workers=1) as pool:
        lines = pool.submit(_count_lines, res.path) if res.format == "csv" else None
        rows, findings, extra_rows, duplicates = _scan_cells(scanner, table, first, pk, keys)
        lines = lines.result() if lines else None
    if extra_rows:
        wide = csv_source(str(res.path), len(columns) + 1 + MAX_EXTRA_CELLS, res.delimiter)
        findings.append(scan_extra_cells(scanner, wide, columns, first=first))
    for key, count in zip(keys, duplicates):
        if count:
            findings.append(scan_duplicates(scanner, table.source, key, kind="primary-key" if key is pk else "unique-error", first=first))
    for fk in res.foreign_keys:
        findings.append(_scan_foreign_key(scanner, table, tables, fk, first))
    # Parquet has no ragged rows: a NULL there is an empty cell, never a missing one.
    findings = [f for f in findings if f and f.total and not (f.type == "missing-cell" and res.format == "parquet")]
    if res.format == "csv":
        findings, empty_lines = _shift_rows(res, rows, findings, pk, first, lines)
        rows += empty_lines
    return rows, _ordered(findings)


def _scan_cells(scanner: Scanner, table: _Table, first: int, pk: list[Column], keys: list[list[Column]]):
    width = len(table.columns) + (table.resource.format == "csv")
    counting = table.counting_source(parallel=True)
    try:
        return scan_cells(scanner, (counting, table.source), table.columns, width, first=first, primary_key=pk, keys=keys)
    except Scanner.Error as e:
        if "parallel" not in str(e):
            raise
    # Quoted newlines with short rows: DuckDB's parallel reader cannot pad them.
    counting = table.counting_source(parallel=False)
    return scan_cells(scanner, (counting, table.source), table.columns, width, first=first, primary_key=pk, keys=keys)


def _scan_foreign_key(scanner: Scanner, table: _Table, tables: dict, fk: dict, first: int) -> Finding | None:
    fields = _names(fk.get("fields"))
    ref = fk.get("reference") or {}
    parent_name = ref.get("resource") or table.resource.name
    parent = tables.get(parent_name)
    by_name = {c.name: c for c in table.columns}
    if parent is None or not parent.readable or not set(fields) <= set(by_name):
        return None
    parent_cols = {c.name: c for c in parent.columns}
    ref_fields = _names(ref.get("fields"))
    if not set(ref_fields) <= set(parent_cols):
        return None
    reference = f"{parent_name}({', '.join(ref_fields)})"
    return scan_foreign_key(scanner, table.source, [by_name[n] for n in fields], parent.source, [parent_cols[n] for n in ref_fields], reference=reference, first=first)


def _names(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _ordered(findings: list[Finding]) -> list[Finding]:
    order = ["blank-row", "extra-cell", "missing-cell", "type-error", "constraint-error", "unique-error", "primary-key", "foreign-key"]
    return sorted(findings, key=lambda f: (order.index(f.type), f.field_number or 0))


# -- row numbers as frictionless counts them ----------------------------------


def _shift_rows(res: Resource, rows: int, findings: list[Finding], pk: list[Column], first: int, lines: int) -> tuple[list[Finding], int]:
    """Renumber rows when the file has empty lines, which DuckDB skips but frictionless counts.

    Returns the findings and the number of empty lines.
    """
    empties = _empty_records(res.path, rows + 1, res.delimiter, lines)
    if not empties:
        return findings, 0
    for f in findings:
        f.samples = [(_real_row(s[0], empties), *s[1:]) for s in f.samples]
        if f.type in ("unique-error", "primary-key") and f.samples and len(f.samples[0]) > 2:
            f.samples = [(r, v, _real_row(n, empties)) for r, v, n in f.samples]
    kinds = [("blank-row", None)] + ([("primary-key", "all key cells empty")] if pk else [])
    for kind, rule in kinds:
        found = next((f for f in findings if f.type == kind and f.rule == rule), None)
        if found is None:
            found = Finding(kind, field=", ".join(c.name for c in pk) if rule else None, rule=rule)
            findings.append(found)
        found.total += len(empties)
        found.samples = sorted(found.samples + [(r, None) for r in empties[:first]])[:first]
    return findings, len(empties)


def _count_lines(path: Path) -> int:
    """Lines in the file, counting a last line without a newline."""
    lines, last = 0, b"\n"
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


def _empty_records(path: Path, records: int, delimiter: str, lines: int) -> list[int]:
    if lines == records:
        return []  # one record per line: DuckDB's numbering is exact
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        return [n for n, cells in enumerate(csv.reader(fh, delimiter=delimiter), start=1) if not cells]


def _real_row(rn: int, empties: list[int]) -> int:
    row = rn
    while True:
        shifted = rn + bisect.bisect_right(empties, row)
        if shifted == row:
            return row
        row = shifted


# -- findings to report groups ----------------------------------------------------


def _group(res: Resource, f: Finding) -> Group:
    errors = [_error(res, f, s) for s in f.samples]
    return Group(f.type, res.name, res.relpath, f.field, f.rule, f.total, errors)


def _error(res: Resource, f: Finding, sample: tuple) -> Error:
    row, value = sample[0], sample[1]
    shown = shorten(value)
    number = sample[2] if f.type == "extra-cell" else f.field_number
    if f.type == "blank-row":
        message = "the row is completely blank"
    elif f.type == "missing-cell":
        message = f"{f.field} (column {number}) is missing: the row has fewer cells than the header"
    elif f.type == "extra-cell":
        message = f"extra cell {shown!r} in column {number}, beyond the fields of the schema"
    elif f.type == "type-error":
        message = f"{f.field} = {shown!r} is not a valid {f.rule.removeprefix('type ')}"
    elif f.type == "constraint-error":
        message = f"{f.field} is empty but required" if f.rule == "required" else f"{f.field} = {shown} violates {f.rule}"
    elif f.type in ("unique-error", "primary-key") and len(sample) > 2:
        message = f"{f.field} = {shown} repeats row {sample[2]}"
    elif f.type == "primary-key":
        message = f"primary key ({f.field}) is empty"
    else:
        message = f"{f.field} = {shown} not found in {f.rule.removeprefix('reference ')}"
    return Error(f.type, res.name, res.relpath, message, row, f.field, number, shown, f.rule)


def _frictionless_rows(table: _Table) -> tuple[int, list[Group]]:
    """Rows of a resource DuckDB cannot decode, checked by frictionless itself (slow, rare)."""
    res = table.resource
    freport = table.fallback.validate()
    groups: dict[tuple, Group] = {}
    for task in freport.tasks:
        for e in task.errors:
            if e.type in {x.type for x in table.errors}:
                continue
            name = getattr(e, "field_name", None) or None
            g = groups.setdefault((e.type, name, e.note), Group(e.type, res.name, res.relpath, name, e.note))
            g.total += 1
            g.errors.append(Error(e.type, res.name, res.relpath, e.message, getattr(e, "row_number", None), name, getattr(e, "field_number", None), shorten(getattr(e, "cell", None)), e.note))
    rows = sum(t.stats.get("rows") or 0 for t in freport.tasks)
    return rows, list(groups.values())


# -- cache ------------------------------------------------------------------------


def _cache_key(table: _Table, tables: dict, first: int, prints: Fingerprints) -> str:
    res = table.resource
    parents = sorted({(fk.get("reference") or {}).get("resource") or res.name for fk in res.foreign_keys} - {res.name})
    blob = [CACHE_FORMAT, first, prints.of(res.path), res.descriptor, [asdict(c) for c in table.columns]]
    for name in parents:
        parent = tables.get(name)
        if parent and parent.readable:
            blob.append([name, prints.of(parent.resource.path), parent.resource.descriptor])
    return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()


def _cache_path(cache_dir, key: str) -> Path:
    return Path(cache_dir) / "validation" / f"{key}.json"


def _load_cache(cache_dir, key: str | None):
    if not key or not _cache_path(cache_dir, key).exists():
        return None
    try:
        data = json.loads(_cache_path(cache_dir, key).read_text(encoding="utf-8"))
        findings = [Finding(**{**f, "samples": [tuple(s) for s in f["samples"]]}) for f in data["findings"]]
        return data["rows"], findings
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a corrupt entry is just a miss


def _save_cache(cache_dir, key: str | None, rows: int, findings: list[Finding]) -> None:
    if not key:
        return
    path = _cache_path(cache_dir, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"rows": rows, "findings": [asdict(f) for f in findings]}, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
