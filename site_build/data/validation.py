"""The validation gate: every resource checked against its Table Schema before a build.

Frictionless checks what is cheap and subtle: the descriptor, the file's
encoding and its header (it reads only the first rows). DuckDB then checks
every row with a few vectorised scans per resource (``site_build.data.checks``),
with the same error types, row numbers and field positions as frictionless.
A resource whose encoding DuckDB cannot read is handed to frictionless whole,
so its verdict still matches.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field as _field
from functools import partial
from pathlib import Path

import frictionless
from frictionless import FrictionlessException

from site_build.data.cells import Column
from site_build.data.checks import (
    MAX_EXTRA_CELLS,
    Finding,
    Side,
    csv_source,
    parquet_source,
    scan_cells,
    scan_duplicates,
    scan_extra_cells,
    scan_foreign_key,
    to_group,
)
from site_build.data.judge import judge
from site_build.data.package import DataPackage, Fingerprints, Resource
from site_build.data.report import Error, Group, Report, shorten
from site_build.data.rownumbers import count_lines, shift_rows
from site_build.data.scanner import Scanner
from site_build.data.store import NO_STORE, Store
from site_build.data.verdicts import cache_key, load_cache, save_cache
from site_build.errors import DataInvalid, suggest

MEMORY_LIMIT = "2GB"
#: DuckDB reads these, and skips a UTF-8 byte order mark (Excel's "CSV UTF-8" writes one)
_UTF8 = {"utf-8", "utf_8", "utf8", "ascii", "us-ascii", "utf-8-sig"}

Progress = Callable[[str, int, int], None]


def gate(package: DataPackage, **kw) -> Report:
    """Validate ``package``; return the report, or raise ``DataInvalid`` holding it."""
    report = validate(package, **kw)
    if not report.valid:
        raise DataInvalid(report.to_text(), report)
    return report


def validate(
    package: DataPackage, *, errors_per_type: int = 5, progress: Progress | None = None, store: Store = NO_STORE
) -> Report:
    """Check every resource of ``package``; return a ``Report`` (``report.valid`` is the verdict)."""
    start = time.perf_counter()
    report = Report(stats={"rows": {}, "cached": []})
    fpackage, problems = _open_package(package)
    if problems:
        report.groups = [Group(e.type, None, "datapackage.json", total=1, errors=[e]) for e in problems]
    else:
        tables = {
            name: _read_header(res, fpackage.get_resource(name), f"r{i}")
            for i, (name, res) in enumerate(package.resources.items())
        }
        prints = Fingerprints(store) if store.enabled else None
        # Twice as many threads as cores: the CSV scan waits on reads, and overlapping them measured ~10% faster.
        with Scanner(memory_limit=MEMORY_LIMIT, threads=2 * (os.cpu_count() or 1)) as scanner:
            scanner.execute(f"SET temp_directory = '{tempfile.gettempdir()}/handbook-duckdb'")
            for done, (name, table) in enumerate(tables.items(), start=1):
                groups, rows, cached = _check_table(scanner, table, tables, errors_per_type, store, prints)
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
    #: frictionless detected an encoding or dialect DuckDB does not read: let frictionless check the rows
    fallback: frictionless.Resource | None = None
    #: (delimiter, quote) as frictionless detected them when the descriptor declares none
    dialect: tuple[str, str] = (",", '"')
    #: the frictionless field of each column, by number, for the cells SQL cannot judge
    fields: dict = _field(default_factory=dict)
    #: field number -> table of frictionless's verdicts on its hard cells; None until judged
    judged: dict | None = None
    prefix: str = "r"

    @property
    def source(self) -> str:
        r = self.resource
        if r.format == "parquet":
            return parquet_source(str(r.path), self.columns)
        return csv_source(str(r.path), len(self.columns) + 1, self.dialect)

    def counting_source(self, parallel: bool) -> str:
        r = self.resource
        if r.format == "parquet":
            return self.source
        return csv_source(str(r.path), len(self.columns) + 1, self.dialect, numbered=False, parallel=parallel)


def _open_package(package: DataPackage):
    try:
        fpackage = frictionless.Package(str(package.descriptor_path))
        fpackage.to_descriptor(validate=True)
    except FrictionlessException as e:
        reasons = e.reasons or [e.error]
        return None, [Error(r.type, None, "datapackage.json", r.message) for r in reasons]
    return fpackage, []


def _read_header(resource: Resource, fres, prefix: str) -> _Table:
    table = _Table(resource, prefix=prefix)
    table.errors = _schema_errors(resource, fres.schema.fields)
    if table.errors:
        table.readable = False
        return table
    if resource.format == "parquet":
        fields = list(fres.schema.fields)
        table.columns = [
            Column(i, f.to_descriptor(), tuple(fres.schema.missing_values), tuple(f.supported_constraints))
            for i, f in enumerate(fields, start=1)
        ]
        table.fields = dict(enumerate(fields, start=1))
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
                Column(
                    i,
                    f.to_descriptor(),
                    tuple(f.missing_values) if f.has_defined("missing_values") else missing,
                    tuple(f.supported_constraints),
                )
                for i, f in enumerate(expected, start=1)
            ]
            table.fields = dict(enumerate(expected, start=1))
            dialect = _dialect(copy)
            table.dialect = dialect or table.dialect
            # frictionless is the reference for what DuckDB cannot read: other encodings, odd CSV dialects.
            if (copy.encoding or "utf-8").lower() not in _UTF8 or dialect is None:
                table.fallback = fres
    except FrictionlessException as e:
        table.errors.append(_resource_error(resource, e.error.type, e.error.message))
        table.readable = False
    return table


def _dialect(fres) -> tuple[str, str] | None:
    """(delimiter, quote) of the CSV as frictionless read it (declared or sniffed).

    None if DuckDB cannot read it alike.
    """
    control = fres.dialect.get_control("csv")
    if control is None:
        return (",", '"')
    py = control.to_python()
    if py.skipinitialspace or py.escapechar or not py.doublequote or len(py.delimiter) != 1:
        return None
    return py.delimiter, py.quotechar or '"'


def _schema_errors(resource: Resource, fields) -> list[Error]:
    """Constraints frictionless cannot apply (it raises on them), as schema errors."""
    found = []
    for field in fields:
        constraints = field.constraints or {}
        pattern = constraints.get("pattern") if "pattern" in field.supported_constraints else None
        problem = None
        if pattern is not None and not _compiles(pattern):
            problem = f"constraint pattern {pattern!r} is not a valid regular expression"
        reader = field.create_value_reader()
        for name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if name in constraints and name in field.supported_constraints and reader(constraints[name]) is None:
                problem = f"constraint {name} {constraints[name]!r} is not a valid {field.type}"
        if problem:
            where = f"{resource.relpath}: field '{field.name}' (resource '{resource.name}' in datapackage.json)"
            found.append(
                Error(
                    "schema-error",
                    resource.name,
                    resource.relpath,
                    f"{where}: {problem}. Fix the constraint in the schema.",
                    field=field.name,
                )
            )
    return found


def _compiles(pattern) -> bool:
    try:
        re.compile(f"^{pattern}$")
    except (re.error, TypeError):
        return False
    return True


def _label_error(resource: Resource, e) -> Error:
    return Error(
        e.type,
        resource.name,
        resource.relpath,
        e.message,
        row=1,
        field=e.field_name or None,
        field_number=e.field_number,
        value=shorten(e.label),
    )


def _resource_error(resource: Resource, kind: str, message: str) -> Error:
    return Error(kind, resource.name, resource.relpath, message)


def _file_errors(res: Resource) -> list[Error]:
    """The file's size and hash against the resource's ``bytes`` and ``hash``, as frictionless checks them."""
    found = []
    declared = res.descriptor.get("bytes")
    if declared and isinstance(declared, int) and declared != res.path.stat().st_size:
        message = (
            f"{res.relpath} has {res.path.stat().st_size:,} bytes but resource '{res.name}' declares bytes {declared}. "
            "The file changed since it was described: re-export it, or update bytes in datapackage.json."
        )
        found.append(_resource_error(res, "byte-count", message))
    if isinstance(res.descriptor.get("hash"), str) and res.descriptor["hash"]:
        algorithm, colon, expected = res.descriptor["hash"].partition(":")
        algorithm, expected = (algorithm, expected) if colon else ("md5", algorithm)
        if algorithm in ("md5", "sha256"):
            actual = _file_hash(res.path, algorithm)
            if actual != expected:
                message = (
                    f"{res.relpath} has {algorithm} {actual} "
                    f"but resource '{res.name}' declares hash {res.descriptor['hash']!r}. "
                    "The file changed since it was described: re-export it, or update hash in datapackage.json."
                )
                found.append(_resource_error(res, "hash-count", message))
    return found


def _file_hash(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# -- rows (DuckDB) ------------------------------------------------------------


def _check_table(
    scanner: Scanner, table: _Table, tables: dict, first: int, store: Store, prints: Fingerprints | None
) -> tuple[list[Group], int, bool]:
    res = table.resource
    groups = [Group(e.type, res.name, res.relpath, e.field, total=1, errors=[e]) for e in table.errors]
    if not table.readable:
        return groups, 0, False
    stopped = _missing_references(table, tables)
    if stopped:
        return groups + [Group(e.type, res.name, res.relpath, total=1, errors=[e]) for e in stopped], 0, False
    if table.fallback is not None:
        rows, checked = _frictionless_rows(table, table.fallback)
        return groups + checked, rows, False
    groups += [Group(e.type, res.name, res.relpath, total=1, errors=[e]) for e in _file_errors(res)]
    key = cache_key(table, tables, first, prints) if prints else None
    hit = load_cache(store, key)
    if hit is not None:
        rows, findings = hit
    else:
        try:
            rows, findings = _scan(scanner, table, tables, first)
        except Scanner.Error as e:
            kind = "encoding-error" if "unicode" in str(e).lower() else "source-error"
            message = str(e).strip().splitlines()[0]
            return (
                groups + [Group(kind, res.name, res.relpath, total=1, errors=[_resource_error(res, kind, message)])],
                0,
                False,
            )
        save_cache(store, key, rows, findings)
    return groups + [to_group(res.name, res.relpath, f) for f in findings], rows, hit is not None


def _scan(scanner: Scanner, table: _Table, tables: dict, first: int) -> tuple[int, list[Finding]]:
    res, columns = table.resource, table.columns
    by_name = {c.name: c for c in columns}
    pk = [by_name[n] for n in res.primary_key] if set(res.primary_key) <= set(by_name) else []
    keys = [[c] for c in columns if c.constraints.get("unique") is True] + ([pk] if pk else [])
    # Counting lines (for empty-line renumbering) overlaps the DuckDB scan, which releases the GIL.
    with ThreadPoolExecutor(max_workers=1) as pool:
        counting = pool.submit(count_lines, res.path) if res.format == "csv" else None
        rows, findings, extra_rows, duplicates = _scan_cells(scanner, table, first, pk, keys)
        lines = counting.result() if counting else 0
    if extra_rows:
        wide = csv_source(str(res.path), len(columns) + 1 + MAX_EXTRA_CELLS, table.dialect)
        findings.append(scan_extra_cells(scanner, wide, columns, first=first))
    for key, count in zip(keys, duplicates):
        if count:
            kind = "primary-key" if key is pk else "unique-error"
            findings.append(
                scan_duplicates(scanner, table.source, columns, key, kind=kind, first=first, judged=table.judged)
            )
    for fk in res.foreign_keys:
        findings.append(_scan_foreign_key(scanner, table, tables, fk, first))
    # Parquet has no ragged rows: a NULL there is an empty cell, never a missing one.
    findings = [f for f in findings if f and f.total and not (f.type == "missing-cell" and res.format == "parquet")]
    if res.format == "csv":
        findings, empty_lines = shift_rows(res, table.dialect[0], rows, findings, pk, first, lines)
        rows += empty_lines
    return rows, _ordered(findings)


def _scan_cells(scanner: Scanner, table: _Table, first: int, pk: list[Column], keys: list[list[Column]]):
    """Scan once; if some cells need frictionless's verdict, get it and scan again."""
    table.judged = table.judged or {}
    result = _scan_cells_once(scanner, table, first, pk, keys)
    if result[-1]:
        table.judged.update(judge(scanner, table.source, result[-1], table.fields, table.prefix))
        result = _scan_cells_once(scanner, table, first, pk, keys)
    return result[:-1]


def _scan_cells_once(scanner: Scanner, table: _Table, first: int, pk: list[Column], keys: list[list[Column]]):
    width = len(table.columns) + (table.resource.format == "csv")
    scan = partial(scan_cells, scanner, first=first, primary_key=pk, keys=keys, judged=table.judged)
    try:
        return scan((table.counting_source(parallel=True), table.source), table.columns, width)
    except Scanner.Error as e:
        if "parallel" not in str(e):
            raise
    # Quoted newlines with short rows: DuckDB's parallel reader cannot pad them.
    return scan((table.counting_source(parallel=False), table.source), table.columns, width)


def _side(scanner: Scanner, table: _Table, key: list[Column]) -> Side:
    if table.judged is None:  # a parent not scanned yet: judge its key's hard cells now
        table.judged = judge(scanner, table.source, key, table.fields, table.prefix) if key else {}
    return Side(table.source, table.columns, key, table.judged)


def _scan_foreign_key(scanner: Scanner, table: _Table, tables: dict, fk: dict, first: int) -> Finding | None:
    fields = _names(fk.get("fields"))
    ref = fk.get("reference") or {}
    parent_name = ref.get("resource") or table.resource.name
    parent = tables[parent_name] if parent_name != table.resource.name else table
    by_name = {c.name: c for c in table.columns}
    if not parent.readable or not set(fields) <= set(by_name):
        return None
    parent_cols = {c.name: c for c in parent.columns}
    ref_fields = _names(ref.get("fields"))
    reference = f"{parent_name}({', '.join(ref_fields)})"
    unknown = [n for n in ref_fields if n not in parent_cols]
    if unknown:
        # frictionless reads an unknown field as empty, so no child value is found: say why
        reference += (
            f", which has no field {', '.join(map(repr, unknown))} (its fields: {', '.join(parent_cols)}); "
            "fix the foreign key's reference fields"
        )
    child = _side(scanner, table, [by_name[n] for n in fields])
    parent_side = _side(scanner, parent, [] if unknown else [parent_cols[n] for n in ref_fields])
    return scan_foreign_key(scanner, child, parent_side, reference=reference, first=first)


def _missing_references(table: _Table, tables: dict) -> list[Error]:
    """Foreign keys to a resource that does not exist: frictionless stops checking the resource there."""
    res, found = table.resource, []
    for fk in res.foreign_keys:
        name = (fk.get("reference") or {}).get("resource") or res.name
        if name not in tables:
            message = (
                f"{res.relpath}: the foreign key ({', '.join(_names(fk.get('fields')))}) of resource '{res.name}' "
                f"refers to resource '{name}', "
                f"which is not in datapackage.json. "
                + suggest(name, tables, noun="resource")
                + " Fix the reference's resource name."
            )
            found.append(_resource_error(res, "resource-error", message))
    return found


def _names(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _ordered(findings: list[Finding]) -> list[Finding]:
    order = [
        "blank-row",
        "extra-cell",
        "missing-cell",
        "type-error",
        "constraint-error",
        "unique-error",
        "primary-key",
        "foreign-key",
    ]
    return sorted(findings, key=lambda f: (order.index(f.type), f.field_number or 0))


# -- rows frictionless reads itself ------------------------------------------------


def _frictionless_rows(table: _Table, fres: frictionless.Resource) -> tuple[int, list[Group]]:
    """Rows of a resource DuckDB cannot decode, checked by frictionless itself (slow, rare)."""
    res = table.resource
    freport = fres.validate()
    groups: dict[tuple, Group] = {}
    for task in freport.tasks:
        for e in task.errors:
            if e.type in {x.type for x in table.errors}:
                continue
            name = getattr(e, "field_name", None) or None
            g = groups.setdefault((e.type, name, e.note), Group(e.type, res.name, res.relpath, name, e.note))
            g.total += 1
            g.errors.append(
                Error(
                    e.type,
                    res.name,
                    res.relpath,
                    e.message,
                    getattr(e, "row_number", None),
                    name,
                    getattr(e, "field_number", None),
                    shorten(getattr(e, "cell", None)),
                    e.note,
                )
            )
    rows = sum(t.stats.get("rows") or 0 for t in freport.tasks)
    return rows, list(groups.values())
