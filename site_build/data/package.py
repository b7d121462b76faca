"""The data package: ``data/datapackage.json`` read into a small, typed model.

Frictionless validates the descriptor and every row (see ``validation``); this
module only reads what the engine needs: each resource's file, format and
Table Schema, plus content fingerprints that caches and versions key on.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from site_build.data import partitions, untrusted
from site_build.data.descriptor import (
    CONSTRAINT_KEYS,
    DIALECT_KEYS,
    FIELD_KEYS,
    FOREIGN_KEY_KEYS,
    PACKAGE_KEYS,
    REFERENCE_KEYS,
    RESOURCE_KEYS,
    SCHEMA_KEYS,
    check_keys,
    check_name,
    check_names,
    check_object,
)
from site_build.data.store import NO_STORE, Store
from site_build.data.untrusted import shorten as _shorten
from site_build.errors import PackageError, suggest

DESCRIPTOR = "datapackage.json"
FORMATS = ("csv", "parquet")

#: Table Schema type -> DuckDB type
DUCKDB_TYPES = {
    "integer": "BIGINT",
    "number": "DOUBLE",
    "string": "VARCHAR",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "boolean": "BOOLEAN",
    "year": "INTEGER",
    "time": "TIME",
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str = "string"
    title: str | None = None
    description: str | None = None
    format: str | None = None
    constraints: dict = field(default_factory=dict)

    @property
    def sql_type(self) -> str:
        return DUCKDB_TYPES[self.type]


@dataclass(frozen=True)
class Resource:
    name: str
    path: Path
    relpath: str
    format: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[dict, ...] = ()
    title: str | None = None
    description: str | None = None
    delimiter: str = ","
    descriptor: dict = field(default_factory=dict, compare=False, repr=False)
    #: a folder of Hive-partitioned Parquet (orders/year=2026/month=10/part-0.parquet): its files, sorted
    parts: tuple[Path, ...] = ()
    #: the fields whose values come from the folder names (year, month), in path order
    partition_keys: tuple[str, ...] = ()

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise PackageError(
            f"Resource '{self.name}' ({self.relpath}) has no field '{name}'. "
            + suggest(name, [f.name for f in self.fields], noun="field")
        )

    @property
    def time_fields(self) -> list[Field]:
        return [f for f in self.fields if f.type in ("date", "datetime")]


@dataclass
class DataPackage:
    """A data package on disk; ``resources`` keeps the descriptor's order."""

    root: Path
    descriptor: dict
    resources: dict[str, Resource]

    @property
    def descriptor_path(self) -> Path:
        return self.root / DESCRIPTOR

    @property
    def name(self) -> str:
        return self.descriptor.get("name", self.root.name)

    def resource(self, name: str) -> Resource:
        try:
            return self.resources[name]
        except KeyError:
            raise PackageError(
                f"No resource named '{name}' in {_rel(self.descriptor_path)}. "
                + suggest(name, self.resources, noun="resource")
            ) from None

    @classmethod
    def load(cls, root: str | os.PathLike) -> DataPackage:
        """Read ``root/datapackage.json``; raise ``PackageError`` on anything unusable.

        The descriptor comes from other systems, so every value is checked for
        its type and every file it names must stay inside ``root``: validation
        and the query engine then only see a well-formed descriptor.
        """
        root = Path(root).resolve()
        path = root / DESCRIPTOR
        descriptor = _read_json(
            path,
            missing=(
                f"{_rel(path)} not found. Create a data package descriptor there "
                "(see README: 'Data package'), or point the plugin's data_dir at the folder that has one."
            ),
        )
        where = _rel(path)
        if not isinstance(descriptor, dict) or "resources" not in descriptor:
            raise PackageError(
                f"{where}: a descriptor is an object with a 'resources' list. "
                'Write it like {"resources": [{"name": "orders", "path": "orders.csv", "schema": …}]}.'
            )
        check_keys(descriptor, PACKAGE_KEYS, where, "")
        resources: dict[str, Resource] = {}
        for index, raw in enumerate(descriptor["resources"]):
            res = _read_resource(root, where, f"resources[{index}]", raw)
            if res.name in resources:
                raise PackageError(f"{where}: resource name '{res.name}' is used twice; names must be unique.")
            resources[res.name] = res
        return cls(root=root, descriptor=descriptor, resources=resources)


# -- resources ---------------------------------------------------------------------------


def _read_resource(root: Path, where: str, at: str, raw) -> Resource:
    raw = check_object(
        raw, RESOURCE_KEYS, where, at, '{"name": "orders", "path": "orders.csv", "schema": {"fields": […]}}'
    )
    if not raw.get("name"):
        raise PackageError(f"{where}: {at} needs a 'name' (a lower-case identifier such as 'orders').")
    name = check_name(raw["name"], where, f"{at}.name")
    relpath = raw.get("path")
    if not relpath:
        raise PackageError(
            f"{where}: {at} (resource '{name}') needs a 'path' to a CSV or Parquet file, or a folder of Parquet "
            f"files, relative to {_rel(root)}/."
        )
    path = _inside(root, relpath, where, f"{at}.path", f"resource '{name}'", folder=raw.get("format") == "parquet")
    fmt = _format(raw, path, where, at)
    said = f"{where}: {at}.path (resource '{name}')"
    parts = partitions.parts_of(root, path, said) if path.is_dir() else ()
    if "schema" not in raw:
        raise PackageError(
            f"{where}: {at} (resource '{name}') needs a 'schema' with a 'fields' list, one entry per column."
        )
    schema = raw["schema"]
    if isinstance(schema, str):
        schema = _read_json(
            _inside(root, schema, where, f"{at}.schema", f"resource '{name}'"),
            missing=None,
            named_by=f"{where}: {at}.schema",
        )
    schema = check_object(
        schema, SCHEMA_KEYS, where, f"{at}.schema", '{"fields": [{"name": "order_id", "type": "string"}]}'
    )
    if "fields" not in schema:
        raise PackageError(f"{where}: {at}.schema (resource '{name}') needs a 'fields' list, one entry per column.")
    fields = tuple(_read_field(f, where, f"{at}.schema.fields[{i}]") for i, f in enumerate(schema["fields"]))
    dialect = check_object(raw.get("dialect", {}), DIALECT_KEYS, where, f"{at}.dialect", '{"delimiter": ";"}')
    return Resource(
        name=name,
        path=path,
        relpath=relpath,
        format=fmt,
        fields=fields,
        primary_key=check_names(schema.get("primaryKey", ()), where, f"{at}.schema.primaryKey"),
        foreign_keys=tuple(
            _read_foreign_key(fk, where, f"{at}.schema.foreignKeys[{i}]")
            for i, fk in enumerate(schema.get("foreignKeys", ()))
        ),
        title=raw.get("title"),
        description=raw.get("description"),
        delimiter=dialect.get("delimiter") or ",",
        descriptor=raw,
        parts=parts,
        partition_keys=partitions.keys_of(
            path, parts, [f.name for f in fields], f"{where}: {at}.path (resource '{name}')"
        ),
    )


def _format(raw: dict, path: Path, where: str, at: str) -> str:
    fmt = raw["format"] if "format" in raw else path.suffix.lstrip(".").lower()
    if fmt in FORMATS:
        return fmt
    if fmt.strip().lower() in FORMATS:
        # frictionless reads only the lower-case name: 'CSV' would be validated as an opaque file
        raise PackageError(
            f'{where}: {at}.format is {fmt!r}; formats are lower case. Write "format": "{fmt.strip().lower()}".'
        )
    raise PackageError(f"{where}: {at}.format: format '{fmt}' is not supported. Use one of: {', '.join(FORMATS)}.")


def _read_field(raw, where: str, at: str) -> Field:
    raw = check_object(raw, FIELD_KEYS, where, at, '{"name": "order_id", "type": "string"}')
    if not raw.get("name"):
        raise PackageError(f"{where}: {at} needs a 'name': the column's header in the file.")
    check_name(raw["name"], where, f"{at}.name")
    ftype = raw.get("type", "string")
    if ftype not in DUCKDB_TYPES:
        raise PackageError(
            f"{where}: {at}: field '{raw['name']}' has type '{ftype}', which the engine cannot query. "
            f"Use one of: {', '.join(DUCKDB_TYPES)}."
        )
    constraints = check_object(
        raw.get("constraints", {}), CONSTRAINT_KEYS, where, f"{at}.constraints", '{"required": true}'
    )
    _check_constraints(constraints, where, f"{at}.constraints")
    return Field(
        name=raw["name"],
        type=ftype,
        title=raw.get("title"),
        description=raw.get("description"),
        format=raw.get("format"),
        constraints=dict(constraints),
    )


def _check_constraints(constraints: dict, where: str, at: str) -> None:
    for key in ("minLength", "maxLength"):
        if constraints.get(key, 0) < 0:
            raise PackageError(
                f"{where}: {at}.{key} is {constraints[key]}; a length cannot be negative. Use 0 or more."
            )
    if "pattern" in constraints:
        try:
            re.compile(constraints["pattern"])
        except re.error as e:
            raise PackageError(
                f"{where}: {at}.pattern {_shorten(constraints['pattern'])} is not a regular expression: {e}. "
                "Fix the pattern (escape [ and ( with a backslash)."
            ) from None


def _read_foreign_key(raw, where: str, at: str) -> dict:
    example = '{"fields": ["customer_id"], "reference": {"resource": "customers", "fields": ["customer_id"]}}'
    raw = check_object(raw, FOREIGN_KEY_KEYS, where, at, example)
    if "reference" not in raw:
        raise PackageError(
            f"{where}: {at} needs a 'reference' to the resource and fields it points to. Write it like {example}."
        )
    reference = check_object(
        raw.get("reference"),
        REFERENCE_KEYS,
        where,
        f"{at}.reference",
        '{"resource": "customers", "fields": ["customer_id"]}',
    )
    check_names(raw.get("fields", ()), where, f"{at}.fields")
    check_names(reference.get("fields", ()), where, f"{at}.reference.fields")
    return raw


# -- files named by the descriptor ---------------------------------------------------------

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


def _inside(root: Path, value: str, where: str, at: str, owner: str, *, folder: bool = False) -> Path:
    """The resolved file (or with ``folder``, a folder) ``value`` names under ``root``; nothing that leaves it."""
    said = f"{where}: {at} {_shorten(value)} ({owner})"
    if "\\" in value:
        raise PackageError(
            f"{said} contains a backslash. Write the path with forward slashes, relative to {_rel(root)}/."
        )
    if _URL.match(value):
        raise PackageError(
            f"{said} is a URL; the handbook reads only files inside {_rel(root)}/ and never the network. "
            "Save the file there and give its relative path."
        )
    if PurePosixPath(value).is_absolute() or ".." in PurePosixPath(value).parts:
        raise PackageError(
            f"{said} points outside {_rel(root)}/: absolute paths and '..' are refused. "
            "Keep data files inside the package folder and give their path relative to it."
        )
    try:
        path = (root / value).resolve()
    except (OSError, RuntimeError) as e:
        raise PackageError(f"{said} cannot be resolved: {e}. Replace the symbolic link with the file itself.") from None
    if path == root or (path.is_dir() and not folder):
        parquet = "" if path == root else ', or, for a folder of Parquet parts, add "format": "parquet" to the resource'
        raise PackageError(f"{said} is a folder. Give the path of one file inside {_rel(root)}/{parquet}.")
    if root not in path.parents:
        raise PackageError(
            f"{said} points outside {_rel(root)}/: through a symbolic link it leads to {path}. "
            "Keep data files inside the package folder: copy the file in instead of linking to it."
        )
    return path


def _read_json(path: Path, *, missing: str | None, named_by: str = ""):
    """Parse a JSON file that comes from another system (see ``untrusted``)."""
    where = f"{named_by}: {_rel(path)}" if named_by else _rel(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PackageError(
            missing or f"{named_by}: {_rel(path)} not found. Create it, or write the schema inline."
        ) from None
    except OSError as e:
        raise PackageError(f"{where}: cannot read: {e.strerror}. Check that it is a readable file.") from None
    return untrusted.load_json(untrusted.decode(raw, where, PackageError, bom=False), where, PackageError)


def _rel(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


class Fingerprints:
    """Content hashes of files, memoised by (size, mtime) in the store's "fingerprints" namespace.

    Hashing a 10-million-row CSV takes about a second, so a file whose size
    and modification time are unchanged is not read again.
    """

    #: the memo is one entry that every build rewrites, not a content-addressed value
    MEMO = "memo"

    def __init__(self, store: Store = NO_STORE):
        self.store = store
        memo = store.get_json("fingerprints", self.MEMO, _memo)
        self._memo: dict[str, list] = memo or {}
        self._dirty = False

    def of(self, path: Path) -> str:
        """Return the sha256 hex digest of the file at ``path``; of a folder, over its Parquet parts."""
        if path.is_dir():
            parts = hashlib.sha256()
            for part in partitions.files_in(path):
                parts.update(f"{part.relative_to(path).as_posix()}\0{self.of(part)}\n".encode())
            return parts.hexdigest()
        st = path.stat()
        key = str(path)
        memo = self._memo.get(key)
        if memo and memo[0] == st.st_size and memo[1] == st.st_mtime_ns:
            return memo[2]
        digest = file_sha256(path)
        self._memo[key] = [st.st_size, st.st_mtime_ns, digest]
        self._dirty = True
        return digest

    def save(self) -> None:
        """Write the memo back when it changed (a failed write is the store's warning, not an error)."""
        if self._dirty and self.store.put_json("fingerprints", self.MEMO, self._memo, sort_keys=True):
            self._dirty = False


def _memo(value) -> dict[str, list]:
    if not isinstance(value, dict):
        raise TypeError("the fingerprint memo is not an object")
    return value


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
