"""Verdicts of earlier runs, keyed by the files' fingerprints and the schema, in the store's "verdicts" namespace."""

from __future__ import annotations

from dataclasses import asdict

from site_build.data.checks import Finding
from site_build.data.package import Fingerprints
from site_build.data.store import Store

NAMESPACE = "verdicts"


def cache_key(table, tables: dict, first: int, prints: Fingerprints) -> str:
    res = table.resource
    parents = sorted({(fk.get("reference") or {}).get("resource") or res.name for fk in res.foreign_keys} - {res.name})
    blob = [first, prints.of(res.path), res.descriptor, [asdict(c) for c in table.columns]]
    for name in parents:
        parent = tables.get(name)
        if parent and parent.readable:
            blob.append([name, prints.of(parent.resource.path), parent.resource.descriptor])
    return Store.key(*blob)


def load_cache(store: Store, key: str | None) -> tuple[int, list[Finding]] | None:
    """(rows, findings) of the verdict stored under ``key``, or None."""
    return store.get_json(NAMESPACE, key, _verdict) if key else None


def save_cache(store: Store, key: str | None, rows: int, findings: list[Finding]) -> None:
    if key:
        store.put_json(NAMESPACE, key, {"rows": rows, "findings": [asdict(f) for f in findings]})


def _verdict(data: dict) -> tuple[int, list[Finding]]:
    findings = [Finding(**{**f, "samples": [tuple(s) for s in f["samples"]]}) for f in data["findings"]]
    return data["rows"], findings
