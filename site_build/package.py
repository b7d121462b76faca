"""The data package: ``data/datapackage.json`` read into a small, typed model.

Frictionless validates the descriptor and every row (see ``validation``); this
module only reads what the engine needs: each resource's file, format and
Table Schema, plus content fingerprints that caches and versions key on.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

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
        """Read ``root/datapackage.json``; raise ``PackageError`` on anything unusable."""
        root = Path(root).resolve()
        path = root / DESCRIPTOR
        try:
            descriptor = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise PackageError(
                f"{_rel(path)} not found. Create a data package descriptor there "
                "(see README: 'Data package'), or point the plugin's data_dir at the folder that has one."
            ) from None
        except json.JSONDecodeError as e:
            raise PackageError(
                f"{_rel(path)}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}. Fix the syntax and build again."
            ) from None
        if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
            raise PackageError(f"{_rel(path)}: 'resources' must be a list of resource descriptors.")
        resources: dict[str, Resource] = {}
        for index, raw in enumerate(descriptor["resources"]):
            res = _read_resource(root, path, index, raw)
            if res.name in resources:
                raise PackageError(f"{_rel(path)}: resource name '{res.name}' is used twice; names must be unique.")
            resources[res.name] = res
        return cls(root=root, descriptor=descriptor, resources=resources)


def _read_resource(root: Path, descriptor_path: Path, index: int, raw) -> Resource:
    where = f"{_rel(descriptor_path)}: resources[{index}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        raise PackageError(f"{where} needs a 'name' (a lower-case identifier such as 'orders').")
    name = raw["name"]
    where = f"{_rel(descriptor_path)}: resource '{name}'"
    relpath = raw.get("path")
    if not isinstance(relpath, str):
        raise PackageError(f"{where} needs a 'path' to a single CSV or Parquet file relative to {_rel(root)}/.")
    path = (root / relpath).resolve()
    if Path(relpath).is_absolute() or root not in path.parents:
        raise PackageError(f"{where}: path '{relpath}' points outside {_rel(root)}/. Keep data files inside the package folder.")
    fmt = (raw.get("format") or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise PackageError(f"{where}: format '{fmt}' is not supported. Use one of: {', '.join(FORMATS)}.")
    schema = raw.get("schema")
    if isinstance(schema, str):
        schema = _read_json(root / schema, where)
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        raise PackageError(f"{where} needs a Table Schema with a 'fields' list.")
    fields = []
    for f in schema["fields"]:
        ftype = f.get("type", "string")
        if ftype not in DUCKDB_TYPES:
            raise PackageError(
                f"{where}: field '{f.get('name')}' has type '{ftype}', which the engine cannot query. "
                f"Use one of: {', '.join(DUCKDB_TYPES)}."
            )
        fields.append(
            Field(
                name=f["name"],
                type=ftype,
                title=f.get("title"),
                description=f.get("description"),
                format=f.get("format"),
                constraints=dict(f.get("constraints") or {}),
            )
        )
    pk = schema.get("primaryKey") or ()
    dialect = raw.get("dialect") or {}
    return Resource(
        name=name,
        path=path,
        relpath=relpath,
        format=fmt,
        fields=tuple(fields),
        primary_key=tuple([pk] if isinstance(pk, str) else pk),
        foreign_keys=tuple(schema.get("foreignKeys") or ()),
        title=raw.get("title"),
        description=raw.get("description"),
        delimiter=(dialect.get("delimiter") if isinstance(dialect, dict) else None) or ",",
        descriptor=raw,
    )


def _read_json(path: Path, where: str) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise PackageError(f"{where}: cannot read schema {_rel(path)}: {e}") from None


def _rel(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


class Fingerprints:
    """Content hashes of files, memoised by (size, mtime) in a JSON file.

    Hashing a 10-million-row CSV takes about a second, so a file whose size
    and modification time are unchanged is not read again.
    """

    def __init__(self, memo_path: Path | None = None):
        self.memo_path = memo_path
        self._memo: dict[str, list] = {}
        self._dirty = False
        if memo_path and memo_path.exists():
            try:
                self._memo = json.loads(memo_path.read_text())
            except (OSError, ValueError):
                self._memo = {}

    def of(self, path: Path) -> str:
        """Return the sha256 hex digest of the file at ``path``."""
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
        if self.memo_path and self._dirty:
            self.memo_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.memo_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self._memo, sort_keys=True))
            os.replace(tmp, self.memo_path)
            self._dirty = False


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
