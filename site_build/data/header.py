"""What frictionless checks for the validation gate: the descriptor, each file, each header.

Frictionless reads only the first rows here; DuckDB then scans every row
(``site_build.data.validation``). A resource in an encoding or dialect DuckDB
cannot read is checked by frictionless whole (``frictionless_rows``).
``read_headers`` gives every resource's header: from this process's memo,
from the store, or read by frictionless.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from dataclasses import field as _field
from pathlib import Path
from typing import TYPE_CHECKING

from site_build.data import partitions
from site_build.data.cells import Column
from site_build.data.checks import cell_list, csv_source, parquet_source
from site_build.data.package import DataPackage, Fingerprints, Resource
from site_build.data.report import Error, Group, shorten
from site_build.data.store import Store
from site_build.data.verdicts import header_keys, load_header, save_header

if TYPE_CHECKING:
    import frictionless

#: DuckDB reads these, and skips a UTF-8 byte order mark (Excel's "CSV UTF-8" writes one)
_UTF8 = {"utf-8", "utf_8", "utf8", "ascii", "us-ascii", "utf-8-sig"}


@dataclass
class Table:
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
        if r.format == "parquet" and r.parts:
            return partitions.source_sql(r.parts, cell_list(self.columns))
        if r.format == "parquet":
            return parquet_source(str(r.path), self.columns)
        return csv_source(str(r.path), len(self.columns) + 1, self.dialect)

    def counting_source(self, parallel: bool) -> str:
        """The data rows without row numbers, which would force a read in file order."""
        r = self.resource
        if r.format == "parquet" and r.parts:
            return partitions.source_sql(r.parts, cell_list(self.columns), numbered=False)
        if r.format == "parquet":
            return parquet_source(str(r.path), self.columns, numbered=False)
        return csv_source(str(r.path), len(self.columns) + 1, self.dialect, numbered=False, parallel=parallel)


#: descriptors frictionless found valid in this process, by content: ``handbook serve`` checks each once
_VALID_DESCRIPTORS: set[str] = set()


def open_package(package: DataPackage):
    # Imported here, not at the top: a build whose resources are all unchanged never needs it (0.4 s).
    import frictionless
    from frictionless import FrictionlessException

    try:
        fpackage = frictionless.Package(str(package.descriptor_path))
        digest = hashlib.sha256(package.descriptor_path.read_bytes()).hexdigest()
        if digest not in _VALID_DESCRIPTORS:
            fpackage.to_descriptor(validate=True)
            _VALID_DESCRIPTORS.add(digest)
    except FrictionlessException as e:
        reasons = e.reasons or [e.error]
        return None, [Error(r.type, None, "datapackage.json", r.message) for r in reasons]
    return fpackage, []


def open_resource(package: DataPackage, descriptor: dict, name: str):
    """One resource of a descriptor frictionless found valid before, without the whole package (0.2 s less)."""
    import frictionless

    spec = next(r for r in descriptor["resources"] if r.get("name") == name)
    return frictionless.Resource(spec, basepath=str(package.descriptor_path.parent))


def field_objects(table: Table) -> dict:
    """The frictionless field of each column, by number; made from the columns for a header from the store."""
    if not table.fields and table.columns:
        from frictionless import Field

        for c in table.columns:
            field = Field.from_descriptor(c.descriptor)
            field.missing_values = list(c.missing_values)
            table.fields[c.number] = field
    return table.fields


def read_header(resource: Resource, fres, prefix: str) -> Table:
    from frictionless import FrictionlessException

    table = Table(resource, prefix=prefix)
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
            table.errors.append(resource_error(resource, "scheme-error", f"{resource.relpath} not found"))
            table.readable = False
        return table
    # A copy without foreign keys: opening the original would read every referenced row in Python.
    copy = fres.to_copy()
    copy.schema.foreign_keys = []
    try:
        with copy:
            table.errors += [_label_error(resource, e) for e in copy.header.errors]
            if not copy.labels:
                table.errors.append(resource_error(resource, "source-error", "the source is empty"))
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
        table.errors.append(resource_error(resource, e.error.type, e.error.message))
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


def resource_error(resource: Resource, kind: str, message: str) -> Error:
    return Error(kind, resource.name, resource.relpath, message)


def file_errors(res: Resource) -> list[Error]:
    """The file's size and hash against the resource's ``bytes`` and ``hash``, as frictionless checks them."""
    found: list[Error] = []
    if res.parts:  # a folder has no single size or hash to declare
        return found
    declared = res.descriptor.get("bytes")
    if declared and isinstance(declared, int) and declared != res.path.stat().st_size:
        message = (
            f"{res.relpath} has {res.path.stat().st_size:,} bytes but resource '{res.name}' declares bytes {declared}. "
            "The file changed since it was described: re-export it, or update bytes in datapackage.json."
        )
        found.append(resource_error(res, "byte-count", message))
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
                found.append(resource_error(res, "hash-count", message))
    return found


def _file_hash(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# -- rows frictionless reads itself ------------------------------------------------


def frictionless_rows(table: Table, fres: frictionless.Resource) -> tuple[int, list[Group]]:
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


# -- every header of a package, memoised ------------------------------------------------

#: headers read by earlier validations in this process, by descriptor, resource, position and file.
#: ``handbook serve`` then opens only the file that changed with frictionless (0.9 s of a data edit's rebuild).
_HEADERS: dict[str, Table] = {}
_MAX_HEADERS = 512


def read_headers(
    package: DataPackage, prints: Fingerprints | None, store: Store
) -> tuple[dict[str, Table], list[Error]]:
    """Every resource's header: from this process's memo, from the store, or read with frictionless.

    Returns the tables in descriptor order, or the descriptor's problems.
    """
    keys = _header_keys(package, prints)
    stored = header_keys(keys, prints) if prints and store.enabled else {}
    tables: dict[str, Table] = {}
    for i, (name, res) in enumerate(package.resources.items()):
        known = _HEADERS.get(keys.get(name, ""))
        if known is None and name in stored:
            known = load_header(store, stored[name], Table(res, prefix=f"r{i}"))
        if known is not None:
            tables[name] = replace(known, resource=res, errors=list(known.errors), judged=None)
    # A header kept under this descriptor's bytes means frictionless found the descriptor valid:
    # then each other file is opened alone, not the whole package.
    fpackage, descriptor = None, json.loads(package.descriptor_path.read_bytes()) if tables else None
    for i, (name, res) in enumerate(package.resources.items()):
        if name in tables:
            continue
        if descriptor is not None:
            fres = open_resource(package, descriptor, name)
        else:
            if fpackage is None:
                fpackage, problems = open_package(package)
                if problems:
                    return {}, problems
            fres = fpackage.get_resource(name)
        table = read_header(res, fres, f"r{i}")
        if table.fallback is not None and descriptor is not None:
            # frictionless checks the whole file, and its foreign keys need the package
            fpackage = fpackage or open_package(package)[0]
            table.fallback = fpackage.get_resource(name)
        tables[name] = table
        if name in keys and table.fallback is None:
            if len(_HEADERS) >= _MAX_HEADERS:
                _HEADERS.clear()
            _HEADERS[keys[name]] = replace(table, errors=list(table.errors))
            if name in stored:
                save_header(store, stored[name], table)
    tables = {name: tables[name] for name in package.resources}  # descriptor order, as the report lists them
    return tables, []


def _header_keys(package: DataPackage, prints: Fingerprints | None) -> dict[str, str]:
    if prints is None:
        return {}
    try:
        descriptor = prints.of(package.descriptor_path)
        return {
            name: Store.key(descriptor, name, i, prints.of(res.path))
            for i, (name, res) in enumerate(package.resources.items())
        }
    except OSError:  # a missing file: read every header, so its error is reported as before
        return {}
