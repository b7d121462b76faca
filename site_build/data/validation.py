"""The validation gate: every resource checked against its Table Schema before a build.

Frictionless checks what is cheap and subtle: the descriptor, the file's
encoding and its header (it reads only the first rows). DuckDB then checks
every row with a few vectorised scans per resource (``site_build.data.checks``),
with the same error types, row numbers and field positions as frictionless.
A resource whose encoding DuckDB cannot read is handed to frictionless whole,
so its verdict still matches.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial

from site_build.data import partitions
from site_build.data.cells import Column
from site_build.data.checks import (
    MAX_EXTRA_CELLS,
    Finding,
    csv_source,
    part_group,
    scan_cells,
    scan_duplicates,
    scan_extra_cells,
    to_group,
)
from site_build.data.header import Table, field_objects, file_errors, frictionless_rows, read_headers, resource_error
from site_build.data.judge import judge
from site_build.data.package import DataPackage, Fingerprints
from site_build.data.references import Side, orphan_sql, scan_foreign_key
from site_build.data.report import Error, Group, Report
from site_build.data.rownumbers import count_lines, shift_rows
from site_build.data.scanner import Scanner
from site_build.data.store import NO_STORE, Store
from site_build.data.verdicts import cache_key, load_cache, load_report, report_key, save_cache, save_report
from site_build.errors import ConfigError, DataInvalid, out_of_room, suggest

#: the default of the setting memory_limit: the scans' hash tables spill to disk past it
MEMORY_LIMIT = "1GB"

Progress = Callable[[str, int, int], None]


def gate(package: DataPackage, **kw) -> Report:
    """Validate ``package``; return the report, or raise ``DataInvalid`` holding it."""
    report = validate(package, **kw)
    if not report.valid:
        raise DataInvalid(report.to_text(), report)
    return report


def validate(
    package: DataPackage,
    *,
    errors_per_type: int = 5,
    progress: Progress | None = None,
    store: Store = NO_STORE,
    memory_limit: str = MEMORY_LIMIT,
) -> Report:
    """Check every resource of ``package``; return a ``Report`` (``report.valid`` is the verdict)."""
    start = time.perf_counter()
    prints = Fingerprints(store) if store.enabled else None
    key = report_key(package, prints, errors_per_type) if prints else None
    report = load_report(store, key)
    if report is None:
        report = _validate(package, errors_per_type, progress, store, prints, memory_limit)
        save_report(store, key, report)
    elif progress:
        for done, name in enumerate(package.resources, start=1):
            progress(name, done, len(package.resources))
    if prints:
        prints.save()
    _hint_date_formats(report, package)
    report.stats["seconds"] = round(time.perf_counter() - start, 3)
    return report


#: date layouts seen in exports, tried in this order on a date field whose every value failed
DATE_LAYOUTS = ("%Y%m%d", "%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y.%m.%d")


def _hint_date_formats(report: Report, package: DataPackage) -> None:
    """When every row of a date field fails, and one layout reads every value shown, say its Table Schema format."""
    rows = report.stats.get("rows") or {}
    for group in report.groups:
        resource = package.resources.get(group.resource or "")
        if group.type != "type-error" or resource is None or group.total < rows.get(resource.name, 0):
            continue
        field = next((f for f in resource.fields if f.name == group.field), None)
        values = [e.value for e in group.errors if e.value]
        if field is None or field.type != "date" or not values:
            continue
        layout = next((x for x in DATE_LAYOUTS if all(_reads(v, x) for v in values)), None)
        if layout:
            group.hint = (
                f"Every value fails the same way, and they read as dates in the layout {layout}: if that is "
                f'what they are, add "format": "{layout}" to field {field.name} in datapackage.json.'
            )


def _reads(value: str, layout: str) -> bool:
    try:
        dt.datetime.strptime(value.strip(), layout)
    except ValueError:
        return False
    return True


def _validate(
    package: DataPackage,
    errors_per_type: int,
    progress: Progress | None,
    store: Store,
    prints: Fingerprints | None,
    memory_limit: str,
) -> Report:
    report = Report(stats={"rows": {}, "cached": []})
    tables, problems = read_headers(package, prints, store)
    if problems:
        report.groups = [Group(e.type, None, "datapackage.json", total=1, errors=[e]) for e in problems]
        return report
    # Twice as many threads as cores: the CSV scan waits on reads, and overlapping them measured ~10% faster.
    with Scanner(memory_limit=memory_limit, threads=2 * (os.cpu_count() or 1)) as scanner:
        scanner.execute(f"SET temp_directory = '{tempfile.gettempdir()}/handbook-duckdb'")
        for done, (name, table) in enumerate(tables.items(), start=1):
            groups, rows, cached = _check_table(scanner, table, tables, errors_per_type, store, prints)
            report.groups += groups
            report.stats["rows"][name] = rows
            if cached:
                report.stats["cached"].append(name)
            if progress:
                progress(name, done, len(tables))
    return report


# -- rows (DuckDB) ------------------------------------------------------------


def _check_table(
    scanner: Scanner, table: Table, tables: dict, first: int, store: Store, prints: Fingerprints | None
) -> tuple[list[Group], int, bool]:
    res = table.resource
    groups = [Group(e.type, res.name, res.relpath, e.field, total=1, errors=[e]) for e in table.errors]
    if not table.readable:
        return groups, 0, False
    stopped = _missing_references(table, tables)
    if stopped:
        return groups + [Group(e.type, res.name, res.relpath, total=1, errors=[e]) for e in stopped], 0, False
    if table.fallback is not None:
        rows, checked = frictionless_rows(table, table.fallback)
        return groups + checked, rows, False
    groups += [Group(e.type, res.name, res.relpath, total=1, errors=[e]) for e in file_errors(res)]
    if res.parts:
        misfits = _part_columns(scanner, res)
        if misfits:
            return groups + misfits, 0, False
    key = cache_key(table, tables, first, prints) if prints else None
    hit = load_cache(store, key)
    if hit is not None:
        rows, findings = hit
    else:
        try:
            rows, findings = _scan(scanner, table, tables, first)
        except Scanner.Error as e:
            room = out_of_room(res.relpath, "validation", e, scanner.memory_limit)
            if room:
                raise ConfigError(room) from None
            kind = "encoding-error" if "unicode" in str(e).lower() else "source-error"
            message = str(e).strip().splitlines()[0]
            return (
                groups + [Group(kind, res.name, res.relpath, total=1, errors=[resource_error(res, kind, message)])],
                0,
                False,
            )
        save_cache(store, key, rows, findings)
    if res.parts:
        locate = partitions.Locator(res, scanner.rows(partitions.counts_sql(res.parts)))
        return groups + [part_group(res.name, res.relpath, f, locate) for f in findings], rows, hit is not None
    return groups + [to_group(res.name, res.relpath, f) for f in findings], rows, hit is not None


def _part_columns(scanner: Scanner, res) -> list[Group]:
    """Each part's own columns against the Table Schema: a part written by another job version may differ."""
    groups = []
    for part in res.parts:
        at = f"{res.relpath.rstrip('/')}/{part.relative_to(res.path.resolve()).as_posix()}"
        for kind, field, problem in partitions.column_problems(res, part, scanner.rows(partitions.describe_sql(part))):
            error = replace(resource_error(res, kind, f"{at} {problem}"), path=at, field=field)
            hint = "Every part is one table: write it with the same columns and types as the others (the job's schema)."
            groups.append(Group(kind, res.name, res.relpath, field, total=1, errors=[error], hint=hint))
    return groups


def _scan(scanner: Scanner, table: Table, tables: dict, first: int) -> tuple[int, list[Finding]]:
    res, columns = table.resource, table.columns
    by_name = {c.name: c for c in columns}
    pk = [by_name[n] for n in res.primary_key] if set(res.primary_key) <= set(by_name) else []
    keys = [[c] for c in columns if c.constraints.get("unique") is True] + ([pk] if pk else [])
    # A clean pass counts the orphans of the foreign keys it can, sparing their own reads of the file.
    orphans = {i: sql for i, fk in enumerate(res.foreign_keys) if (sql := _orphan_sql(scanner, table, tables, fk))}
    # Counting lines (for empty-line renumbering) overlaps the DuckDB scan, which releases the GIL.
    with ThreadPoolExecutor(max_workers=1) as pool:
        counting = pool.submit(count_lines, res.path) if res.format == "csv" else None
        rows, findings, extra_rows, duplicates, counted = _scan_cells(
            scanner, table, first, pk, keys, tuple(orphans.values())
        )
        lines = counting.result() if counting else 0
    no_orphans = {i for i, n in zip(orphans, counted or []) if n == 0}
    if extra_rows:
        wide = csv_source(str(res.path), len(columns) + 1 + MAX_EXTRA_CELLS, table.dialect)
        findings.append(scan_extra_cells(scanner, wide, columns, first=first))
    for key, count in zip(keys, duplicates):
        if count:
            kind = "primary-key" if key is pk else "unique-error"
            findings.append(
                scan_duplicates(scanner, table.source, columns, key, kind=kind, first=first, judged=table.judged)
            )
    for i, fk in enumerate(res.foreign_keys):
        if i not in no_orphans:
            findings.append(_scan_foreign_key(scanner, table, tables, fk, first))
    findings = [f for f in findings if f and f.total]
    if res.format == "csv":
        findings, empty_lines = shift_rows(res, table.dialect[0], rows, findings, pk, first, lines)
        rows += empty_lines
    return rows, _ordered(findings)


def _scan_cells(scanner: Scanner, table: Table, first: int, pk: list[Column], keys: list[list[Column]], orphans):
    """Scan once; if some cells need frictionless's verdict, get it and scan again."""
    table.judged = table.judged or {}
    result = _scan_cells_once(scanner, table, first, pk, keys, orphans)
    if result[4]:
        table.judged.update(judge(scanner, table.source, result[4], field_objects(table), table.prefix))
        result = _scan_cells_once(scanner, table, first, pk, keys, orphans)
    return result[:4] + result[5:]


def _scan_cells_once(scanner: Scanner, table: Table, first: int, pk, keys, orphans: tuple[str, ...]):
    width = len(table.columns) + (table.resource.format == "csv")
    scan = partial(
        scan_cells,
        scanner,
        first=first,
        primary_key=pk,
        keys=keys,
        judged=table.judged,
        orphans=orphans,
        ragged=table.resource.format == "csv",
    )
    try:
        return scan((table.counting_source(parallel=True), table.source), table.columns, width)
    except Scanner.Error as e:
        if "parallel" not in str(e):
            raise
    # Quoted newlines with short rows: DuckDB's parallel reader cannot pad them.
    return scan((table.counting_source(parallel=False), table.source), table.columns, width)


def _side(scanner: Scanner, table: Table, key: list[Column], parallel: bool) -> Side:
    if table.judged is None:  # a parent not scanned yet: judge its key's hard cells now
        table.judged = judge(scanner, table.source, key, field_objects(table), table.prefix) if key else {}
    return Side(table.source, table.counting_source(parallel), table.columns, key, table.judged)


def _reference(table: Table, tables: dict, fk: dict) -> tuple[list[str], str, Table, list[str]] | None:
    """(fields, parent name, parent, referenced fields) of a foreign key; None when it cannot be checked."""
    fields, ref = _names(fk.get("fields")), fk.get("reference") or {}
    parent_name = ref.get("resource") or table.resource.name
    parent = tables[parent_name] if parent_name != table.resource.name else table
    if not parent.readable or not set(fields) <= {c.name for c in table.columns}:
        return None
    return fields, parent_name, parent, _names(ref.get("fields"))


def _orphan_sql(scanner: Scanner, table: Table, tables: dict, fk: dict) -> str | None:
    """The clean pass's condition for a row without parent (``references.orphan_sql``), if it has one."""
    found = _reference(table, tables, fk)
    if found is None or found[2] is table:
        return None
    fields, _, parent, ref_fields = found
    by_name, parent_cols = {c.name: c for c in table.columns}, {c.name: c for c in parent.columns}
    if not set(ref_fields) <= set(parent_cols) or len(fields) != len(ref_fields):
        return None
    try:
        return orphan_sql(
            scanner, [by_name[n] for n in fields], _side(scanner, parent, [parent_cols[n] for n in ref_fields], True)
        )
    except Scanner.Error as e:
        if "parallel" not in str(e):
            raise
        return None  # the parent cannot be read in parallel: its own scan decides


def _scan_foreign_key(scanner: Scanner, table: Table, tables: dict, fk: dict, first: int) -> Finding | None:
    found = _reference(table, tables, fk)
    if found is None:
        return None
    fields, parent_name, parent, ref_fields = found
    by_name, parent_cols = {c.name: c for c in table.columns}, {c.name: c for c in parent.columns}
    reference = f"{parent_name}({', '.join(ref_fields)})"
    unknown = [n for n in ref_fields if n not in parent_cols]
    if unknown:
        # frictionless reads an unknown field as empty, so no child value is found: say why
        reference += (
            f", which has no field {', '.join(map(repr, unknown))} (its fields: {', '.join(parent_cols)}); "
            "fix the foreign key's reference fields"
        )
    for parallel in (True, False):
        child = _side(scanner, table, [by_name[n] for n in fields], parallel)
        parent_side = _side(scanner, parent, [] if unknown else [parent_cols[n] for n in ref_fields], parallel)
        try:
            return scan_foreign_key(scanner, child, parent_side, reference=reference, first=first)
        except Scanner.Error as e:
            if not parallel or "parallel" not in str(e):
                raise
    raise AssertionError("unreachable: the sequential read either returns or raises")


def _missing_references(table: Table, tables: dict) -> list[Error]:
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
            found.append(resource_error(res, "resource-error", message))
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
