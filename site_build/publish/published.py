"""Read what is already published in ``public/``: the versions and their build manifests.

The build reads these as a declared input (本版变化 and the KPI history);
the views get the snapshots, never the folder.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from site_build.kpis.snapshot import snapshot
from site_build.publish.publishing import VERSIONS_JSON, read_versions


def read(public_dir, current_version: str) -> tuple[list[tuple[dict, dict]], dict | None]:
    """``(builds(public_dir), previous_snapshot(public_dir, current_version))``, reading each file once."""
    listed = _listed(Path(public_dir))
    return _readable(listed), _previous(listed, current_version)


def builds(public_dir) -> list[tuple[dict, dict]]:
    """``(versions.json entry, build manifest)`` for every readable published version, newest first."""
    return _readable(_listed(Path(public_dir)))


def previous_snapshot(public_dir, current_version: str) -> dict | None:
    """The snapshot of the version published before ``current_version``, or None for the first one.

    At build time the current version is not published yet: then the newest
    published version is the previous one.
    """
    return _previous(_listed(Path(public_dir)), current_version)


def _listed(public: Path) -> list[tuple[dict, dict | None]]:
    """Every version in versions.json, newest first, with its manifest or None where unreadable."""
    entries = read_versions(public) if (public / VERSIONS_JSON).is_file() else []
    return [(entry, _read_build(public / entry["version"])) for entry in entries]


def _readable(listed: list[tuple[dict, dict | None]]) -> list[tuple[dict, dict]]:
    return [(entry, build) for entry, build in listed if build is not None]


def _previous(listed: list[tuple[dict, dict | None]], current_version: str) -> dict | None:
    versions = [entry["version"] for entry, _ in listed]
    older = listed[versions.index(current_version) + 1 :] if current_version in versions else listed
    return next((snapshot(build) for _, build in older if build is not None), None)


def declared(builds_read: list[tuple[dict, dict]], previous: dict | None) -> dict:
    """How build.json records what the build read from public/: the versions and a sha256 of what was used.

    Published versions are an input of 本版变化 and the KPI history, but not
    of the version id: publishing must not turn the same inputs into a new version.
    """
    used = {"previous": previous, "history": [snapshot(build) for _, build in builds_read]}
    digest = hashlib.sha256(json.dumps(used, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()
    return {
        "versions": [entry["version"] for entry, _ in builds_read],
        "previous": previous and previous.get("version"),
        "sha256": digest,
    }


def _read_build(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
