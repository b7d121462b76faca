"""Partitioned resources: a folder of Hive-partitioned Parquet files, as Spark and Trino write them.

``orders/year=2026/month=10/part-0.parquet``: the folder names carry the
partition keys, which are fields of the Table Schema like any other column.
This module finds the parts and their keys; the engine reads them with
DuckDB's ``read_parquet(…, hive_partitioning = true)``.
"""

from __future__ import annotations

import os
from pathlib import Path

from site_build.data.sql_names import literal
from site_build.errors import PackageError


def files_in(folder: Path) -> list[Path]:
    """The Parquet files under ``folder``, sorted; Spark's _SUCCESS, _temporary/ and hidden files are left out."""
    return [
        path
        for path in sorted(folder.rglob("*.parquet"))
        if not any(p.startswith((".", "_")) for p in path.relative_to(folder).parts)
    ]


def parts_of(root: Path, folder: Path, said: str) -> tuple[Path, ...]:
    """Every part of the resource at ``folder``, resolved; each must stay inside ``root``."""
    parts = []
    for path in files_in(folder):
        resolved = path.resolve()
        if root not in resolved.parents:
            raise PackageError(
                f"{said}: {_rel(path)} leads outside {_rel(root)}/ through a symbolic link. "
                "Copy the file into the package folder instead of linking to it."
            )
        parts.append(resolved)
    parts.sort(key=str)  # the order DuckDB's ORDER BY filename gives: row numbers across parts follow it
    if not parts:
        raise PackageError(
            f"{said} is the folder {_rel(folder)}/, which holds no .parquet file. Point it at the folder your "
            "job writes (orders/, holding orders/year=2026/…/part-0.parquet), or at one file."
        )
    return tuple(parts)


def keys_of(folder: Path, parts: tuple[Path, ...], fields: list[str], said: str) -> tuple[str, ...]:
    """The key=value folder names every part shares, in path order; each must be a field of the schema."""
    if not parts:
        return ()
    dirs = [part.relative_to(folder.resolve()).parts[:-1] for part in parts]
    layouts = {tuple(d.split("=", 1)[0] for d in names) for names in dirs}
    if len(layouts) > 1 or any("=" not in d for names in dirs for d in names):
        shown = "; ".join("/".join(k) or "(no folders)" for k in sorted(layouts))
        raise PackageError(
            f"{said}: the files under {_rel(folder)}/ are not in one Hive layout (key=value folders, the same "
            f"keys in the same order); found: {shown}. Write every part as {_rel(folder)}/key=value/…/part.parquet."
        )
    keys = next(iter(layouts))
    for key in keys:
        if key not in fields:
            raise PackageError(
                f"{said}: the partition key '{key}' (from the folder names) is not a field of the schema. "
                f'Add {{"name": "{key}", "type": …}} to its fields.'
            )
    return keys


def _rel(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


# -- validation: each part's own columns, and rows named by part -------------------------

#: Table Schema type -> the Parquet column types (as DuckDB names them) that hold it without loss
PARQUET_TYPES = {
    "integer": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER"),
    "number": ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "FLOAT", "DOUBLE", "DECIMAL"),
    "string": ("VARCHAR",),
    "boolean": ("BOOLEAN",),
    "date": ("DATE",),
    "datetime": ("TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S", "TIMESTAMP WITH TIME ZONE"),
    "year": ("SMALLINT", "INTEGER", "BIGINT"),
    "time": ("TIME",),
}


def source_sql(parts: tuple[Path, ...], cells: str, *, numbered: bool = True) -> str:
    """Every part's rows as text cells (``cells``), numbered across the parts in file order from 2.

    Not ``numbered``: the rows in any order, without the sort the numbering costs.

    The partition keys are read from the folder names as text, so a key that is
    not of its field's type is a type error like any other cell.
    """
    files = "[" + ", ".join(literal(str(p)) for p in parts) + "]"
    options = "hive_partitioning = true, hive_types_autocast = false, filename = true, file_row_number = true"
    read = f"read_parquet({files}, {options})"
    if not numbered:
        return f"(SELECT {cells} FROM {read})"
    return f"(SELECT row_number() OVER (ORDER BY filename, file_row_number) + 1 AS __rn, {cells} FROM {read})"


def describe_sql(part: Path) -> str:
    """The columns a part's file holds itself (not its partition keys): name and DuckDB type."""
    return f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet({literal(str(part))}))"


def counts_sql(parts: tuple[Path, ...]) -> str:
    """Rows per part, in file order, from the Parquet footers (no data is read)."""
    files = "[" + ", ".join(literal(str(p)) for p in parts) + "]"
    # parquet_metadata has a row per column chunk: one per row group first
    groups = f"SELECT DISTINCT file_name, row_group_id, row_group_num_rows FROM parquet_metadata({files})"
    return f"SELECT file_name, sum(row_group_num_rows) FROM ({groups}) GROUP BY 1 ORDER BY 1"


def column_problems(resource, part: Path, columns: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """What is wrong with one part's own columns against the Table Schema: (error type, field, sentence)."""
    found = {name: kind.split("(")[0].upper() for name, kind in columns}
    problems = []
    for f in resource.fields:
        if f.name in resource.partition_keys:
            continue
        if f.name not in found:
            problems.append(("missing-label", f.name, f"has no column '{f.name}', a field of the schema"))
        elif found[f.name] not in PARQUET_TYPES[f.type]:
            problems.append(
                (
                    "type-error",
                    f.name,
                    f"column '{f.name}' is {found[f.name]}, which does not hold the field's type {f.type} "
                    f"(expected one of {', '.join(PARQUET_TYPES[f.type])})",
                )
            )
    names = [f.name for f in resource.fields]
    problems += [
        ("extra-label", name, f"has a column '{name}' that is not a field of the schema")
        for name in found
        if name not in names
    ]
    return problems


class Locator:
    """Maps a row number across the parts (from 2) back to its part and its row there (also from 2)."""

    def __init__(self, resource, counts: list[tuple[str, int]]):
        self.names, self.starts, start = [], [], 0
        for file_name, rows in counts:
            part = Path(file_name).relative_to(resource.path.resolve()).as_posix()
            self.names.append(f"{resource.relpath.rstrip('/')}/{part}")
            self.starts.append(start)
            start += int(rows)

    def __call__(self, row: int) -> tuple[str, int]:
        import bisect

        index = row - 2
        i = max(bisect.bisect_right(self.starts, index) - 1, 0)
        return self.names[i], index - self.starts[i] + 2
