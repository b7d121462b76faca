"""Verdicts of earlier runs, keyed by the files' fingerprints and the schema, under the cache folder."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from site_build.data.checks import Finding
from site_build.data.package import Fingerprints

#: bump when checks change, so cached verdicts are not reused
CACHE_FORMAT = 2


def cache_key(table, tables: dict, first: int, prints: Fingerprints) -> str:
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


def load_cache(cache_dir, key: str | None):
    if not key or not _cache_path(cache_dir, key).exists():
        return None
    try:
        data = json.loads(_cache_path(cache_dir, key).read_text(encoding="utf-8"))
        findings = [Finding(**{**f, "samples": [tuple(s) for s in f["samples"]]}) for f in data["findings"]]
        return data["rows"], findings
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a corrupt entry is just a miss


def save_cache(cache_dir, key: str | None, rows: int, findings: list[Finding]) -> None:
    if not key:
        return
    path = _cache_path(cache_dir, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(
        json.dumps({"rows": rows, "findings": [asdict(f) for f in findings]}, ensure_ascii=False), encoding="utf-8"
    )
    tmp.replace(path)
