"""A dataset's columns as queries see them: SQL type beside the Table Schema's field."""

from __future__ import annotations

from site_build.data.engine import QueryEngine
from site_build.data.package import DataPackage
from site_build.data.result import QueryResult
from site_build.data.sql_names import ident

COLUMNS = ["column", "sql_type", "schema_type", "required", "description"]


def describe(package: DataPackage, engine: QueryEngine, name: str) -> QueryResult:
    """One row per column of resource ``name``; raises PackageError naming the closest resources when unknown."""
    resource = package.resource(name)
    probe = engine.query(f"SELECT * FROM {ident(name)} LIMIT 0", label=f"describe {name}")
    sql_types = dict(zip(probe.columns, probe.types))
    rows = [
        (
            f.name,
            sql_types.get(f.name, "—"),
            f.type + (f" ({f.format})" if f.format and f.format != "default" else ""),
            "yes" if f.constraints.get("required") or f.name in resource.primary_key else "no",
            f.description or f.title or "",
        )
        for f in resource.fields
    ]
    return QueryResult(COLUMNS, ["VARCHAR"] * len(COLUMNS), rows, resources=(name,))
