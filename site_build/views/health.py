"""The 数据健康 (data health) page: what each dataset is, how fresh, and whether it passed validation.

``resource_health`` gathers the facts as plain dicts; ``templates/health.html``
renders them. Each resource's section has the stable id ``data-<name>``, so KPI
cards, tables and charts can link to ``health/#data-orders``.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess

from site_build.data.engine import QueryEngine
from site_build.data.package import DataPackage, Resource
from site_build.data.report import Report
from site_build.data.sql_names import ident
from site_build.render import fragment


def resource_health(package: DataPackage, report: Report, engine: QueryEngine) -> list[dict]:
    """One dict per resource, in descriptor order, with everything the health page shows."""
    problems: dict[str | None, int] = {}  # a descriptor error belongs to no resource
    for group in report.groups:
        problems[group.resource] = problems.get(group.resource, 0) + group.total
    return [_describe(res, report, engine, problems.get(name, 0)) for name, res in package.resources.items()]


def render_health(package: DataPackage, report: Report, engine: QueryEngine):
    """The page section as safe HTML markup."""
    return fragment("health.html", resources=resource_health(package, report, engine))


def _describe(res: Resource, report: Report, engine: QueryEngine, errors: int) -> dict:
    rows = (report.stats.get("rows") or {}).get(res.name)
    if rows is None:
        rows = engine.query(f"SELECT count(*) FROM {ident(res.name)}").scalar()
    return {
        "name": res.name,
        "anchor": f"data-{res.name}",
        "title": res.title or res.name,
        "description": res.description,
        "path": res.relpath,
        "format": res.format,
        "rows": rows,
        # a folder of Hive-partitioned Parquet: its files, and the folders they sit in
        "parts": len(res.parts),
        "partitions": len({part.parent for part in res.parts}),
        "partition_keys": ", ".join(res.partition_keys),
        "fields": [_field(f, res) for f in res.fields],
        "sha256": engine.fingerprints.of(res.path),
        "time_range": _time_range(res, engine) if errors == 0 else [],
        "modified": last_modified(res.path),
        "status": "valid" if errors == 0 else "invalid",
        "errors": errors,
    }


def last_modified(path) -> str:
    """ISO date of the file's last change: its last commit when git tracks it unchanged, else its mtime.

    A clone sets every mtime to the clone time; the commit date is the same in
    every checkout, so identical inputs still build identical pages.
    """
    try:
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            text=True,
            timeout=10,
        )
        if status.returncode == 0 and not status.stdout.strip():
            log = subprocess.run(
                ["git", "log", "-1", "--format=%cs", "--", path.name],
                cwd=path.parent,
                capture_output=True,
                text=True,
                timeout=10,
            )
            if log.returncode == 0 and log.stdout.strip():
                return log.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass  # no git: the file's own time is the best we have
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.timezone.utc).date().isoformat()


def _field(f, res: Resource) -> dict:
    rules = [
        k if v is True else f"{k} {json.dumps(v, ensure_ascii=False)}"
        for k, v in f.constraints.items()
        if v is not False
    ]
    if f.name in res.primary_key:
        rules.insert(0, "primaryKey")
    return {
        "name": f.name,
        "type": f.type + (f" ({f.format})" if f.format else ""),
        "title": f.title or "",
        "constraints": ", ".join(rules),
    }


def _time_range(res: Resource, engine: QueryEngine) -> list[dict]:
    out = []
    for f in res.time_fields:
        col = ident(f.name)
        lo, hi = engine.query(f"SELECT min({col}), max({col}) FROM {ident(res.name)}").rows[0]
        out.append({"field": f.name, "min": lo.isoformat() if lo else None, "max": hi.isoformat() if hi else None})
    return out
